-- A materialisation no longer locks each contact it reads FOR KEY SHARE (decision 0055): that lock
-- wrote every contact row (its xmax) and a WAL record per contact, ~2.5 s of a million-recipient
-- materialisation. Instead, per tenant, one advisory lock (class 'LMLG', key hashtext(tenant id)):
-- a ledger batch holds it exclusively for its transaction, and whatever deletes contacts (or
-- changes a contact's key) takes it shared in the statement's trigger, before it looks at the
-- ledger. The two never overlap: a contact deleted first is gone from the batch's snapshot (taken
-- after the lock), and a delete that came second deletes, once the batch commits, the rows it wrote.
-- Deleters share the lock, so they do not wait for each other.
CREATE OR REPLACE FUNCTION app_contacts_deleted_leave_ledger() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp SET enable_hashjoin = off SET enable_mergejoin = off
  AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock_shared(1280134215, hashtext(t.tenant_id::text))
      FROM (SELECT DISTINCT tenant_id FROM old_rows ORDER BY tenant_id) t;
    DELETE FROM campaign_recipients r USING old_rows o WHERE r.tenant_id = o.tenant_id AND r.contact_id = o.id;
    RETURN NULL;
  END $fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_ledger_keys_kept() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    -- A ledger row's key never changes; a contact's or campaign's key may not change under its ledger rows.
    IF TG_TABLE_NAME = 'contacts' THEN
      PERFORM pg_advisory_xact_lock_shared(1280134215, hashtext(OLD.tenant_id::text));
      IF NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.tenant_id = OLD.tenant_id AND r.contact_id = OLD.id) THEN RETURN NULL; END IF;
    ELSIF TG_TABLE_NAME = 'campaigns' THEN
      IF NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.tenant_id = OLD.tenant_id AND r.campaign_id = OLD.id) THEN RETURN NULL; END IF;
    END IF;
    RAISE EXCEPTION 'the key of a % row that the campaign ledger refers to cannot change', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    RETURN NULL;
  END $fn$;

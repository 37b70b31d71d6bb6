-- The campaign ledger without foreign keys (decision 0046). Their checks ran one query per written
-- row (campaign, contact): a third of the database CPU of materialising an audience. The ledger's one
-- writer (materializeBatch) takes its rows from a select of the tenant's contacts that locks them
-- FOR KEY SHARE (what the contact key's check did), inside the transaction that holds the campaign
-- FOR UPDATE; what the keys did besides is kept below: a deleted contact or campaign takes its
-- ledger rows with it, and the keys on either side cannot change under them.
ALTER TABLE "campaign_recipients" DROP CONSTRAINT "campaign_recipients_campaign_fk";
--> statement-breakpoint
ALTER TABLE "campaign_recipients" DROP CONSTRAINT "campaign_recipients_contact_fk";
--> statement-breakpoint
-- Deleting contacts deletes their ledger rows (ON DELETE CASCADE of the key), one statement for all:
-- a contact deleted while a materialisation reads it waits for it (the key share lock), so the
-- rows it wrote are visible here. Joins forced to index lookups: transition tables have no statistics.
CREATE FUNCTION app_contacts_deleted_leave_ledger() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp SET enable_hashjoin = off SET enable_mergejoin = off
  AS $fn$
  BEGIN
    DELETE FROM campaign_recipients r USING old_rows o WHERE r.tenant_id = o.tenant_id AND r.contact_id = o.id;
    RETURN NULL;
  END $fn$;
--> statement-breakpoint
CREATE TRIGGER contacts_deleted_leave_ledger AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_contacts_deleted_leave_ledger();
--> statement-breakpoint
CREATE FUNCTION app_campaigns_deleted_leave_ledger() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp SET enable_hashjoin = off SET enable_mergejoin = off
  AS $fn$
  BEGIN
    DELETE FROM campaign_recipients r USING old_rows o WHERE r.tenant_id = o.tenant_id AND r.campaign_id = o.id;
    RETURN NULL;
  END $fn$;
--> statement-breakpoint
CREATE TRIGGER campaigns_deleted_leave_ledger AFTER DELETE ON campaigns
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_campaigns_deleted_leave_ledger();
--> statement-breakpoint
CREATE FUNCTION app_ledger_keys_kept() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    -- A ledger row's key never changes; a contact's or campaign's key may not change under its ledger rows.
    IF TG_TABLE_NAME = 'contacts' THEN
      IF NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.tenant_id = OLD.tenant_id AND r.contact_id = OLD.id) THEN RETURN NULL; END IF;
    ELSIF TG_TABLE_NAME = 'campaigns' THEN
      IF NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.tenant_id = OLD.tenant_id AND r.campaign_id = OLD.id) THEN RETURN NULL; END IF;
    END IF;
    RAISE EXCEPTION 'the key of a % row that the campaign ledger refers to cannot change', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    RETURN NULL;
  END $fn$;
--> statement-breakpoint
CREATE TRIGGER campaign_recipients_keys_kept AFTER UPDATE OF tenant_id, campaign_id, contact_id ON campaign_recipients FOR EACH ROW
  WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.contact_id IS DISTINCT FROM NEW.contact_id)
  EXECUTE FUNCTION app_ledger_keys_kept();
--> statement-breakpoint
CREATE TRIGGER contacts_keys_kept_for_ledger AFTER UPDATE OF tenant_id, id ON contacts FOR EACH ROW
  WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION app_ledger_keys_kept();
--> statement-breakpoint
CREATE TRIGGER campaigns_keys_kept_for_ledger AFTER UPDATE OF tenant_id, id ON campaigns FOR EACH ROW
  WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION app_ledger_keys_kept();

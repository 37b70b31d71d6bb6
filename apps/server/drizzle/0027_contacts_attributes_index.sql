CREATE INDEX "contacts_attributes_idx" ON "contacts" USING gin ("attributes" jsonb_path_ops) WHERE "contacts"."attributes" <> '{}'::jsonb;--> statement-breakpoint
-- Contacts whose attributes contain a value (`{"key": "value"}`, or the number it reads as), for a
-- filter on a rare value (contact-filter.ts, decision 0035). Under the app role's row-level security
-- PostgreSQL uses no index for @> and no statistics to estimate it (the operator is not leakproof).
-- Owned by the migrating user, the table's owner, whom row-level security does not apply to (like
-- app_analyze_contacts); the tenant comes from the transaction's app.tenant_id, never an argument.
CREATE OR REPLACE FUNCTION app_contact_ids_by_attributes(p_match jsonb, p_or jsonb) RETURNS SETOF uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    RETURN QUERY EXECUTE 'SELECT id FROM contacts WHERE tenant_id = $1 AND attributes <> ''{}''::jsonb AND (attributes @> $2 OR attributes @> $3)'
      USING nullif(current_setting('app.tenant_id', true), '')::uuid, p_match, p_or;
  END
  $fn$;--> statement-breakpoint
-- How many contacts of the tenant the planner expects the same look-up to find: the query is
-- explained with its values written in (EXPLAIN plans parameters generically).
CREATE OR REPLACE FUNCTION app_contacts_by_attributes_estimate(p_match jsonb, p_or jsonb) RETURNS float8
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  DECLARE plan json;
  BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM contacts WHERE tenant_id = %L::uuid AND attributes <> ''{}''::jsonb AND (attributes @> %L::jsonb OR attributes @> %L::jsonb)',
                   nullif(current_setting('app.tenant_id', true), ''), p_match, p_or)
      INTO plan;
    RETURN (plan->0->'Plan'->>'Plan Rows')::float8;
  END
  $fn$;--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'leadmaster_app') THEN
    CREATE ROLE leadmaster_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_contact_ids_by_attributes(jsonb, jsonb) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_contacts_by_attributes_estimate(jsonb, jsonb) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_contact_ids_by_attributes(jsonb, jsonb) TO leadmaster_app;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_contacts_by_attributes_estimate(jsonb, jsonb) TO leadmaster_app;

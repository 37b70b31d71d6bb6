-- Contact search by number or address through the trigram and phone-key indexes (decision 0023).
-- Under the app role's row-level security PostgreSQL will not use an index for LIKE (not LEAKPROOF):
-- a phone or e-mail search read every contact of the tenant (1.6 s with 946,052 contacts). These
-- functions run as leadmaster_platform, whose policy on contacts is `true`, take the tenant from the
-- transaction's app.tenant_id (what the app role's policy uses), never from an argument, and plan
-- each search for its text (EXECUTE): 7-10 ms for the same searches.
-- The roles are created here when missing because the row-level security script (security.ts) runs
-- after the migrations; it creates them the same way and leaves existing ones alone.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'leadmaster_app') THEN
    CREATE ROLE leadmaster_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'leadmaster_platform') THEN
    CREATE ROLE leadmaster_platform NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT pg_has_role(current_user, 'leadmaster_platform', 'MEMBER') THEN
    EXECUTE format('GRANT leadmaster_platform TO %I', current_user);
  END IF;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_contact_ids_by_phone(p_key text, p_pattern text) RETURNS SETOF uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    RETURN QUERY EXECUTE 'SELECT id FROM contacts WHERE tenant_id = $1 AND (phone_key = $2 OR phone_key LIKE $3)'
      USING nullif(current_setting('app.tenant_id', true), '')::uuid, p_key, p_pattern;
  END
  $fn$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_contact_ids_by_text(p_patterns text[]) RETURNS SETOF uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    RETURN QUERY EXECUTE 'SELECT id FROM contacts WHERE tenant_id = $1 AND search_text LIKE $2 AND search_text LIKE ALL ($3)'
      USING nullif(current_setting('app.tenant_id', true), '')::uuid, p_patterns[1], p_patterns;
  END
  $fn$;--> statement-breakpoint
ALTER FUNCTION app_contact_ids_by_phone(text, text) OWNER TO leadmaster_platform;--> statement-breakpoint
ALTER FUNCTION app_contact_ids_by_text(text[]) OWNER TO leadmaster_platform;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_contact_ids_by_phone(text, text) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_contact_ids_by_text(text[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_contact_ids_by_phone(text, text) TO leadmaster_app;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_contact_ids_by_text(text[]) TO leadmaster_app;

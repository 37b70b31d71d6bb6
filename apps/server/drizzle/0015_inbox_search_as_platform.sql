-- Inbox search over message text through its full-text index (decision 0018). Under the app role's
-- row-level security PostgreSQL refuses to use an index for a condition whose operator is not
-- LEAKPROOF (`@@`, LIKE): it must check the policy first, so it read every message of the tenant
-- and ran to_tsvector on each (seconds per search with 200,000 messages in a tenant). This function
-- runs as leadmaster_platform, whose policy on messages is `true`, so the GIN index
-- (tenant_id, to_tsvector(...)) serves both conditions. It takes the tenant from the transaction's
-- app.tenant_id (what the app role's policy uses), never from an argument: no tenant set, no rows.
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
CREATE OR REPLACE FUNCTION app_inbox_message_matches(p_query tsquery) RETURNS TABLE (conversation_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
    SELECT DISTINCT m.conversation_id FROM messages m
     WHERE m.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
       AND to_tsvector('public.leadmaster_text'::regconfig, m.body) @@ p_query
  $fn$;--> statement-breakpoint
ALTER FUNCTION app_inbox_message_matches(tsquery) OWNER TO leadmaster_platform;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_inbox_message_matches(tsquery) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_inbox_message_matches(tsquery) TO leadmaster_app;

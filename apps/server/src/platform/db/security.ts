/**
 * Tenant isolation enforced by PostgreSQL itself, re-applied after every migration run so that a
 * new table with a `tenant_id` column is covered the moment it exists.
 *
 * - `leadmaster_app`: the role every request and job runs as. Not an owner, not a superuser, no
 *   BYPASSRLS. It sees the rows of the tenant set for the current transaction (`app.tenant_id`)
 *   and nothing when none is set.
 * - `leadmaster_platform`: owns the few SECURITY DEFINER functions that must look across tenants
 *   (finding the account behind a login name, the setup check). Nobody logs in as it.
 */
export const APP_ROLE = 'leadmaster_app';
export const PLATFORM_ROLE = 'leadmaster_platform';

/** Tables with a `tenant_id` the application may append to and read, but never rewrite. */
const APPEND_ONLY = ['audit_events'];
/** Platform tables the application may only append to (read by operators). */
const WRITE_ONLY = ['platform_audit_events'];

export const SECURITY_SQL = /* sql */ `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PLATFORM_ROLE}') THEN
    CREATE ROLE ${PLATFORM_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, '${PLATFORM_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT ${PLATFORM_ROLE} TO %I', current_user);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $fn$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $fn$;

GRANT USAGE ON SCHEMA public TO ${APP_ROLE}, ${PLATFORM_ROLE};
GRANT CREATE ON SCHEMA public TO ${PLATFORM_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}, ${PLATFORM_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE};
REVOKE UPDATE, DELETE ON ${APPEND_ONLY.join(', ')} FROM ${APP_ROLE};
REVOKE SELECT, UPDATE, DELETE ON ${WRITE_ONLY.join(', ')} FROM ${APP_ROLE};

DO $$
DECLARE
  r record;
  key_column text;
BEGIN
  FOR r IN
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    IF r.relname = 'tenants' THEN key_column := 'id';
    ELSIF r.has_tenant THEN key_column := 'tenant_id';
    ELSE CONTINUE;
    END IF;
    IF NOT r.relrowsecurity THEN EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', r.relname); END IF;
    IF NOT r.relforcerowsecurity THEN EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', r.relname); END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = r.oid AND p.polname = 'tenant_isolation') THEN
      EXECUTE format(
        'CREATE POLICY tenant_isolation ON %I TO ${APP_ROLE} USING (%2$I = app_current_tenant()) WITH CHECK (%2$I = app_current_tenant())',
        r.relname, key_column);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = r.oid AND p.polname = 'platform_access') THEN
      EXECUTE format('CREATE POLICY platform_access ON %I TO ${PLATFORM_ROLE} USING (true) WITH CHECK (true)', r.relname);
    END IF;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION app_find_login(p_login text) RETURNS TABLE (tenant_id uuid, user_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ SELECT d.tenant_id, d.user_id FROM login_directory d WHERE d.login = lower(p_login) $fn$;

CREATE OR REPLACE FUNCTION app_setup_required() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ SELECT NOT EXISTS (SELECT 1 FROM login_directory) $fn$;

CREATE OR REPLACE FUNCTION app_tenant_id_by_slug(p_slug text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ SELECT t.id FROM tenants t WHERE t.slug = lower(p_slug) $fn$;

-- Owned by the migrating user (who can read Drizzle's journal), for the readiness probe.
CREATE OR REPLACE FUNCTION app_schema_version() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $fn$ SELECT max(created_at) FROM drizzle.__drizzle_migrations $fn$;
REVOKE ALL ON FUNCTION app_schema_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_schema_version() TO ${APP_ROLE};

-- Authenticating a request: one statement instead of a transaction. The caller names the tenant and
-- the row (both from the credential) and still checks the secret against the returned hash.
-- PL/pgSQL, not SQL: a SQL function with SET search_path is never inlined and plans its query again
-- on every call (most of the database's work for a short authenticated request); PL/pgSQL keeps
-- the plan for the session.
CREATE OR REPLACE FUNCTION app_session_principal(p_tenant uuid, p_session uuid)
  RETURNS TABLE (secret_hash text, stage text, last_seen_at timestamptz, expires_at timestamptz, revoked_at timestamptz,
                 user_id uuid, email text, user_status text, totp_enabled boolean,
                 builtin text, permissions text[], tenant_status text, require_two_factor boolean)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    SELECT s.secret_hash, s.stage, s.last_seen_at, s.expires_at, s.revoked_at,
           u.id, u.email, u.status, u.totp_enabled_at IS NOT NULL,
           r.builtin, r.permissions, t.status, t.require_two_factor
      FROM sessions s
      JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
      JOIN roles r ON r.tenant_id = u.tenant_id AND r.id = u.role_id
      JOIN tenants t ON t.id = s.tenant_id
     WHERE s.tenant_id = p_tenant AND s.id = p_session;
  END
  $fn$;

CREATE OR REPLACE FUNCTION app_api_key_principal(p_tenant uuid, p_key uuid)
  RETURNS TABLE (secret_hash text, name text, key_permissions text[], last_used_at timestamptz, revoked_at timestamptz,
                 user_id uuid, user_status text, builtin text, permissions text[], tenant_status text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    SELECT k.secret_hash, k.name, k.permissions, k.last_used_at, k.revoked_at,
           u.id, u.status, r.builtin, r.permissions, t.status
      FROM api_keys k
      JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by
      JOIN roles r ON r.tenant_id = u.tenant_id AND r.id = u.role_id
      JOIN tenants t ON t.id = k.tenant_id
     WHERE k.tenant_id = p_tenant AND k.id = p_key;
  END
  $fn$;

-- Statistics after a bulk load (a large import): only the table's owner may ANALYZE it, and PGlite
-- runs no autovacuum at all, so without this the planner would plan a million rows as an empty table.
-- Owned by the migrating user (the tables' owner), like app_schema_version.
CREATE OR REPLACE FUNCTION app_analyze_contacts() RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ ANALYZE contacts $fn$;
REVOKE ALL ON FUNCTION app_analyze_contacts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_analyze_contacts() TO ${APP_ROLE};

-- A webhook names its channel account by id only: find the tenant and what verifies the request.
CREATE OR REPLACE FUNCTION app_channel_for_webhook(p_channel uuid)
  RETURNS TABLE (tenant_id uuid, kind text, status text, secrets text, webhook_secret_hash text, settings jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    SELECT c.tenant_id, c.kind, c.status, c.secrets, c.webhook_secret_hash, c.settings FROM channel_accounts c WHERE c.id = p_channel;
  END
  $fn$;

-- For background work that visits every tenant in turn (each visit runs under that tenant).
CREATE OR REPLACE FUNCTION app_tenant_ids() RETURNS TABLE (id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$ SELECT t.id FROM tenants t ORDER BY t.id $fn$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['app_find_login(text)', 'app_setup_required()', 'app_tenant_id_by_slug(text)', 'app_tenant_ids()',
                           'app_session_principal(uuid,uuid)', 'app_api_key_principal(uuid,uuid)', 'app_channel_for_webhook(uuid)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO ${PLATFORM_ROLE}', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ${APP_ROLE}', f);
  END LOOP;
END $$;
`;

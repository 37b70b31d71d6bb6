-- The planner's estimates for an attribute filter: how many contacts of the tenant match, and how
-- many the tenant has (decision 0035). Whether the index pays depends on both: a value held by 1,400
-- of 10,000 contacts fills a page after a few hundred rows in list order, one held by 1,800 of
-- 946,000 after ~25,000. Replaces app_contacts_by_attributes_estimate (migration 0027), which gave
-- the first only. Owned by the migrating user, like it (row-level security would hide the statistics).
CREATE OR REPLACE FUNCTION app_contacts_by_attributes_estimates(p_match jsonb, p_or jsonb) RETURNS float8[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $fn$
  DECLARE
    tenant text := nullif(current_setting('app.tenant_id', true), '');
    matching json;
    all_rows json;
  BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM contacts WHERE tenant_id = %L::uuid AND attributes <> ''{}''::jsonb AND (attributes @> %L::jsonb OR attributes @> %L::jsonb)',
                   tenant, p_match, p_or)
      INTO matching;
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM contacts WHERE tenant_id = %L::uuid', tenant) INTO all_rows;
    RETURN ARRAY[(matching->0->'Plan'->>'Plan Rows')::float8, (all_rows->0->'Plan'->>'Plan Rows')::float8];
  END
  $fn$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_contacts_by_attributes_estimates(jsonb, jsonb) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_contacts_by_attributes_estimates(jsonb, jsonb) TO leadmaster_app;--> statement-breakpoint
DROP FUNCTION IF EXISTS app_contacts_by_attributes_estimate(jsonb, jsonb);

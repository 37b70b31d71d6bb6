-- The timeline trigger of 0026 paired old and new ledger rows with a join the planner misjudged (transition
-- tables have no statistics): quadratic, 1.9 s for a 1,000-row ledger update and 45 s for 5,000, which made
-- the campaign engine ~12x slower. Same results, rows paired by grouping on the ledger key (decision 0034).
CREATE OR REPLACE FUNCTION app_campaign_timeline_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    -- Per changed row, each side: the new one adds the stages it reached that the old had not, the
    -- old one takes back those the new has not (a 131049 cool-down back to pending, a failure after
    -- sent). Old and new rows are paired by grouping on the ledger key, not by a join: transition
    -- tables have no statistics, and a join the planner misjudged ran in quadratic time (1.9 s for
    -- 1,000 rows, 45 s for 5,000). The message is read once per side, by its key.
    WITH changed AS MATERIALIZED (
      SELECT r.tenant_id, r.campaign_id,
             max(r.status) FILTER (WHERE r.sign = 1) AS new_status, max(r.status) FILTER (WHERE r.sign = -1) AS old_status,
             (array_agg(r.message_id) FILTER (WHERE r.sign = 1))[1] AS new_message, (array_agg(r.message_id) FILTER (WHERE r.sign = -1))[1] AS old_message,
             max(r.queued_at) FILTER (WHERE r.sign = 1) AS new_queued, max(r.queued_at) FILTER (WHERE r.sign = -1) AS old_queued,
             max(r.replied_at) FILTER (WHERE r.sign = 1) AS new_replied, max(r.replied_at) FILTER (WHERE r.sign = -1) AS old_replied,
             max(r.updated_at) FILTER (WHERE r.sign = 1) AS new_updated, max(r.updated_at) FILTER (WHERE r.sign = -1) AS old_updated
        FROM (SELECT 1 AS sign, n.tenant_id, n.campaign_id, n.contact_id, n.status, n.message_id, n.queued_at, n.replied_at, n.updated_at FROM new_rows n
              UNION ALL
              SELECT -1, o.tenant_id, o.campaign_id, o.contact_id, o.status, o.message_id, o.queued_at, o.replied_at, o.updated_at FROM old_rows o) r
       GROUP BY r.tenant_id, r.campaign_id, r.contact_id
      HAVING max(r.status) FILTER (WHERE r.sign = 1) IS DISTINCT FROM max(r.status) FILTER (WHERE r.sign = -1)
    ), sides AS MATERIALIZED (
      SELECT c.tenant_id, c.campaign_id, 1 AS sign, c.new_status AS status, c.old_status AS other, c.new_message AS message_id, c.new_queued AS queued_at, c.new_replied AS replied_at, c.new_updated AS updated_at FROM changed c
      UNION ALL
      SELECT c.tenant_id, c.campaign_id, -1, c.old_status, c.new_status, c.old_message, c.old_queued, c.old_replied, c.old_updated FROM changed c
    ), timed AS MATERIALIZED (
      SELECT s.*, m.sent_at, m.delivered_at, m.read_at, m.failed_at
        FROM sides s
        LEFT JOIN LATERAL (
          SELECT m.sent_at, m.delivered_at, m.read_at, m.failed_at FROM messages m
           WHERE s.message_id IS NOT NULL AND m.tenant_id = s.tenant_id AND m.id = s.message_id LIMIT 1) m ON true
    )
    INSERT INTO campaign_timeline (tenant_id, campaign_id, minute, queued, sent, delivered, read, replied, failed)
    SELECT e.tenant_id, e.campaign_id, date_bin('1 minute', e.at, timestamptz '2000-01-01 00:00Z'),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'queued'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'sent'), 0),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'delivered'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'read'), 0),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'replied'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'failed'), 0)
      FROM (
        SELECT t.tenant_id, t.campaign_id, t.sign, st.stage, CASE st.stage
                 WHEN 'queued' THEN coalesce(t.queued_at, t.updated_at)
                 WHEN 'sent' THEN coalesce(t.sent_at, t.delivered_at, t.read_at, t.replied_at, t.updated_at)
                 WHEN 'delivered' THEN coalesce(t.delivered_at, t.read_at, t.replied_at, t.updated_at)
                 WHEN 'read' THEN coalesce(t.read_at, t.replied_at, t.updated_at)
                 WHEN 'replied' THEN coalesce(t.replied_at, t.updated_at)
                 ELSE coalesce(t.failed_at, t.updated_at) END AS at
          FROM timed t
         CROSS JOIN LATERAL (VALUES ('queued'), ('sent'), ('delivered'), ('read'), ('replied'), ('failed')) st(stage)
         WHERE app_campaign_stage_reached(t.status, st.stage) = 1 AND app_campaign_stage_reached(t.other, st.stage) = 0
      ) e
     GROUP BY 1, 2, 3;
    RETURN NULL;
  END $fn$;

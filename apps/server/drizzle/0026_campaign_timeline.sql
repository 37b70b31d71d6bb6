CREATE TABLE "campaign_timeline" (
	"tenant_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"minute" timestamp (3) with time zone NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"read" integer DEFAULT 0 NOT NULL,
	"replied" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaign_timeline" ADD CONSTRAINT "campaign_timeline_campaign_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."campaigns"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaign_timeline_tenant_campaign_idx" ON "campaign_timeline" USING btree ("tenant_id","campaign_id","minute");--> statement-breakpoint
-- The campaign's outcomes per minute, kept by a statement trigger on the ledger (decision 0034).
-- Where a ledger row's status puts it in the funnel (the counters of stats.ts): a read recipient was
-- also queued, sent and delivered. 1 when `status` has reached `stage`.
CREATE FUNCTION app_campaign_stage_reached(status text, stage text) RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $fn$ SELECT (CASE stage
    WHEN 'queued' THEN status NOT IN ('pending', 'skipped')
    WHEN 'sent' THEN status IN ('sent', 'delivered', 'read', 'replied')
    WHEN 'delivered' THEN status IN ('delivered', 'read', 'replied')
    WHEN 'read' THEN status IN ('read', 'replied')
    WHEN 'replied' THEN status = 'replied'
    WHEN 'failed' THEN status = 'failed'
    ELSE false END)::int $fn$;
--> statement-breakpoint
CREATE FUNCTION app_campaign_timeline_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    -- Per changed row, each side: the new one adds the stages it reached that the old had not, the
    -- old one takes back those the new has not (a 131049 cool-down back to pending, a failure after
    -- sent). The message is read only for the stages whose time comes from it.
    INSERT INTO campaign_timeline (tenant_id, campaign_id, minute, queued, sent, delivered, read, replied, failed)
    SELECT e.tenant_id, e.campaign_id, date_bin('1 minute', e.at, timestamptz '2000-01-01 00:00Z'),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'queued'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'sent'), 0),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'delivered'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'read'), 0),
           coalesce(sum(e.sign) FILTER (WHERE e.stage = 'replied'), 0), coalesce(sum(e.sign) FILTER (WHERE e.stage = 'failed'), 0)
      FROM (
        SELECT n.tenant_id, n.campaign_id, s.sign, st.stage, CASE st.stage
                 WHEN 'queued' THEN coalesce(s.queued_at, s.updated_at)
                 WHEN 'sent' THEN coalesce(m.sent_at, m.delivered_at, m.read_at, s.replied_at, s.updated_at)
                 WHEN 'delivered' THEN coalesce(m.delivered_at, m.read_at, s.replied_at, s.updated_at)
                 WHEN 'read' THEN coalesce(m.read_at, s.replied_at, s.updated_at)
                 WHEN 'replied' THEN coalesce(s.replied_at, s.updated_at)
                 ELSE coalesce(m.failed_at, s.updated_at) END AS at
          FROM new_rows n
          JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.campaign_id = n.campaign_id AND o.contact_id = n.contact_id AND o.status <> n.status
         CROSS JOIN LATERAL (VALUES (1, n.status, o.status, n.message_id, n.queued_at, n.replied_at, n.updated_at),
                                    (-1, o.status, n.status, o.message_id, o.queued_at, o.replied_at, o.updated_at)) s(sign, status, other, message_id, queued_at, replied_at, updated_at)
         CROSS JOIN LATERAL (VALUES ('queued'), ('sent'), ('delivered'), ('read'), ('replied'), ('failed')) st(stage)
          LEFT JOIN LATERAL (
            SELECT m.sent_at, m.delivered_at, m.read_at, m.failed_at FROM messages m
             WHERE m.tenant_id = n.tenant_id AND m.id = s.message_id AND st.stage NOT IN ('queued', 'replied')) m ON true
         WHERE app_campaign_stage_reached(s.status, st.stage) = 1 AND app_campaign_stage_reached(s.other, st.stage) = 0
      ) e
     GROUP BY 1, 2, 3;
    RETURN NULL;
  END $fn$;
--> statement-breakpoint
-- A statement trigger with transition tables: one insert per ledger statement (a claim batch, a
-- drain's status batch), grouped per campaign and minute; rows whose status did not change add nothing.
CREATE TRIGGER campaign_timeline_on_update AFTER UPDATE ON campaign_recipients
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_campaign_timeline_changed();
--> statement-breakpoint
-- The campaigns that ran before this migration: their timeline as the derivation of decision 0026 gave it.
INSERT INTO campaign_timeline (tenant_id, campaign_id, minute, queued, sent, delivered, read, replied, failed)
SELECT r.tenant_id, r.campaign_id, date_bin('1 minute', e.at, timestamptz '2000-01-01 00:00Z'),
       count(*) FILTER (WHERE e.stage = 'queued'), count(*) FILTER (WHERE e.stage = 'sent'), count(*) FILTER (WHERE e.stage = 'delivered'),
       count(*) FILTER (WHERE e.stage = 'read'), count(*) FILTER (WHERE e.stage = 'replied'), count(*) FILTER (WHERE e.stage = 'failed')
  FROM campaign_recipients r
  LEFT JOIN messages m ON m.tenant_id = r.tenant_id AND m.id = r.message_id
 CROSS JOIN LATERAL (VALUES
   ('queued', CASE WHEN app_campaign_stage_reached(r.status, 'queued') = 1 THEN coalesce(r.queued_at, r.updated_at) END),
   ('sent', CASE WHEN app_campaign_stage_reached(r.status, 'sent') = 1 THEN coalesce(m.sent_at, m.delivered_at, m.read_at, r.replied_at, r.updated_at) END),
   ('delivered', CASE WHEN app_campaign_stage_reached(r.status, 'delivered') = 1 THEN coalesce(m.delivered_at, m.read_at, r.replied_at, r.updated_at) END),
   ('read', CASE WHEN app_campaign_stage_reached(r.status, 'read') = 1 THEN coalesce(m.read_at, r.replied_at, r.updated_at) END),
   ('replied', CASE WHEN app_campaign_stage_reached(r.status, 'replied') = 1 THEN coalesce(r.replied_at, r.updated_at) END),
   ('failed', CASE WHEN app_campaign_stage_reached(r.status, 'failed') = 1 THEN coalesce(m.failed_at, r.updated_at) END)
 ) AS e(stage, at)
 WHERE e.at IS NOT NULL
 GROUP BY 1, 2, 3;

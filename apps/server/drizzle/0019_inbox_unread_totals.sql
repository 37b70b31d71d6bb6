CREATE TABLE "inbox_unread_tenants" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"waiting_messages" bigint DEFAULT 0 NOT NULL,
	"waiting_conversations" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbox_unread_users" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"read_messages" bigint DEFAULT 0 NOT NULL,
	"read_conversations" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "inbox_unread_users_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "conversation_reads_tenant_conversation_idx" ON "conversation_reads" USING btree ("tenant_id","conversation_id");--> statement-breakpoint
-- Unread totals kept by triggers (decision 0025). For a user and a conversation,
--   unread = inbound_seq − max(answered_seq, read_seq) = waiting − read
-- with waiting = inbound_seq − answered_seq and read = max(0, min(read_seq, inbound_seq) − answered_seq).
-- So the user's total is the tenant's waiting sum (changed only by conversations) minus the user's
-- read sum (changed by their read marks, and by an answer or a new message in a conversation they
-- read). A new message touches one tenant row and the rows of the users who had read that
-- conversation to the end; nobody else's. Every trigger adds the difference between the old and the
-- new state of the rows its statement changed, so concurrent statements add up.
CREATE FUNCTION app_inbox_unread_conversations_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  DECLARE
    tenants uuid[]; ids uuid[]; old_in int[]; old_ans int[]; new_in int[]; new_ans int[];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(n.tenant_id), array_agg(n.id), array_agg(0), array_agg(0), array_agg(n.inbound_seq), array_agg(n.answered_seq)
        INTO tenants, ids, old_in, old_ans, new_in, new_ans
        FROM new_rows n WHERE n.inbound_seq <> n.answered_seq;
    ELSE
      SELECT array_agg(n.tenant_id), array_agg(n.id), array_agg(o.inbound_seq), array_agg(o.answered_seq), array_agg(n.inbound_seq), array_agg(n.answered_seq)
        INTO tenants, ids, old_in, old_ans, new_in, new_ans
        FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
       WHERE o.inbound_seq <> n.inbound_seq OR o.answered_seq <> n.answered_seq;
    END IF;
    IF ids IS NULL THEN RETURN NULL; END IF;
    INSERT INTO inbox_unread_tenants AS t (tenant_id, waiting_messages, waiting_conversations)
    SELECT c.tenant_id, sum(c.dm), sum(c.dc) FROM (
      SELECT c.tenant_id, (c.new_in - c.new_ans) - (c.old_in - c.old_ans) AS dm, (c.new_in > c.new_ans)::int - (c.old_in > c.old_ans)::int AS dc
        FROM unnest(tenants, ids, old_in, old_ans, new_in, new_ans) AS c(tenant_id, id, old_in, old_ans, new_in, new_ans)) c
     GROUP BY c.tenant_id HAVING sum(c.dm) <> 0 OR sum(c.dc) <> 0
     ORDER BY c.tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET waiting_messages = t.waiting_messages + excluded.waiting_messages,
                                          waiting_conversations = t.waiting_conversations + excluded.waiting_conversations;
    INSERT INTO inbox_unread_users AS u (tenant_id, user_id, read_messages, read_conversations)
    SELECT d.tenant_id, d.user_id, sum(d.dm), sum(d.dc) FROM (
      SELECT r.tenant_id, r.user_id,
             greatest(0, least(r.read_seq, c.new_in) - c.new_ans) - greatest(0, least(r.read_seq, c.old_in) - c.old_ans) AS dm,
             (c.new_in > c.new_ans AND r.read_seq >= c.new_in)::int - (c.old_in > c.old_ans AND r.read_seq >= c.old_in)::int AS dc
        FROM unnest(tenants, ids, old_in, old_ans, new_in, new_ans) AS c(tenant_id, id, old_in, old_ans, new_in, new_ans)
        JOIN conversation_reads r ON r.tenant_id = c.tenant_id AND r.conversation_id = c.id) d
     GROUP BY d.tenant_id, d.user_id HAVING sum(d.dm) <> 0 OR sum(d.dc) <> 0
     ORDER BY d.tenant_id, d.user_id
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET read_messages = u.read_messages + excluded.read_messages,
                                                   read_conversations = u.read_conversations + excluded.read_conversations;
    RETURN NULL;
  END
  $fn$;
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_insert AFTER INSERT ON conversations REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_inbox_unread_conversations_changed();
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_update AFTER UPDATE ON conversations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_inbox_unread_conversations_changed();
--> statement-breakpoint
-- A deleted conversation (its contact erased) takes its part out while its read marks still exist:
-- the marks go by cascade after the row, and by then there is no conversation to measure them against.
CREATE FUNCTION app_inbox_unread_conversation_deleted() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  BEGIN
    IF OLD.inbound_seq > OLD.answered_seq THEN
      UPDATE inbox_unread_tenants SET waiting_messages = waiting_messages - (OLD.inbound_seq - OLD.answered_seq), waiting_conversations = waiting_conversations - 1
       WHERE tenant_id = OLD.tenant_id;
      UPDATE inbox_unread_users u SET read_messages = u.read_messages - d.dm, read_conversations = u.read_conversations - d.dc
        FROM (SELECT r.user_id, greatest(0, least(r.read_seq, OLD.inbound_seq) - OLD.answered_seq) AS dm, (r.read_seq >= OLD.inbound_seq)::int AS dc
                FROM conversation_reads r WHERE r.tenant_id = OLD.tenant_id AND r.conversation_id = OLD.id) d
       WHERE u.tenant_id = OLD.tenant_id AND u.user_id = d.user_id AND (d.dm <> 0 OR d.dc <> 0);
    END IF;
    RETURN OLD;
  END
  $fn$;
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_delete BEFORE DELETE ON conversations
  FOR EACH ROW EXECUTE FUNCTION app_inbox_unread_conversation_deleted();
--> statement-breakpoint
-- A read mark moves: its user's part changes by the difference, measured against the conversation
-- locked FOR SHARE. The lock orders it against a new message or an answer in that conversation (they
-- update the row): whichever commits second sees the other's change, so the two differences chain.
CREATE FUNCTION app_inbox_unread_reads_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $fn$
  DECLARE
    tenants uuid[]; users uuid[]; ids uuid[]; old_read int[]; new_read int[];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(n.tenant_id), array_agg(n.user_id), array_agg(n.conversation_id), array_agg(0), array_agg(n.read_seq)
        INTO tenants, users, ids, old_read, new_read FROM new_rows n WHERE n.read_seq <> 0;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(n.tenant_id), array_agg(n.user_id), array_agg(n.conversation_id), array_agg(o.read_seq), array_agg(n.read_seq)
        INTO tenants, users, ids, old_read, new_read
        FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.user_id = n.user_id AND o.conversation_id = n.conversation_id
       WHERE o.read_seq <> n.read_seq;
    ELSE
      SELECT array_agg(o.tenant_id), array_agg(o.user_id), array_agg(o.conversation_id), array_agg(o.read_seq), array_agg(0)
        INTO tenants, users, ids, old_read, new_read FROM old_rows o WHERE o.read_seq <> 0;
    END IF;
    IF ids IS NULL THEN RETURN NULL; END IF;
    PERFORM 1 FROM conversations c
      WHERE (c.tenant_id, c.id) IN (SELECT * FROM unnest(tenants, ids))
      ORDER BY c.tenant_id, c.id FOR SHARE OF c;
    INSERT INTO inbox_unread_users AS u (tenant_id, user_id, read_messages, read_conversations)
    SELECT d.tenant_id, d.user_id,
           sum(greatest(0, least(d.new_read, c.inbound_seq) - c.answered_seq) - greatest(0, least(d.old_read, c.inbound_seq) - c.answered_seq)),
           sum((c.inbound_seq > c.answered_seq AND d.new_read >= c.inbound_seq)::int - (c.inbound_seq > c.answered_seq AND d.old_read >= c.inbound_seq)::int)
      FROM unnest(tenants, users, ids, old_read, new_read) AS d(tenant_id, user_id, conversation_id, old_read, new_read)
      JOIN conversations c ON c.tenant_id = d.tenant_id AND c.id = d.conversation_id
     GROUP BY d.tenant_id, d.user_id
    HAVING sum(greatest(0, least(d.new_read, c.inbound_seq) - c.answered_seq) - greatest(0, least(d.old_read, c.inbound_seq) - c.answered_seq)) <> 0
        OR sum((c.inbound_seq > c.answered_seq AND d.new_read >= c.inbound_seq)::int - (c.inbound_seq > c.answered_seq AND d.old_read >= c.inbound_seq)::int) <> 0
     ORDER BY d.tenant_id, d.user_id
    ON CONFLICT (tenant_id, user_id) DO UPDATE SET read_messages = u.read_messages + excluded.read_messages,
                                                   read_conversations = u.read_conversations + excluded.read_conversations;
    RETURN NULL;
  END
  $fn$;
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_read_insert AFTER INSERT ON conversation_reads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_inbox_unread_reads_changed();
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_read_update AFTER UPDATE ON conversation_reads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_inbox_unread_reads_changed();
--> statement-breakpoint
CREATE TRIGGER inbox_unread_on_read_delete AFTER DELETE ON conversation_reads REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app_inbox_unread_reads_changed();
--> statement-breakpoint
-- The totals of what is there already (the same sums the triggers keep from here on).
INSERT INTO inbox_unread_tenants (tenant_id, waiting_messages, waiting_conversations)
SELECT tenant_id, sum(inbound_seq - answered_seq), count(*) FROM conversations WHERE inbound_seq > answered_seq GROUP BY tenant_id;
--> statement-breakpoint
INSERT INTO inbox_unread_users (tenant_id, user_id, read_messages, read_conversations)
SELECT r.tenant_id, r.user_id, sum(greatest(0, least(r.read_seq, c.inbound_seq) - c.answered_seq)),
       sum((c.inbound_seq > c.answered_seq AND r.read_seq >= c.inbound_seq)::int)
  FROM conversation_reads r JOIN conversations c ON c.tenant_id = r.tenant_id AND c.id = r.conversation_id
 GROUP BY r.tenant_id, r.user_id;

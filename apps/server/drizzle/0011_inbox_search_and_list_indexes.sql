-- Accent-insensitive text search (decision 0018): 'simple' (no stemming: Spanish and English match as
-- typed) with the unaccent dictionary in front, so 'accion' finds 'acción' and 'jose' finds 'José'.
-- to_tsvector(regconfig, text) is immutable, so the message index can use it. Hand-written: drizzle
-- cannot express a text search configuration. The unaccent extension is created before migrations.
CREATE TEXT SEARCH CONFIGURATION public.leadmaster_text (COPY = pg_catalog.simple);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION public.leadmaster_text ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;--> statement-breakpoint
DROP INDEX "messages_tenant_body_fts_idx";--> statement-breakpoint
CREATE INDEX "conversations_tenant_status_list_idx" ON "conversations" USING btree ("tenant_id","status","pinned" desc,coalesce("last_message_at", "created_at") desc,"id" desc);--> statement-breakpoint
CREATE INDEX "conversations_tenant_assignee_list_idx" ON "conversations" USING btree ("tenant_id","assignee_id","status","pinned" desc,coalesce("last_message_at", "created_at") desc,"id" desc);--> statement-breakpoint
CREATE INDEX "messages_tenant_body_fts_idx" ON "messages" USING gin ("tenant_id",to_tsvector('public.leadmaster_text'::regconfig, "body"));
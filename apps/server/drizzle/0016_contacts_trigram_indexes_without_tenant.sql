DROP INDEX "contacts_tenant_search_trgm_idx";--> statement-breakpoint
DROP INDEX "contacts_tenant_phone_trgm_idx";--> statement-breakpoint
CREATE INDEX "contacts_search_trgm_idx" ON "contacts" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_phone_trgm_idx" ON "contacts" USING gin ("phone_key" gin_trgm_ops);
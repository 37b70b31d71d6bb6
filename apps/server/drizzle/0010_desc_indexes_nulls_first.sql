DROP INDEX "audit_events_tenant_at_idx";--> statement-breakpoint
DROP INDEX "audit_events_tenant_actor_at_idx";--> statement-breakpoint
DROP INDEX "audit_events_tenant_action_at_idx";--> statement-breakpoint
DROP INDEX "platform_audit_events_at_idx";--> statement-breakpoint
DROP INDEX "contacts_tenant_contactability_idx";--> statement-breakpoint
DROP INDEX "contacts_validation_queue_idx";--> statement-breakpoint
DROP INDEX "campaigns_tenant_created_idx";--> statement-breakpoint
CREATE INDEX "audit_events_tenant_at_idx" ON "audit_events" USING btree ("tenant_id","at" desc);--> statement-breakpoint
CREATE INDEX "audit_events_tenant_actor_at_idx" ON "audit_events" USING btree ("tenant_id","actor_id","at" desc);--> statement-breakpoint
CREATE INDEX "audit_events_tenant_action_at_idx" ON "audit_events" USING btree ("tenant_id","action","at" desc);--> statement-breakpoint
CREATE INDEX "platform_audit_events_at_idx" ON "platform_audit_events" USING btree ("at" desc);--> statement-breakpoint
CREATE INDEX "contacts_tenant_contactability_idx" ON "contacts" USING btree ("tenant_id","score_contactability" desc,"id" desc);--> statement-breakpoint
CREATE INDEX "contacts_validation_queue_idx" ON "contacts" USING btree ("tenant_id","score_contactability" desc,"id" desc) WHERE "contacts"."validation_status" = 'pending';--> statement-breakpoint
CREATE INDEX "campaigns_tenant_created_idx" ON "campaigns" USING btree ("tenant_id","created_at" desc,"id");
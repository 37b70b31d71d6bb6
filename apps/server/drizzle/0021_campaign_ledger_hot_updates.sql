DROP INDEX "campaign_recipients_tenant_due_idx";--> statement-breakpoint
CREATE INDEX "campaign_recipients_tenant_due_idx" ON "campaign_recipients" USING btree ("tenant_id","campaign_id","due_at","contact_id") WHERE "campaign_recipients"."message_id" is null and "campaign_recipients"."skip_reason" is null;--> statement-breakpoint
-- Room on each page for a ledger row's later versions, so its status changes after the claim are
-- HOT updates (decision 0026). Applies to pages written from now on.
ALTER TABLE "campaign_recipients" SET (fillfactor = 80);

-- The ledger's message hash (md5 of the campaign id and the phone line) is unique on its own, which
-- is unique per campaign (decision 0057): an index of 16-byte keys instead of 48-byte ones
-- (tenant, campaign, hash), written at a random place by every materialised row.
CREATE UNIQUE INDEX "campaign_recipients_message_hash_key" ON "campaign_recipients" USING btree ("message_hash");--> statement-breakpoint
DROP INDEX "campaign_recipients_tenant_campaign_hash_key";

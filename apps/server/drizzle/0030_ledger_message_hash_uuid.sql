-- The ledger's message hash (md5 of the campaign and the phone line) as a uuid: 16 bytes compared
-- bytewise instead of 32 hex characters compared through the database's collation, so each
-- ledger row written by a materialisation costs its unique index less (decision 0045).
ALTER TABLE "campaign_recipients" ALTER COLUMN "message_hash" SET DATA TYPE uuid USING "message_hash"::uuid;

CREATE TABLE "score_explanations" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"details" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "score_explanations_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "score_explanation_id" uuid;--> statement-breakpoint
-- Explanations move out of the contacts rows (decision 0032): each distinct one stored once, named by
-- the md5 of its text; the writers hash JSON.stringify of theirs, so an explanation moved here may be
-- stored a second time under another id by its next re-score (harmless: rows are never changed).
INSERT INTO "score_explanations" ("tenant_id", "id", "details")
SELECT DISTINCT "tenant_id", md5("score_details"::text)::uuid, "score_details" FROM "contacts" WHERE "score_details" IS NOT NULL
ON CONFLICT DO NOTHING;--> statement-breakpoint
UPDATE "contacts" SET "score_explanation_id" = md5("score_details"::text)::uuid WHERE "score_details" IS NOT NULL;

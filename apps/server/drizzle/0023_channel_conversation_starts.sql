CREATE TABLE "channel_conversation_starts" (
	"tenant_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "channel_conversation_starts_tenant_id_channel_id_contact_id_pk" PRIMARY KEY("tenant_id","channel_id","contact_id")
);
--> statement-breakpoint
ALTER TABLE "channel_conversation_starts" ADD CONSTRAINT "channel_conversation_starts_channel_fk" FOREIGN KEY ("tenant_id","channel_id") REFERENCES "public"."channel_accounts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channel_conversation_starts_window_idx" ON "channel_conversation_starts" USING btree ("tenant_id","channel_id","started_at");
CREATE TABLE "channel_send_guards" (
	"tenant_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"breaker_state" text DEFAULT 'closed' NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"openings" integer DEFAULT 0 NOT NULL,
	"retry_at" timestamp with time zone,
	"last_error" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"day_started_at" timestamp with time zone,
	"day_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "channel_send_guards_tenant_id_channel_id_pk" PRIMARY KEY("tenant_id","channel_id")
);
--> statement-breakpoint
ALTER TABLE "channel_send_guards" ADD CONSTRAINT "channel_send_guards_channel_fk" FOREIGN KEY ("tenant_id","channel_id") REFERENCES "public"."channel_accounts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;
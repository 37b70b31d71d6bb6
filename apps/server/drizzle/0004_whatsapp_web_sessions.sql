CREATE TABLE "whatsapp_web_keys" (
	"tenant_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"type" text NOT NULL,
	"key_id" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "whatsapp_web_keys_tenant_id_channel_id_type_key_id_pk" PRIMARY KEY("tenant_id","channel_id","type","key_id")
);
--> statement-breakpoint
CREATE TABLE "whatsapp_web_sessions" (
	"tenant_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"state" text DEFAULT 'INITIALIZING' NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"qr" text,
	"qr_expires_at" timestamp with time zone,
	"creds" text,
	"account" jsonb,
	"last_error" text,
	"reconnect_attempts" integer DEFAULT 0 NOT NULL,
	"command" text,
	"command_at" timestamp with time zone,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "whatsapp_web_sessions_tenant_id_channel_id_pk" PRIMARY KEY("tenant_id","channel_id")
);
--> statement-breakpoint
ALTER TABLE "whatsapp_web_keys" ADD CONSTRAINT "whatsapp_web_keys_tenant_id_channel_id_channel_accounts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","channel_id") REFERENCES "public"."channel_accounts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whatsapp_web_sessions" ADD CONSTRAINT "whatsapp_web_sessions_tenant_id_channel_id_channel_accounts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","channel_id") REFERENCES "public"."channel_accounts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;
CREATE TABLE "campaign_recipients" (
	"tenant_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"message_hash" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"skip_reason" text,
	"channel_id" uuid,
	"due_at" timestamp with time zone NOT NULL,
	"message_id" uuid,
	"error_code" text,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"queued_at" timestamp with time zone,
	"replied_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_recipients_tenant_id_campaign_id_contact_id_pk" PRIMARY KEY("tenant_id","campaign_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"template_id" uuid NOT NULL,
	"channel_ids" uuid[] NOT NULL,
	"audience" jsonb NOT NULL,
	"require_validated" boolean DEFAULT false NOT NULL,
	"min_score" smallint DEFAULT 70 NOT NULL,
	"schedule_at" timestamp with time zone,
	"pacing" jsonb NOT NULL,
	"send_window" jsonb,
	"per_number_rate" real,
	"daily_cap" integer,
	"frequency_cap_days" integer,
	"guard_rails" jsonb NOT NULL,
	"paused_reason" text,
	"materialize_cursor" uuid,
	"materialized_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"launched_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "campaigns_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "message_templates" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"media" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"whatsapp_template" jsonb,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_templates_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD CONSTRAINT "campaign_recipients_campaign_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."campaigns"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_recipients" ADD CONSTRAINT "campaign_recipients_contact_fk" FOREIGN KEY ("tenant_id","contact_id") REFERENCES "public"."contacts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_recipients_tenant_campaign_hash_key" ON "campaign_recipients" USING btree ("tenant_id","campaign_id","message_hash");--> statement-breakpoint
CREATE INDEX "campaign_recipients_tenant_due_idx" ON "campaign_recipients" USING btree ("tenant_id","campaign_id","due_at","contact_id") WHERE "campaign_recipients"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "campaign_recipients_tenant_message_idx" ON "campaign_recipients" USING btree ("tenant_id","message_id") WHERE "campaign_recipients"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "campaign_recipients_tenant_contact_idx" ON "campaign_recipients" USING btree ("tenant_id","contact_id","queued_at");--> statement-breakpoint
CREATE INDEX "campaigns_tenant_created_idx" ON "campaigns" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "message_templates_tenant_name_idx" ON "message_templates" USING btree ("tenant_id","name");
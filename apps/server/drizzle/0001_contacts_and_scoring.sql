CREATE TABLE "blob_chunks" (
	"tenant_id" uuid NOT NULL,
	"blob_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "blob_chunks_tenant_id_blob_id_seq_pk" PRIMARY KEY("tenant_id","blob_id","seq")
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint DEFAULT 0 NOT NULL,
	"sha256" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blobs_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "blacklist" (
	"tenant_id" uuid NOT NULL,
	"phone_key" text NOT NULL,
	"phone_e164" text,
	"phone_raw" text NOT NULL,
	"reason" text NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"added_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blacklist_tenant_id_phone_key_pk" PRIMARY KEY("tenant_id","phone_key")
);
--> statement-breakpoint
CREATE TABLE "consent_events" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"text_shown" text,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consent_events_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "consent_states" (
	"tenant_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"event_id" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consent_states_tenant_id_contact_id_channel_pk" PRIMARY KEY("tenant_id","contact_id","channel")
);
--> statement-breakpoint
CREATE TABLE "contact_imports" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"blob_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"file_size" bigint NOT NULL,
	"encoding" text NOT NULL,
	"delimiter" text NOT NULL,
	"columns" text[] NOT NULL,
	"mapping" jsonb,
	"mode" text DEFAULT 'file-only' NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"task_id" uuid,
	"processed_rows" integer DEFAULT 0 NOT NULL,
	"processed_bytes" bigint DEFAULT 0 NOT NULL,
	"inserted" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "contact_imports_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"company" text DEFAULT '' NOT NULL,
	"phone_raw" text DEFAULT '' NOT NULL,
	"phone_e164" text,
	"phone_key" text,
	"phone_valid" boolean DEFAULT false NOT NULL,
	"phone_type" text,
	"phone_country" text,
	"email" text,
	"website" text,
	"address" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"owner_id" uuid,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"search_text" text DEFAULT '' NOT NULL,
	"whatsapp" text DEFAULT 'unknown' NOT NULL,
	"whatsapp_checked_at" timestamp with time zone,
	"imessage" text DEFAULT 'unknown' NOT NULL,
	"imessage_checked_at" timestamp with time zone,
	"blacklisted" boolean DEFAULT false NOT NULL,
	"validation_status" text DEFAULT 'pending' NOT NULL,
	"validated_at" timestamp with time zone,
	"validated_by" uuid,
	"validation_expires_at" timestamp with time zone,
	"validation_reason" text,
	"score_contactability" smallint DEFAULT 0 NOT NULL,
	"score_digital_maturity" smallint DEFAULT 0 NOT NULL,
	"score_potential" smallint DEFAULT 0 NOT NULL,
	"score_details" jsonb,
	"scored_at" timestamp with time zone,
	"import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "field_definitions" (
	"tenant_id" uuid NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"type" text NOT NULL,
	"choices" text[] DEFAULT '{}'::text[] NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "field_definitions_tenant_id_key_pk" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
CREATE TABLE "household_members" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"name" text NOT NULL,
	"relation" text DEFAULT '' NOT NULL,
	"phone" text,
	"confirmed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "household_members_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "import_issues" (
	"tenant_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "import_issues_tenant_id_import_id_row_number_pk" PRIMARY KEY("tenant_id","import_id","row_number")
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"filter" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segments_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "validation_events" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"action" text NOT NULL,
	"reason" text,
	"note" text,
	"user_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "validation_events_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "contact_signals" (
	"tenant_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"replies" integer DEFAULT 0 NOT NULL,
	"last_failure_code" text,
	"last_reply_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contact_signals_tenant_id_contact_id_pk" PRIMARY KEY("tenant_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "scoring_settings" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"threshold" integer DEFAULT 70 NOT NULL,
	"potential_rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "blob_chunks" ADD CONSTRAINT "blob_chunks_tenant_id_blob_id_blobs_tenant_id_id_fk" FOREIGN KEY ("tenant_id","blob_id") REFERENCES "public"."blobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_tenant_id_contact_id_contacts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","contact_id") REFERENCES "public"."contacts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_states" ADD CONSTRAINT "consent_states_tenant_id_contact_id_contacts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","contact_id") REFERENCES "public"."contacts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_members" ADD CONSTRAINT "household_members_tenant_id_contact_id_contacts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","contact_id") REFERENCES "public"."contacts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_issues" ADD CONSTRAINT "import_issues_tenant_id_import_id_contact_imports_tenant_id_id_fk" FOREIGN KEY ("tenant_id","import_id") REFERENCES "public"."contact_imports"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validation_events" ADD CONSTRAINT "validation_events_tenant_id_contact_id_contacts_tenant_id_id_fk" FOREIGN KEY ("tenant_id","contact_id") REFERENCES "public"."contacts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "blobs_tenant_created_idx" ON "blobs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "blacklist_tenant_created_idx" ON "blacklist" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "consent_events_tenant_contact_idx" ON "consent_events" USING btree ("tenant_id","contact_id","recorded_at");--> statement-breakpoint
CREATE INDEX "contact_imports_tenant_created_idx" ON "contact_imports" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_tenant_phone_key_key" ON "contacts" USING btree ("tenant_id","phone_key") WHERE "contacts"."phone_key" is not null;--> statement-breakpoint
CREATE INDEX "contacts_tenant_email_idx" ON "contacts" USING btree ("tenant_id","email");--> statement-breakpoint
CREATE INDEX "contacts_tenant_search_trgm_idx" ON "contacts" USING gin ("tenant_id","search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_tenant_phone_trgm_idx" ON "contacts" USING gin ("tenant_id","phone_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_tenant_tags_idx" ON "contacts" USING gin ("tenant_id","tags");--> statement-breakpoint
CREATE INDEX "contacts_tenant_owner_idx" ON "contacts" USING btree ("tenant_id","owner_id","id");--> statement-breakpoint
CREATE INDEX "contacts_tenant_contactability_idx" ON "contacts" USING btree ("tenant_id","score_contactability" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "contacts_validation_queue_idx" ON "contacts" USING btree ("tenant_id","score_contactability" DESC NULLS LAST,"id") WHERE "contacts"."validation_status" = 'pending';--> statement-breakpoint
CREATE INDEX "household_members_tenant_contact_idx" ON "household_members" USING btree ("tenant_id","contact_id");--> statement-breakpoint
CREATE INDEX "validation_events_tenant_contact_idx" ON "validation_events" USING btree ("tenant_id","contact_id","at");--> statement-breakpoint
CREATE INDEX "validation_events_tenant_user_idx" ON "validation_events" USING btree ("tenant_id","user_id","at");
CREATE TABLE "conversation_reads" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"read_seq" integer DEFAULT 0 NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_reads_tenant_id_user_id_conversation_id_pk" PRIMARY KEY("tenant_id","user_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "inbox_labels" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"color" text DEFAULT 'gray' NOT NULL,
	"keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_labels_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "quick_replies" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"shortcut" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quick_replies_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
DROP INDEX "conversations_tenant_activity_idx";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "inbound_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "answered_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "label_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "messaging_settings" ADD COLUMN "labels_seeded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversation_reads" ADD CONSTRAINT "conversation_reads_conversation_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_labels_tenant_name_key" ON "inbox_labels" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "quick_replies_tenant_shortcut_key" ON "quick_replies" USING btree ("tenant_id",lower("shortcut"));--> statement-breakpoint
CREATE INDEX "conversations_tenant_list_idx" ON "conversations" USING btree ("tenant_id","pinned" desc,coalesce("last_message_at", "created_at") desc,"id" desc);--> statement-breakpoint
CREATE INDEX "conversations_tenant_awaiting_idx" ON "conversations" USING btree ("tenant_id","id") WHERE "conversations"."inbound_seq" > "conversations"."answered_seq";--> statement-breakpoint
CREATE INDEX "conversations_tenant_labels_idx" ON "conversations" USING gin ("tenant_id","label_ids");--> statement-breakpoint
CREATE INDEX "messages_tenant_body_fts_idx" ON "messages" USING gin ("tenant_id",to_tsvector('simple'::regconfig, "body"));--> statement-breakpoint
ALTER TABLE "conversations" DROP COLUMN "unread_count";

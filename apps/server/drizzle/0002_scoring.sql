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

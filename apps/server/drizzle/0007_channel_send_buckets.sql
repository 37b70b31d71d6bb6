CREATE TABLE "channel_send_buckets" (
	"tenant_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"tokens" double precision NOT NULL,
	"refilled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "channel_send_buckets_tenant_id_channel_id_pk" PRIMARY KEY("tenant_id","channel_id")
);

-- Times to the millisecond (decision 0024): one ALTER per table, so each table is rewritten once.
ALTER TABLE "tenants"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "api_keys"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "last_used_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "revoked_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "auth_throttle"
  ALTER COLUMN "window_start" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "blocked_until" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "recovery_codes"
  ALTER COLUMN "used_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "roles"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "sessions"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "last_seen_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "last_seen_at" SET DEFAULT now(),
  ALTER COLUMN "expires_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "revoked_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "users"
  ALTER COLUMN "password_changed_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "password_changed_at" SET DEFAULT now(),
  ALTER COLUMN "totp_enabled_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "last_login_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "audit_events"
  ALTER COLUMN "at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "platform_audit_events"
  ALTER COLUMN "at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "background_tasks"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now(),
  ALTER COLUMN "finished_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "idempotency_keys"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "blobs"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "blacklist"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "consent_events"
  ALTER COLUMN "recorded_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "recorded_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "consent_states"
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "contact_imports"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now(),
  ALTER COLUMN "finished_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "contacts"
  ALTER COLUMN "whatsapp_checked_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "imessage_checked_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "validated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "validation_expires_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "scored_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "field_definitions"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "household_members"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "segments"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "validation_events"
  ALTER COLUMN "at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "contact_signals"
  ALTER COLUMN "last_reply_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "scoring_settings"
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "google_connections"
  ALTER COLUMN "access_expires_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "last_synced_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "channel_accounts"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "channel_send_buckets"
  ALTER COLUMN "refilled_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "channel_send_guards"
  ALTER COLUMN "retry_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "changed_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "changed_at" SET DEFAULT now(),
  ALTER COLUMN "day_started_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "inbound_events"
  ALTER COLUMN "received_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "received_at" SET DEFAULT now(),
  ALTER COLUMN "processed_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "contact_identities"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "conversation_reads"
  ALTER COLUMN "read_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "read_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "conversations"
  ALTER COLUMN "last_message_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "last_inbound_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "inbox_labels"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "messages"
  ALTER COLUMN "lease_until" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "next_attempt_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "sent_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "delivered_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "read_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "failed_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "status_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "messaging_settings"
  ALTER COLUMN "labels_seeded_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "message_pending_statuses"
  ALTER COLUMN "at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "received_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "received_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "quick_replies"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "whatsapp_web_sessions"
  ALTER COLUMN "since" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "since" SET DEFAULT now(),
  ALTER COLUMN "qr_expires_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "command_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "lease_until" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "campaign_recipients"
  ALTER COLUMN "due_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "queued_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "replied_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();
--> statement-breakpoint
ALTER TABLE "campaigns"
  ALTER COLUMN "schedule_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "materialized_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now(),
  ALTER COLUMN "launched_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "completed_at" SET DATA TYPE timestamp (3) with time zone;
--> statement-breakpoint
ALTER TABLE "message_templates"
  ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "created_at" SET DEFAULT now(),
  ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone,
  ALTER COLUMN "updated_at" SET DEFAULT now();

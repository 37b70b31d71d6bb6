import { z } from 'zod';

export const WhatsAppWebSessionState = z.enum(['INITIALIZING', 'QR_REQUIRED', 'READY', 'RECONNECTING', 'DISCONNECTED', 'LOGGED_OUT', 'FAILED']);
export type WhatsAppWebSessionState = z.infer<typeof WhatsAppWebSessionState>;

/**
 * The WhatsApp Web session contract (SPEC §1.4), consumed by the seeds' central hub: these keys in
 * snake_case, exactly. `qr` is a PNG data URL while the session waits for a scan.
 */
export const WhatsAppWebSession = z.object({
  state: WhatsAppWebSessionState,
  connected: z.boolean(),
  can_send_messages: z.literal(false),
  needs_qr: z.boolean(),
  is_recoverable: z.boolean(),
  recommended_action: z.enum(['none', 'wait', 'scan_qr', 'restart', 'relink']),
  qr: z.string().nullable(),
  since: z.string(),
});
export type WhatsAppWebSession = z.infer<typeof WhatsAppWebSession>;

/** Realtime `session.state_changed`: the contract plus the channel it belongs to. */
export type WhatsAppWebSessionEvent = WhatsAppWebSession & { channelId: string };

import { z } from 'zod';

export const ChannelKind = z.enum(['sandbox', 'whatsapp_cloud', 'bluebubbles', 'whatsapp_web']);
export type ChannelKind = z.infer<typeof ChannelKind>;

const Secret = z.string().trim().min(1).max(2000);

/** The highest rate Meta allows a number that is also used in the WhatsApp Business app. */
export const SHARED_NUMBER_MAX_MPS = 20;

const ThroughputFields = {
  /** Messages per second this number may send: 80 by default, up to 1,000; at most (and by default) 20 when shared with the Business app. */
  messagesPerSecond: z.number().int().min(1).max(1000).optional(),
  /** The number is also used in the WhatsApp Business app (coexistence): Meta caps it at 20 messages per second. */
  sharedWithBusinessApp: z.boolean().optional(),
};

/** Per kind: what creating a channel takes. Secrets are accepted here and never returned. */
export const ChannelConfig = {
  sandbox: z.strictObject({
    deliveredAfterMs: z.number().int().min(0).max(600_000).default(1500),
    readAfterMs: z.number().int().min(0).max(600_000).default(4000),
    failRate: z.number().min(0).max(1).default(0),
    failCodes: z.array(z.string().max(20)).max(10).default(['131026']),
    replies: z.array(z.string().max(1000)).max(20).default([]),
    /** Messages per second it accepts (200 when unset): a slow Sandbox shows pacing, pause and holds at a human pace. */
    messagesPerSecond: z.number().int().min(1).max(1000).optional(),
  }),
  whatsapp_cloud: z.strictObject({
    phoneNumberId: z.string().regex(/^\d{5,30}$/, 'digits, as shown in Meta’s WhatsApp Manager'),
    businessAccountId: z.string().regex(/^\d{5,30}$/),
    accessToken: Secret,
    appSecret: Secret,
    verifyToken: z.string().trim().min(8).max(200),
    apiBaseUrl: z.url().optional(),
    ...ThroughputFields,
  }),
  bluebubbles: z.strictObject({
    serverUrl: z.url(),
    password: Secret,
    perLinePerSecond: z.number().min(0.05).max(5).default(1),
    dailyCap: z.number().int().min(1).max(100_000).default(300),
  }),
  whatsapp_web: z.strictObject({}),
} as const;

export const CreateChannelBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sandbox'), name: z.string().trim().min(1).max(80), config: ChannelConfig.sandbox.default({} as never) }),
  z.strictObject({ kind: z.literal('whatsapp_cloud'), name: z.string().trim().min(1).max(80), config: ChannelConfig.whatsapp_cloud }),
  z.strictObject({ kind: z.literal('bluebubbles'), name: z.string().trim().min(1).max(80), config: ChannelConfig.bluebubbles }),
  z.strictObject({ kind: z.literal('whatsapp_web'), name: z.string().trim().min(1).max(80), config: ChannelConfig.whatsapp_web.default({}) }),
]);
export type CreateChannelBody = z.input<typeof CreateChannelBody>;

export const Channel = z.object({
  id: z.string(),
  kind: ChannelKind,
  name: z.string(),
  status: z.enum(['active', 'disabled', 'error']),
  /** Where the provider must send its webhooks (for BlueBubbles it holds the secret: shown at creation only). */
  webhookUrl: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  providerState: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  /**
   * How its sending stands (one channel's page only): its circuit breaker (`open` holds its sends
   * until `retryAt` after repeated provider faults), the day's sends against a line's daily cap,
   * and a WhatsApp number's messaging limit (unique people per 24 h; null per day = none known or unlimited).
   */
  sending: z
    .object({
      breaker: z.enum(['closed', 'open', 'half_open']),
      retryAt: z.string().nullable(),
      lastError: z.string().nullable(),
      sentToday: z.number().int(),
      dailyCap: z.number().int().nullable(),
      messagingLimit: z.object({ tier: z.string().nullable(), perDay: z.number().int().nullable() }),
    })
    .optional(),
});
export type Channel = z.infer<typeof Channel>;

/** Settings that can change after creation, per kind (secrets are replaced by reconnecting). */
export const ChannelSettingsPatch = {
  sandbox: ChannelConfig.sandbox.partial(),
  whatsapp_cloud: z.strictObject({ apiBaseUrl: z.url().optional(), ...ThroughputFields }),
  bluebubbles: z.strictObject({ serverUrl: z.url().optional(), perLinePerSecond: z.number().min(0.05).max(5).optional(), dailyCap: z.number().int().min(1).max(100_000).optional() }),
  whatsapp_web: z.strictObject({}),
} as const;

export const UpdateChannelBody = z.strictObject({
  name: z.string().trim().min(1).max(80).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  /** Checked against the channel's kind (ChannelSettingsPatch) and merged into its settings. */
  settings: z.record(z.string(), z.unknown()).optional(),
});

/** What a connection test learned, or why it failed. */
export const ChannelTestResult = z.object({
  ok: z.boolean(),
  info: z.record(z.string(), z.unknown()).nullable(),
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  testedAt: z.string(),
});

/**
 * The format of a WhatsApp template's HEADER component (Meta's `components[].format`): a text line,
 * a file sent with each message (`IMAGE`, `VIDEO`, `DOCUMENT`), or a location.
 */
export const TemplateHeaderFormat = z.enum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);
export type TemplateHeaderFormat = z.infer<typeof TemplateHeaderFormat>;
/** The header formats that take a file with each message. */
export const MEDIA_HEADER_FORMATS: readonly TemplateHeaderFormat[] = ['IMAGE', 'VIDEO', 'DOCUMENT'];

/** A WhatsApp message template as Meta lists it (synced per channel). */
export const ChannelTemplate = z.object({
  name: z.string(),
  language: z.string(),
  category: z.string(),
  status: z.string(),
  quality: z.string().nullable(),
  providerTemplateId: z.string().nullable(),
  /**
   * Its header's format, null when it has no header; absent when not known (a list synced before
   * LeadMaster read the components, or a template first seen in a status webhook).
   */
  headerFormat: TemplateHeaderFormat.nullable().optional(),
  /** How many parameters its body takes (`{{1}}`, `{{2}}`… or named ones); absent when not known. */
  bodyParameters: z.number().int().min(0).optional(),
  /** How many parameters its TEXT header takes (`{{1}}`: 0 or 1); absent when not known. */
  headerParameters: z.number().int().min(0).optional(),
});
export type ChannelTemplate = z.infer<typeof ChannelTemplate>;
export const ChannelTemplateList = z.object({ items: z.array(ChannelTemplate), nextCursor: z.null(), syncedAt: z.string().nullable() });

export const SandboxInboundBody = z.strictObject({
  /** The simulated sender's number (E.164). */
  from: z.string().trim().regex(/^\+?[1-9]\d{6,14}$/, 'a phone number in international format, e.g. +5491144445555'),
  text: z.string().min(1).max(4096),
});

export const InboundEvent = z.object({
  id: z.string(),
  channelId: z.string(),
  status: z.enum(['pending', 'processed', 'ignored', 'dead']),
  attempts: z.number(),
  error: z.string().nullable(),
  receivedAt: z.string(),
  /** The stored body as text (replacement characters where it was not valid UTF-8), cut at 10 kB. */
  preview: z.string(),
});

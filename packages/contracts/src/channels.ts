import { z } from 'zod';

export const ChannelKind = z.enum(['sandbox', 'whatsapp_cloud', 'bluebubbles', 'whatsapp_web']);
export type ChannelKind = z.infer<typeof ChannelKind>;

const Secret = z.string().trim().min(1).max(2000);

/** Per kind: what creating a channel takes. Secrets are accepted here and never returned. */
export const ChannelConfig = {
  sandbox: z.strictObject({
    deliveredAfterMs: z.number().int().min(0).max(600_000).default(1500),
    readAfterMs: z.number().int().min(0).max(600_000).default(4000),
    failRate: z.number().min(0).max(1).default(0),
    failCodes: z.array(z.string().max(20)).max(10).default(['131026']),
    replies: z.array(z.string().max(1000)).max(20).default([]),
  }),
  whatsapp_cloud: z.strictObject({
    phoneNumberId: z.string().regex(/^\d{5,30}$/, 'digits, as shown in Meta’s WhatsApp Manager'),
    businessAccountId: z.string().regex(/^\d{5,30}$/),
    accessToken: Secret,
    appSecret: Secret,
    verifyToken: z.string().trim().min(8).max(200),
    apiBaseUrl: z.url().optional(),
    /** Messages per second this number may send (80 by default, up to 1,000; 20 when shared with the Business app). */
    throughput: z.number().int().min(1).max(1000).default(80),
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
});
export type Channel = z.infer<typeof Channel>;

export const UpdateChannelBody = z.strictObject({
  name: z.string().trim().min(1).max(80).optional(),
  status: z.enum(['active', 'disabled']).optional(),
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

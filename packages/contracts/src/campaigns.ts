import { z } from 'zod';

/** Why the send gate held a recipient back (SPEC §1.3). */
export const SkipReason = z.enum([
  'no_consent',
  'opted_out',
  'blacklisted',
  'invalid_phone',
  'not_validated',
  'below_threshold',
  'outside_window',
  'frequency_cap',
  /** Not a gate reason: the channel account the recipient was given no longer exists. */
  'channel_unavailable',
]);
export type SkipReason = z.infer<typeof SkipReason>;

export const TemplateMedia = z.object({
  blobId: z.uuid(),
  mimeType: z.string().max(200).nullable().optional(),
  fileName: z.string().max(255).nullable().optional(),
});

export const WhatsAppTemplateMapping = z.object({
  name: z.string().trim().min(1).max(512),
  language: z.string().trim().min(2).max(15),
  /** Body parameters in order; each may use variables (`{{firstName|cliente}}`). */
  parameters: z.array(z.string().max(1024)).max(20).default([]),
  /** The TEXT header's parameter (Meta allows one `{{1}}` there), with variables like the body's (decision 0050). */
  headerParameters: z.array(z.string().max(60)).max(1).default([]),
});

export const TemplateInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  body: z.string().max(4096).default(''),
  media: z.array(TemplateMedia).max(1).default([]),
  whatsappTemplate: WhatsAppTemplateMapping.nullable().default(null),
});
export const TemplatePatch = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  body: z.string().max(4096).optional(),
  media: z.array(TemplateMedia).max(1).optional(),
  whatsappTemplate: WhatsAppTemplateMapping.nullable().optional(),
});

export const Template = z.object({
  id: z.string(),
  name: z.string(),
  body: z.string(),
  media: z.array(z.object({ blobId: z.string(), mimeType: z.string().nullable(), fileName: z.string().nullable() })),
  whatsappTemplate: z.object({ name: z.string(), language: z.string(), parameters: z.array(z.string()), headerParameters: z.array(z.string()).optional() }).nullable(),
  /** Variables the body and the WhatsApp parameters use. */
  variables: z.array(z.string()),
  /** Length as a person counts it (grapheme clusters) and in UTF-16 code units (what SMS limits count). */
  length: z.object({ graphemes: z.number().int(), codeUnits: z.number().int() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Template = z.infer<typeof Template>;

export const TemplatePreviewBody = z.strictObject({ contactId: z.uuid() });
export const TemplatePreview = z.object({
  body: z.string(),
  whatsappTemplate: z.object({ name: z.string(), language: z.string(), parameters: z.array(z.string()), headerParameters: z.array(z.string()).optional() }).nullable(),
  /** Variables with no value and no fallback for this contact (rendered empty). */
  missing: z.array(z.string()),
  length: z.object({ graphemes: z.number().int(), codeUnits: z.number().int() }),
});

export const CampaignStatus = z.enum(['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled']);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const CampaignAudience = z.union([
  z.strictObject({ segmentId: z.uuid() }),
  z.strictObject({ contactIds: z.array(z.uuid()).min(1).max(10_000) }),
  z.strictObject({ all: z.literal(true) }),
]);

export const Pacing = z.discriminatedUnion('mode', [
  /** The same pause between two sends of one channel account. */
  z.strictObject({ mode: z.literal('fixed'), delaySeconds: z.number().min(0).max(86_400) }),
  /** A pause drawn between min and max seconds. */
  z.strictObject({ mode: z.literal('random'), minSeconds: z.number().min(0).max(86_400), maxSeconds: z.number().min(0).max(86_400) }),
  /** All recipients spread evenly over this many hours. */
  z.strictObject({ mode: z.literal('spread'), overHours: z.number().min(0.01).max(24 * 30) }),
]);
export type Pacing = z.infer<typeof Pacing>;

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
export const SendWindow = z.strictObject({
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5]),
  start: HourMinute.default('09:00'),
  end: HourMinute.default('20:00'),
});
export type SendWindow = z.infer<typeof SendWindow>;

export const GuardRails = z.strictObject({
  /** The first sends the rates are measured over. */
  firstN: z.number().int().min(1).max(100_000).default(200),
  maxFailureRate: z.number().min(0).max(1).default(0.2),
  maxOptOutRate: z.number().min(0).max(1).default(0.05),
});

const campaignFields = {
  name: z.string().trim().min(1).max(200),
  templateId: z.uuid(),
  channelIds: z.array(z.uuid()).min(1).max(50),
  audience: CampaignAudience,
  requireValidated: z.boolean().default(false),
  minScore: z.number().int().min(0).max(100).default(70),
  schedule: z.strictObject({ at: z.iso.datetime({ offset: true }).nullable().default(null) }).default({ at: null }),
  pacing: Pacing.default({ mode: 'fixed', delaySeconds: 0 }),
  sendWindow: SendWindow.nullable().default(null),
  /** Messages per second per channel account (the channel's own throughput when absent). */
  perNumberRate: z.number().min(0.001).max(1000).nullable().default(null),
  /** Messages per channel account per day. */
  dailyCap: z.number().int().min(1).max(1_000_000).nullable().default(null),
  /** No contact gets this campaign when another campaign messaged them within this many days. */
  frequencyCapDays: z.number().int().min(1).max(365).nullable().default(null),
  guardRails: GuardRails.default({ firstN: 200, maxFailureRate: 0.2, maxOptOutRate: 0.05 }),
};
export const CampaignInput = z.strictObject(campaignFields);
export const CampaignPatch = z.strictObject({
  name: campaignFields.name.optional(),
  templateId: campaignFields.templateId.optional(),
  channelIds: campaignFields.channelIds.optional(),
  audience: CampaignAudience.optional(),
  requireValidated: z.boolean().optional(),
  minScore: z.number().int().min(0).max(100).optional(),
  schedule: z.strictObject({ at: z.iso.datetime({ offset: true }).nullable() }).optional(),
  pacing: Pacing.optional(),
  sendWindow: SendWindow.nullable().optional(),
  perNumberRate: z.number().min(0.001).max(1000).nullable().optional(),
  dailyCap: z.number().int().min(1).max(1_000_000).nullable().optional(),
  frequencyCapDays: z.number().int().min(1).max(365).nullable().optional(),
  guardRails: GuardRails.optional(),
});

export const CampaignStats = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  /** Handed to the outbound path, not yet acknowledged by the provider. */
  queued: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  replied: z.number().int(),
  failed: z.number().int(),
  /** Sends whose outcome is unknown (never resent blindly). */
  ambiguous: z.number().int(),
  skipped: z.number().int(),
  skippedByReason: z.record(z.string(), z.number().int()),
  /** When the last recipient still waiting is due (pacing, daily caps, messaging limits); null when nobody waits. */
  eta: z.string().nullable().optional(),
});
export type CampaignStats = z.infer<typeof CampaignStats>;

export const TemplateMediaProblem = z.enum(['template_header_needs_media', 'template_header_takes_no_media', 'template_header_media_type']);
export type TemplateMediaProblem = z.infer<typeof TemplateMediaProblem>;

/**
 * Where Meta stands on the campaign's WhatsApp template on one of its Cloud API numbers: `APPROVED`,
 * `PAUSED`, `DISABLED`, `REJECTED`, `PENDING`…, `MISSING` (the number's synced list lacks it), or
 * null (not known: the list was never synced). Anything but APPROVED or null refuses a launch or resume.
 */
export const TemplateOnChannel = z.object({
  channelId: z.string(),
  channelName: z.string().nullable(),
  name: z.string(),
  language: z.string(),
  status: z.string().nullable(),
  /** The Meta template's header format on that number (null: no header; absent: not known). */
  headerFormat: z.string().nullable().optional(),
  /**
   * Why the campaign template's media does not fit that header (a launch is refused):
   * `template_header_needs_media` (an IMAGE/VIDEO/DOCUMENT header, no file), `template_header_takes_no_media`
   * (a file, a header without one), `template_header_media_type` (say a PDF for an IMAGE header). Null when they fit or the format is not known.
   */
  mediaProblem: TemplateMediaProblem.nullable().optional(),
  /**
   * Why the campaign template's WhatsApp parameters do not fit that template (a launch is refused):
   * `template_header_parameters` (its TEXT header takes a `{{1}}` the mapping does not fill, or the
   * reverse), `template_body_parameters` (another count of body parameters). Null when they fit or the counts are not known.
   */
  parameterProblem: z.enum(['template_header_parameters', 'template_body_parameters']).nullable().optional(),
  /** How many parameters the Meta template's header and body take there, when known. */
  headerParameters: z.number().int().optional(),
  bodyParameters: z.number().int().optional(),
});
export type TemplateOnChannel = z.infer<typeof TemplateOnChannel>;

export const Campaign = z.object({
  id: z.string(),
  name: z.string(),
  status: CampaignStatus,
  templateId: z.string(),
  channelIds: z.array(z.string()),
  audience: z.record(z.string(), z.unknown()),
  requireValidated: z.boolean(),
  minScore: z.number().int(),
  schedule: z.object({ at: z.string().nullable() }),
  pacing: z.record(z.string(), z.unknown()),
  sendWindow: z.object({ days: z.array(z.number()), start: z.string(), end: z.string() }).nullable(),
  perNumberRate: z.number().nullable(),
  dailyCap: z.number().nullable(),
  frequencyCapDays: z.number().nullable(),
  guardRails: z.object({ firstN: z.number(), maxFailureRate: z.number(), maxOptOutRate: z.number() }),
  pausedReason: z.string().nullable(),
  stats: CampaignStats,
  /** The circuit breaker of each channel account: `open` holds the campaign's sends on it until `retryAt` (nothing is lost). */
  channelHealth: z
    .array(z.object({ channelId: z.string(), breaker: z.enum(['closed', 'open', 'half_open']), retryAt: z.string().nullable(), lastError: z.string().nullable() }))
    .optional(),
  /** The WhatsApp template's status on each Cloud API number (empty without a mapping or such a number, and once the campaign is over). */
  templateHealth: z.array(TemplateOnChannel).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  launchedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});
export type Campaign = z.infer<typeof Campaign>;

export const CampaignPlan = z.object({
  eligible: z.number().int(),
  skipped: z.number().int(),
  skippedByReason: z.record(z.string(), z.number().int()),
  /** When the last eligible recipient would be sent, from the pacing, rates, caps (ISO time). */
  eta: z.string().nullable(),
  /** Eligible recipients per channel account per day, from the pacing and the daily cap. */
  days: z.array(z.object({ date: z.string(), count: z.number().int() })),
  /** The cap each number follows per day: the campaign's own, or a lower WhatsApp messaging limit. */
  dailyCap: z.number().int().nullable().optional(),
  /** Each number's WhatsApp messaging limit (unique recipients per 24 h; null per day = none known or unlimited). */
  limits: z.array(z.object({ channelId: z.string(), tier: z.string().nullable(), perDay: z.number().int().nullable() })).optional(),
  /** The WhatsApp template on each Cloud API number, as for the campaign: a status other than APPROVED or null, or a `mediaProblem`, will refuse the launch. */
  templateHealth: z.array(TemplateOnChannel).optional(),
});

export const RecipientStatus = z.enum(['pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'ambiguous', 'skipped']);
export const Recipient = z.object({
  contactId: z.string(),
  /** The contact's name (or company, or number) for the report; empty if the contact was deleted. */
  contactName: z.string(),
  phone: z.string().nullable(),
  status: RecipientStatus,
  skipReason: z.string().nullable(),
  messageId: z.string().nullable(),
  channelId: z.string().nullable(),
  errorCode: z.string().nullable(),
  dueAt: z.string().nullable(),
  queuedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export const RecipientListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
  status: RecipientStatus.optional(),
});

/**
 * A campaign's outcomes over time, from its ledger: per bucket, how many recipients reached each
 * outcome in it (a recipient that was read counts as sent, delivered and read, each at its own time),
 * so the buckets of each series add up to the campaign's funnel counts.
 */
export const TimelineBucket = z.enum(['minute', 'hour', 'day']);
export const CampaignTimelineQuery = z.object({ bucket: TimelineBucket.default('minute') });
export const CampaignTimelinePoint = z.object({
  at: z.string(),
  queued: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  replied: z.number().int(),
  failed: z.number().int(),
});
export const CampaignTimeline = z.object({ bucket: TimelineBucket, points: z.array(CampaignTimelinePoint) });

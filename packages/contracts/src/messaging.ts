import { z } from 'zod';

/** `note`: an internal note of the team (direction `note`), never sent to a channel. */
export const MessageStatus = z.enum(['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'ambiguous', 'received', 'note']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const MessageMedia = z.object({
  blobId: z.string().nullable(),
  mimeType: z.string().nullable(),
  fileName: z.string().nullable(),
  caption: z.string().nullable(),
  voice: z.boolean(),
  /** What was said in an audio attachment, once transcribed; null until then. */
  transcript: z.string().nullable(),
  /** Where the browser can fetch it once LeadMaster holds a copy. */
  url: z.string().nullable(),
});

export const Message = z.object({
  id: z.string(),
  conversationId: z.string(),
  contactId: z.string(),
  channelId: z.string(),
  direction: z.enum(['inbound', 'outbound', 'note']),
  service: z.string().nullable(),
  type: z.string(),
  body: z.string(),
  media: z.array(MessageMedia),
  template: z.object({ name: z.string(), language: z.string(), parameters: z.array(z.string()) }).nullable(),
  status: MessageStatus,
  error: z.object({ code: z.string(), message: z.string().nullable() }).nullable(),
  source: z.string(),
  replyToId: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  readAt: z.string().nullable(),
});
export type Message = z.infer<typeof Message>;

export const ConversationStatus = z.enum(['active', 'archived', 'closed']);

export const ConversationContact = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  company: z.string(),
  phoneE164: z.string().nullable(),
  email: z.string().nullable(),
  blacklisted: z.boolean(),
});

export const Conversation = z.object({
  id: z.string(),
  contact: ConversationContact,
  channelId: z.string(),
  channelKind: z.string(),
  status: ConversationStatus,
  assigneeId: z.string().nullable(),
  pinned: z.boolean(),
  /** For the user who asked: inbound messages since they read it or the team answered. */
  unreadCount: z.number().int(),
  /** The counters unread is made of (decision 0013), so a client can recompute it from events. */
  inboundSeq: z.number().int(),
  answeredSeq: z.number().int(),
  /** The asking user's read marker; null in events sent to the whole tenant. */
  readSeq: z.number().int().nullable(),
  labelIds: z.array(z.string()),
  lastMessageAt: z.string().nullable(),
  lastMessagePreview: z.string().nullable(),
  lastMessageDirection: z.enum(['inbound', 'outbound', 'note']).nullable(),
  lastInboundAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ConversationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  status: ConversationStatus.optional(),
  channelId: z.uuid().optional(),
  contactId: z.uuid().optional(),
  /** `me`, `unassigned` or a user id. */
  assignee: z.union([z.literal('me'), z.literal('unassigned'), z.uuid()]).optional(),
  labelId: z.uuid().optional(),
  /** Contact name, a phone number in any format, or words of the messages. */
  search: z.string().trim().max(200).optional(),
});

export const UpdateConversationBody = z
  .strictObject({
    status: ConversationStatus.optional(),
    pinned: z.boolean().optional(),
    assigneeId: z.uuid().nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

export const MessageListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const TemplateSend = z.strictObject({
  name: z.string().min(1).max(512),
  language: z.string().min(2).max(15),
  parameters: z.array(z.string().max(1024)).max(20).default([]),
  /** The TEXT header's parameter, when its header has a `{{1}}`. */
  headerParameters: z.array(z.string().max(60)).max(1).default([]),
});

/**
 * A reply: free text, a file (uploaded with POST /files; the text is its caption), or (outside
 * WhatsApp's 24-hour window) an approved template. A template whose header is an IMAGE, VIDEO or
 * DOCUMENT takes its file in `media` (the server refuses a file for any other template, and a
 * template of that kind without one). `fromChannelId` answers a WhatsApp Web (listen-only)
 * conversation from a Cloud API number of the tenant.
 */
export const SendMessageBody = z
  .strictObject({
    body: z.string().max(4096).optional(),
    media: z.array(z.strictObject({ blobId: z.uuid() })).max(1).optional(),
    template: TemplateSend.optional(),
    replyToId: z.uuid().optional(),
    fromChannelId: z.uuid().optional(),
  })
  .refine((b) => Boolean(b.template) || Boolean(b.media?.length) || (b.body ?? '').trim().length > 0, { message: 'a message needs text, a file or a template', path: ['body'] });

/** Start a conversation: a contact and the channel account to write from. */
export const StartConversationBody = z.strictObject({
  contactId: z.uuid(),
  channelId: z.uuid(),
});

export const OptOutKeywords = z.object({
  keywords: z.array(z.string().trim().min(1).max(80)).max(200),
  /** True while the tenant uses the built-in list. */
  isDefault: z.boolean(),
});
export const UpdateOptOutKeywordsBody = z.strictObject({
  /** null restores the built-in list. */
  keywords: z.array(z.string().trim().min(1).max(80)).max(200).nullable(),
});

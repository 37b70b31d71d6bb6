import { z } from 'zod';
import { TemplateHeaderFormat } from './channels';

/** Inbox extras above conversations and messages: unread totals, labels, notes, quick replies, composer rules. */

export const UnreadTotal = z.object({
  /** Unread inbound messages over every conversation, for the asking user. */
  messages: z.number().int(),
  /** Conversations with something unread. */
  conversations: z.number().int(),
});

/** `unread.updated`, sent to one user. */
export const UnreadUpdatedEvent = z.object({ conversationId: z.string(), unreadCount: z.number().int(), readSeq: z.number().int(), total: UnreadTotal });

export const MarkReadBody = z.strictObject({
  /** The inbound sequence number the user saw; a message that arrived since stays unread. */
  upToSeq: z.number().int().min(0).optional(),
});

export const LABEL_COLORS = ['gray', 'blue', 'green', 'amber', 'red', 'violet', 'pink', 'teal'] as const;
export const InboxLabel = z.object({
  id: z.string(),
  name: z.string(),
  color: z.enum(LABEL_COLORS),
  /** Words or phrases in an inbound message that suggest this label. */
  keywords: z.array(z.string()),
});
export type InboxLabel = z.infer<typeof InboxLabel>;
export const InboxLabelList = z.object({ items: z.array(InboxLabel), nextCursor: z.null() });
export const CreateInboxLabelBody = z.strictObject({
  name: z.string().trim().min(1).max(60),
  color: z.enum(LABEL_COLORS).default('gray'),
  keywords: z.array(z.string().trim().min(1).max(80)).max(50).default([]),
});
export const UpdateInboxLabelBody = z
  .strictObject({
    name: z.string().trim().min(1).max(60).optional(),
    color: z.enum(LABEL_COLORS).optional(),
    keywords: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export const SetConversationLabelsBody = z.strictObject({ labelIds: z.array(z.uuid()).max(20) });
export const SuggestedLabels = z.object({ items: z.array(z.object({ label: InboxLabel, matched: z.string() })) });

export const NoteBody = z.strictObject({ body: z.string().max(4096).refine((b) => b.trim().length > 0, 'a note needs text') });
export const OptOutBody = z.strictObject({ reason: z.string().trim().max(500).optional() });

export const QuickReply = z.object({ id: z.string(), shortcut: z.string(), body: z.string() });
export type QuickReply = z.infer<typeof QuickReply>;
export const QuickReplyList = z.object({ items: z.array(QuickReply), nextCursor: z.null() });
export const CreateQuickReplyBody = z.strictObject({
  shortcut: z.string().trim().min(1).max(40).regex(/^[\p{L}\p{N}_-]+$/u, 'letters, digits, - and _'),
  body: z.string().trim().min(1).max(4096),
});
export const UpdateQuickReplyBody = z
  .strictObject({ shortcut: CreateQuickReplyBody.shape.shortcut.optional(), body: CreateQuickReplyBody.shape.body.optional() })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

/**
 * Fills `{{variable}}` and `{{variable|fallback}}` in a quick reply: unknown or empty variables take
 * the fallback (or nothing). Shared so the composer shows exactly what will be sent.
 */
export function fillVariables(text: string, values: Record<string, string | null | undefined>): string {
  return text.replace(/\{\{\s*([\w.]+)\s*(?:\|([^}]*))?\}\}/g, (_, name: string, fallback: string | undefined) => {
    const value = values[name];
    return value && value.trim() ? value : (fallback ?? '').trim();
  });
}

/**
 * What the composer may send in a conversation right now:
 * `text` — free text (inside WhatsApp's window, or a channel without one);
 * `template` — WhatsApp outside the 24-hour window: only an approved template;
 * `listen_only` — a WhatsApp Web conversation: answer from a Cloud API number (`answerFrom`);
 * `cannot_send` — a removed channel, or nothing to answer from.
 */
/** A template the composer offers: with what its header takes (a file for IMAGE, VIDEO, DOCUMENT) and its body's parameter count, where known. */
export const ComposerTemplate = z.object({
  name: z.string(),
  language: z.string(),
  category: z.string(),
  headerFormat: TemplateHeaderFormat.nullable().optional(),
  bodyParameters: z.number().int().optional(),
  headerParameters: z.number().int().optional(),
});
export type ComposerTemplate = z.infer<typeof ComposerTemplate>;

export const ComposerRules = z.object({
  mode: z.enum(['text', 'template', 'listen_only', 'cannot_send']),
  windowClosesAt: z.string().nullable(),
  /** Whether a file can be attached in `text` mode (the channel's adapter sends media). */
  canSendMedia: z.boolean(),
  templates: z.array(ComposerTemplate),
  answerFrom: z.array(z.object({ channelId: z.string(), name: z.string(), mode: z.enum(['text', 'template']), windowClosesAt: z.string().nullable(), canSendMedia: z.boolean(), templates: z.array(ComposerTemplate) })),
});
export type ComposerRules = z.infer<typeof ComposerRules>;

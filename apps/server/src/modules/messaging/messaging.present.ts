import type { Conversation, Message } from '@leadmaster/contracts';
import type { conversations, messages } from './messaging.tables';

type MessageRow = typeof messages.$inferSelect;
type ConversationRow = typeof conversations.$inferSelect;
export type ConversationContactRow = { id: string; firstName: string; lastName: string; company: string; phoneE164: string | null; email: string | null; blacklisted: boolean };

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversationId,
    contactId: row.contactId,
    channelId: row.channelId,
    direction: row.direction,
    service: row.service,
    type: row.type,
    body: row.body,
    media: row.media.map((m) => ({ blobId: m.blobId, mimeType: m.mimeType, fileName: m.fileName, caption: m.caption, voice: m.voice, transcript: m.transcript ?? null, url: m.blobId ? `/api/v1/messages/${row.id}/media/${m.blobId}` : null })),
    template: row.template ?? null,
    status: row.status,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage } : null,
    source: row.source,
    replyToId: row.replyToId,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    readAt: iso(row.readAt),
  };
}

/** Unread for a user: inbound messages after both their read marker and the team's last answer. */
export const unreadOf = (row: { inboundSeq: number; answeredSeq: number }, readSeq: number | null) => Math.max(0, row.inboundSeq - Math.max(row.answeredSeq, readSeq ?? 0));

/** `readSeq` undefined: presented for the whole tenant (an event), not for one user. */
export function presentConversation(row: ConversationRow, contact: ConversationContactRow, channelKind: string, readSeq?: number | null): Conversation {
  return {
    id: row.id,
    contact,
    channelId: row.channelId,
    channelKind,
    status: row.status,
    assigneeId: row.assigneeId,
    pinned: row.pinned,
    unreadCount: unreadOf(row, readSeq ?? null),
    inboundSeq: row.inboundSeq,
    answeredSeq: row.answeredSeq,
    readSeq: readSeq === undefined ? null : (readSeq ?? 0),
    labelIds: row.labelIds,
    lastMessageAt: iso(row.lastMessageAt),
    lastMessagePreview: row.lastMessagePreview,
    lastMessageDirection: row.lastMessageDirection ?? null,
    lastInboundAt: iso(row.lastInboundAt),
    createdAt: row.createdAt.toISOString(),
  };
}

/** What a conversation list shows of a message. */
export function previewOf(m: { body: string; type: string; media: { fileName: string | null }[] }): string {
  if (m.body.trim()) return m.body.slice(0, 160);
  if (m.media[0]) return `[${m.type}${m.media[0].fileName ? `: ${m.media[0].fileName}` : ''}]`;
  return `[${m.type}]`;
}

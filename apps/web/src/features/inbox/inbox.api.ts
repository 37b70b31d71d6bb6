import type {
  ComposerRules,
  Conversation,
  InboxLabel,
  Message,
  QuickReply,
  SuggestedLabels as SuggestedLabelsSchema,
  UnreadTotal as UnreadTotalSchema,
} from '@leadmaster/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, query, type Page } from '../../lib/api';
import { realtime } from '../../lib/realtime';

type Output<S> = S extends { _output: infer O } ? O : never;
export type { ComposerRules, Conversation, InboxLabel, Message, QuickReply };
export type UnreadTotal = Output<typeof UnreadTotalSchema>;
export type SuggestedLabels = Output<typeof SuggestedLabelsSchema>;
export type ListFilters = { assignee: 'all' | 'me' | 'unassigned'; status: 'active' | 'archived' | 'closed' | 'any'; channelId: string; labelId: string; search: string };

export const INBOX_KEY = ['inbox'] as const;
const LIST_KEY = ['inbox', 'list'] as const;
export const UNREAD_KEY = ['inbox', 'unread'] as const;
export const conversationKey = (id: string) => ['inbox', 'conversation', id] as const;
export const messagesKey = (id: string) => ['inbox', 'messages', id] as const;
const typingKey = (channelId: string) => ['inbox', 'typing', channelId] as const;
const PAGE_SIZE = 40;

export function useConversationPages(filters: ListFilters) {
  return useInfiniteQuery({
    queryKey: [...LIST_KEY, filters],
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Conversation>>(
        `/api/v1/conversations${query({
          limit: PAGE_SIZE,
          cursor: pageParam,
          assignee: filters.assignee === 'all' ? undefined : filters.assignee,
          status: filters.status === 'any' ? undefined : filters.status,
          channelId: filters.channelId || undefined,
          labelId: filters.labelId || undefined,
          search: filters.search.trim() || undefined,
        })}`,
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export const useConversation = (id: string) => useQuery({ queryKey: conversationKey(id), queryFn: ({ signal }) => api.get<Conversation>(`/api/v1/conversations/${id}`, signal), enabled: Boolean(id) });

/** The thread, newest page first (pages go back in time). */
export function useMessages(id: string) {
  return useInfiniteQuery({
    queryKey: messagesKey(id),
    queryFn: ({ pageParam, signal }) => api.get<Page<Message>>(`/api/v1/conversations/${id}/messages${query({ limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Keyed by when the contact last wrote: the 24-hour window moves with it. */
export const useComposerRules = (id: string, lastInboundAt: string | null) => useQuery({ queryKey: ['inbox', 'composer', id, lastInboundAt], queryFn: ({ signal }) => api.get<ComposerRules>(`/api/v1/conversations/${id}/composer`, signal) });
export const useLabels = () => useQuery({ queryKey: ['inbox', 'labels'], queryFn: ({ signal }) => api.get<Page<InboxLabel>>('/api/v1/inbox/labels', signal), staleTime: 60_000 });
export const useSuggestedLabels = (id: string) => useQuery({ queryKey: ['inbox', 'suggested', id], queryFn: ({ signal }) => api.get<SuggestedLabels>(`/api/v1/conversations/${id}/suggested-labels`, signal) });
export const useQuickReplies = () => useQuery({ queryKey: ['inbox', 'quick-replies'], queryFn: ({ signal }) => api.get<Page<QuickReply>>('/api/v1/inbox/quick-replies', signal), staleTime: 60_000 });
export const useUnreadTotal = (enabled = true) => useQuery({ queryKey: UNREAD_KEY, queryFn: ({ signal }) => api.get<UnreadTotal>('/api/v1/inbox/unread', signal), enabled });
export const useTyping = (channelId: string) => useQuery<{ from: string; until: number } | null>({ queryKey: typingKey(channelId), queryFn: () => null, staleTime: Infinity, enabled: false });

/** Unread for this user, from the tenant-wide counters and the user's own read marker (decision 0013). */
const unreadOf = (c: Pick<Conversation, 'inboundSeq' | 'answeredSeq'>, readSeq: number | null) => Math.max(0, c.inboundSeq - Math.max(c.answeredSeq, readSeq ?? 0));

/** Puts a conversation (from an event or a mutation) everywhere it is cached, keeping this user's read marker. */
export function storeConversation(client: QueryClient, incoming: Conversation) {
  const merge = (old: Conversation | undefined): Conversation => {
    const readSeq = incoming.readSeq ?? old?.readSeq ?? null;
    return { ...incoming, readSeq, unreadCount: unreadOf(incoming, readSeq) };
  };
  client.setQueryData<Conversation>(conversationKey(incoming.id), (old) => merge(old));
  let found = false;
  client.setQueriesData<InfiniteData<Page<Conversation>>>({ queryKey: LIST_KEY }, (data) => {
    if (!data) return data;
    return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((c) => (c.id === incoming.id ? ((found = true), merge(c)) : c)) })) };
  });
  return found;
}

/** How far a message has moved on; a copy that has moved further is newer, whatever arrived last. */
const STATUS_RANK: Partial<Record<Message['status'], number>> = { queued: 0, sending: 1, sent: 2, ambiguous: 2, delivered: 3, read: 4, failed: 5 };
const rank = (m: Message) => STATUS_RANK[m.status] ?? 0;

/**
 * The copy to keep when a message arrives again. The answer to a send can come after the socket
 * already said "sent" (the worker is quicker than the HTTP response): that older copy keeps its
 * body but not its status.
 */
function newest(current: Message, incoming: Message): Message {
  if (rank(current) <= rank(incoming)) return incoming;
  const { status, error, sentAt, deliveredAt, readAt, service } = current;
  return { ...incoming, status, error, sentAt, deliveredAt, readAt, service };
}

function storeMessage(client: QueryClient, message: Message) {
  client.setQueryData<InfiniteData<Page<Message>>>(messagesKey(message.conversationId), (data) => {
    if (!data) return data;
    if (data.pages.some((p) => p.items.some((m) => m.id === message.id))) {
      return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((m) => (m.id === message.id ? newest(m, message) : m)) })) };
    }
    const [first, ...rest] = data.pages;
    return { ...data, pages: [{ ...first!, items: [message, ...first!.items] }, ...rest] };
  });
}

type StatusEvent = Pick<Message, 'id' | 'conversationId' | 'status' | 'error' | 'deliveredAt' | 'readAt'>;

/**
 * Feeds realtime events into the cache while the app runs: new messages and status changes into
 * the thread, conversation changes into the list, the user's unread counters, typing; and after a
 * reconnect refetches everything inbox-related so nothing missed while away is lost.
 */
export function useInboxRealtime() {
  const client = useQueryClient();
  useEffect(() => {
    let connectedOnce = false;
    const offs = [
      realtime.subscribe('message.created', (data) => {
        const message = data as Message;
        if (message?.id) storeMessage(client, message);
      }),
      // A message changed after it was announced (its media downloaded, a voice note transcribed).
      // Only where it is shown already: an older message is not a new one at the top.
      realtime.subscribe('message.updated', (data) => {
        const message = data as Message;
        if (!message?.id) return;
        client.setQueryData<InfiniteData<Page<Message>>>(messagesKey(message.conversationId), (d) =>
          d ? { ...d, pages: d.pages.map((p) => ({ ...p, items: p.items.map((m) => (m.id === message.id ? newest(m, message) : m)) })) } : d,
        );
      }),
      realtime.subscribe('message.status_updated', (data) => {
        const update = data as StatusEvent;
        if (!update?.id) return;
        client.setQueryData<InfiniteData<Page<Message>>>(messagesKey(update.conversationId), (d) =>
          d ? { ...d, pages: d.pages.map((p) => ({ ...p, items: p.items.map((m) => (m.id === update.id ? { ...m, ...update } : m)) })) } : d,
        );
      }),
      realtime.subscribe('conversation.updated', (data) => {
        const conversation = data as Conversation;
        if (!conversation?.id) return;
        const before = client.getQueryData<Conversation>(conversationKey(conversation.id));
        const listed = storeConversation(client, conversation);
        // A new conversation, or one that moved: the list order changes, so ask again.
        if (!listed || before?.lastMessageAt !== conversation.lastMessageAt || before?.pinned !== conversation.pinned) void client.invalidateQueries({ queryKey: LIST_KEY });
        if (before?.inboundSeq !== conversation.inboundSeq || before?.answeredSeq !== conversation.answeredSeq) void client.invalidateQueries({ queryKey: UNREAD_KEY });
      }),
      realtime.subscribe('unread.updated', (data) => {
        const event = data as { conversationId: string; readSeq: number; total: UnreadTotal };
        if (!event?.conversationId) return;
        client.setQueryData(UNREAD_KEY, event.total);
        const current = client.getQueryData<Conversation>(conversationKey(event.conversationId));
        if (current) storeConversation(client, { ...current, readSeq: event.readSeq });
      }),
      realtime.subscribe('typing', (data) => {
        const typing = data as { channelId: string; from: string; on: boolean };
        if (!typing?.channelId) return;
        client.setQueryData(typingKey(typing.channelId), typing.on ? { from: typing.from, until: Date.now() + 8000 } : null);
      }),
      realtime.subscribe('ready', () => {
        // The first "ready" is the initial connection; later ones follow a gap: catch up.
        if (connectedOnce) void client.invalidateQueries({ queryKey: INBOX_KEY });
        connectedOnce = true;
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);
}

export function useInboxMutations(conversationId: string) {
  const client = useQueryClient();
  const onConversation = (c: Conversation) => {
    storeConversation(client, c);
  };
  return {
    read: useMutation({ mutationFn: (upToSeq?: number) => api.post<Conversation>(`/api/v1/conversations/${conversationId}/read`, upToSeq === undefined ? {} : { upToSeq }), onSuccess: onConversation }),
    update: useMutation({ mutationFn: (changes: { status?: Conversation['status']; pinned?: boolean; assigneeId?: string | null }) => api.patch<Conversation>(`/api/v1/conversations/${conversationId}`, changes), onSuccess: (c) => { onConversation(c); void client.invalidateQueries({ queryKey: LIST_KEY }); } }),
    take: useMutation({ mutationFn: () => api.post<Conversation>(`/api/v1/conversations/${conversationId}/take`, {}), onSuccess: onConversation }),
    labels: useMutation({ mutationFn: (labelIds: string[]) => api.put<Conversation>(`/api/v1/conversations/${conversationId}/labels`, { labelIds }), onSuccess: (c) => { onConversation(c); void client.invalidateQueries({ queryKey: ['inbox', 'suggested', conversationId] }); } }),
    optOut: useMutation({ mutationFn: (reason: string) => api.post<Conversation>(`/api/v1/conversations/${conversationId}/opt-out`, reason ? { reason } : {}), onSuccess: (c) => { onConversation(c); void client.invalidateQueries({ queryKey: ['contacts'] }); } }),
    send: useMutation({
      mutationFn: (body: { body?: string; media?: { blobId: string }[]; template?: { name: string; language: string; parameters: string[]; headerParameters?: string[] }; replyToId?: string; fromChannelId?: string }) =>
        api.post<Message>(`/api/v1/conversations/${conversationId}/messages`, body),
      onSuccess: (m) => storeMessage(client, m),
    }),
    note: useMutation({ mutationFn: (body: string) => api.post<Message>(`/api/v1/conversations/${conversationId}/notes`, { body }), onSuccess: (m) => storeMessage(client, m) }),
  };
}

import { clsx } from 'clsx';
import { ArrowLeft, Ban, Check, PanelRight, Pin, PinOff, Sparkles, Tag, UserCheck } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Menu, MenuContent, MenuItem, MenuLabel, MenuSeparator, MenuTrigger } from '../../ui/Menu';
import { Select } from '../../ui/Select';
import { Spinner } from '../../ui/Spinner';
import { useCan, useSession } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { useUserName } from '../contacts/ContactPage';
import { Composer } from './Composer';
import { contactName, CHANNEL_DOT } from './ConversationList';
import { MessageBubble } from './MessageBubble';
import { useConversation, useInboxMutations, useLabels, useMessages, useSuggestedLabels, useTyping, type Conversation } from './inbox.api';

const LABEL_COLOURS: Record<string, string> = {
  gray: 'bg-zinc-500/15 text-zinc-700 dark:text-zinc-300',
  blue: 'bg-[#0A84FF]/15 text-[#0A6CD6] dark:text-[#5AB0FF]',
  green: 'bg-emerald-500/15 text-emerald-700 dark:text-emerald-300',
  amber: 'bg-amber-500/15 text-amber-800 dark:text-amber-300',
  red: 'bg-red-500/15 text-red-700 dark:text-red-300',
  violet: 'bg-violet-500/15 text-violet-700 dark:text-violet-300',
  pink: 'bg-pink-500/15 text-pink-700 dark:text-pink-300',
  teal: 'bg-teal-500/15 text-teal-700 dark:text-teal-300',
};

export function LabelChip({ name, color }: { name: string; color: string }) {
  return <span className={clsx('inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium', LABEL_COLOURS[color] ?? LABEL_COLOURS.gray)}>{name}</span>;
}

function Controls({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const me = useSession();
  const can = useCan();
  const m = useInboxMutations(conversation.id);
  const labels = useLabels();
  const suggested = useSuggestedLabels(conversation.id);
  const users = useAllUsers(can('inbox.assign') && can('users.read'));
  const [optOut, setOptOut] = useState(false);
  const userName = useUserName();
  const toggleLabel = (id: string) => m.labels.mutate(conversation.labelIds.includes(id) ? conversation.labelIds.filter((x) => x !== id) : [...conversation.labelIds, id]);
  const canReply = can('inbox.reply');
  const error = m.update.error ?? m.take.error ?? m.labels.error ?? m.optOut.error;
  return (
    <div className="space-y-2 border-b border-border px-3 py-2">
      {error ? <ErrorAlert error={error} /> : null}
      <div className="flex flex-wrap items-center gap-1.5">
        {canReply ? (
          <Select
            aria-label={t('inboxUi.filters.status')}
            value={conversation.status}
            onValueChange={(status) => m.update.mutate({ status: status as Conversation['status'] })}
            options={(['active', 'archived', 'closed'] as const).map((s) => ({ value: s, label: t(`inboxUi.status.${s}`) }))}
            className="h-8 w-auto text-xs"
          />
        ) : (
          <Badge>{t(`inboxUi.status.${conversation.status}`)}</Badge>
        )}
        {can('inbox.assign') && users.data ? (
          <Select
            aria-label={t('inboxUi.assignee')}
            value={conversation.assigneeId ?? 'none'}
            onValueChange={(v) => m.update.mutate({ assigneeId: v === 'none' ? null : v })}
            options={[{ value: 'none', label: t('inboxUi.unassigned') }, ...users.data.map((u) => ({ value: u.id, label: u.name }))]}
            className="h-8 w-auto max-w-44 text-xs"
          />
        ) : (
          <span className="text-xs text-muted" data-testid="assignee">
            {conversation.assigneeId ? t('inboxUi.assignedTo', { name: userName(conversation.assigneeId) ?? t('inboxUi.someone') }) : t('inboxUi.unassigned')}
          </span>
        )}
        {canReply && conversation.assigneeId !== me.user.id ? (
          <Button size="sm" variant="secondary" onClick={() => m.take.mutate()} loading={m.take.isPending} icon={<UserCheck className="size-4" aria-hidden />}>
            {t('inboxUi.take')}
          </Button>
        ) : null}
        {canReply ? (
          <Button size="sm" variant="ghost" onClick={() => m.update.mutate({ pinned: !conversation.pinned })} icon={conversation.pinned ? <PinOff className="size-4" aria-hidden /> : <Pin className="size-4" aria-hidden />}>
            {conversation.pinned ? t('inboxUi.unpin') : t('inboxUi.pin')}
          </Button>
        ) : null}
        {canReply ? (
          <Menu>
            <MenuTrigger asChild>
              <Button size="sm" variant="ghost" icon={<Tag className="size-4" aria-hidden />}>
                {t('inboxUi.labels')}
              </Button>
            </MenuTrigger>
            <MenuContent align="end">
              <MenuLabel>{t('inboxUi.labels')}</MenuLabel>
              {(labels.data?.items ?? []).map((l) => (
                <MenuItem key={l.id} onSelect={() => toggleLabel(l.id)} icon={conversation.labelIds.includes(l.id) ? <Check className="size-4" aria-hidden /> : <span className="size-4" />}>
                  {l.name}
                </MenuItem>
              ))}
              <MenuSeparator />
              <MenuItem tone="danger" onSelect={() => setOptOut(true)} icon={<Ban className="size-4" aria-hidden />}>
                {t('inboxUi.optOut')}
              </MenuItem>
            </MenuContent>
          </Menu>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-1.5">
        {conversation.labelIds.map((id) => {
          const l = labels.data?.items.find((x) => x.id === id);
          return l ? <LabelChip key={id} name={l.name} color={l.color} /> : null;
        })}
        {canReply
          ? (suggested.data?.items ?? []).map((s) => (
              <button key={s.label.id} type="button" onClick={() => toggleLabel(s.label.id)} className="focus-ring inline-flex items-center gap-1 rounded-full border border-dashed border-border-strong px-2 py-0.5 text-[11px] text-muted hover:bg-hover" title={t('inboxUi.suggestedBecause', { text: s.matched })}>
                <Sparkles className="size-3" aria-hidden />
                {t('inboxUi.suggest', { name: s.label.name })}
              </button>
            ))
          : null}
      </div>
      <ConfirmDialog
        open={optOut}
        onOpenChange={setOptOut}
        title={t('inboxUi.optOutTitle')}
        description={t('inboxUi.optOutBody')}
        confirmLabel={t('inboxUi.optOut')}
        tone="danger"
        onConfirm={async () => {
          await m.optOut.mutateAsync('');
          setOptOut(false);
        }}
      />
    </div>
  );
}

export function Thread(props: { conversationId: string; onBack: () => void; onTogglePanel: () => void }) {
  const { t } = useTranslation();
  const conversation = useConversation(props.conversationId);
  const thread = useMessages(props.conversationId);
  const { read } = useInboxMutations(props.conversationId);
  const userName = useUserName();
  const c = conversation.data;
  const typing = useTyping(c?.channelId ?? '');
  const messages = useMemo(() => (thread.data?.pages.flatMap((p) => p.items) ?? []).slice().reverse(), [thread.data]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  const bottom = useRef<HTMLDivElement>(null);

  // Reading the thread moves this user's read marker up to what the screen shows.
  const unread = c?.unreadCount ?? 0;
  const seq = c?.inboundSeq;
  const { mutate: markRead } = read;
  useEffect(() => {
    if (unread > 0 && seq !== undefined && document.visibilityState === 'visible') markRead(seq);
  }, [unread, seq, markRead]);
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  if (conversation.isError) return <ErrorAlert error={conversation.error} onRetry={() => void conversation.refetch()} className="m-4" />;
  if (!c) return <div className="flex flex-1 items-center justify-center"><Spinner label={t('inboxUi.loading')} /></div>;
  const name = contactName(c.contact);
  const isTyping = typing.data && typing.data.until > Date.now();

  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="thread">
      <header className="flex items-center gap-2 border-b border-border px-3 py-2">
        <Button variant="ghost" size="icon" className="lg:hidden" onClick={props.onBack} aria-label={t('inboxUi.back')}>
          <ArrowLeft className="size-5" aria-hidden />
        </Button>
        <span className={clsx('size-2.5 shrink-0 rounded-full', CHANNEL_DOT[c.channelKind] ?? 'bg-subtle')} aria-hidden />
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-sm font-semibold" data-testid="thread-title">{name}</h2>
          <p className="truncate text-xs text-muted">
            {c.contact.phoneE164 ?? c.contact.email ?? ''} · {t(`inboxUi.kind.${c.channelKind}`, { defaultValue: c.channelKind })}
            {c.contact.blacklisted ? ` · ${t('inboxUi.blocked')}` : ''}
          </p>
        </div>
        <Button variant="ghost" size="icon" onClick={props.onTogglePanel} aria-label={t('inboxUi.contactPanel')}>
          <PanelRight className="size-5" aria-hidden />
        </Button>
      </header>
      <Controls conversation={c} />
      <div className="min-h-0 flex-1 overflow-y-auto bg-bg px-3 py-3" data-testid="thread-messages">
        {thread.hasNextPage ? (
          <div className="mb-3 flex justify-center">
            <Button size="sm" variant="ghost" loading={thread.isFetchingNextPage} onClick={() => void thread.fetchNextPage()}>
              {t('inboxUi.olderMessages')}
            </Button>
          </div>
        ) : null}
        {thread.isPending ? <Spinner label={t('inboxUi.loading')} /> : null}
        <ul className="space-y-2">
          {messages.map((m) => (
            <MessageBubble key={m.id} message={m} replied={m.replyToId ? (byId.get(m.replyToId) ?? null) : null} authorName={userName} />
          ))}
        </ul>
        {isTyping ? <p className="mt-2 text-xs text-muted italic" role="status">{t('inboxUi.typing', { name })}</p> : null}
        <div ref={bottom} />
      </div>
      {c.contact.blacklisted ? <p className="border-t border-border bg-danger/5 px-3 py-1.5 text-xs text-danger">{t('inboxUi.blockedNotice')}</p> : null}
      <Composer conversation={c} />
    </div>
  );
}

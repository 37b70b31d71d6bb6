import type { ChannelKind } from '@leadmaster/contracts';
import { useVirtualizer } from '@tanstack/react-virtual';
import { clsx } from 'clsx';
import { Inbox, Pin, Search } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Avatar } from '../../ui/Avatar';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { Spinner } from '../../ui/Spinner';
import { useChannels } from '../channels/channels.api';
import { useConversationPages, useLabels, type Conversation, type ListFilters } from './inbox.api';

/** iMessage blue, SMS/RCS and WhatsApp green, the Sandbox violet. */
export const CHANNEL_DOT: Record<string, string> = {
  whatsapp_cloud: 'bg-[#25D366]',
  whatsapp_web: 'bg-[#25D366]',
  bluebubbles: 'bg-[#0A84FF]',
  sandbox: 'bg-violet-500',
  removed: 'bg-subtle',
};

export const contactName = (c: Conversation['contact']) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.phoneE164 || c.email || '—';

/** Short relative time for a list row: "5 min", "2 h", then the date. */
function useShortTime() {
  const { locale } = useFormat();
  return (iso: string | null) => {
    if (!iso) return '';
    const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    const unit = (value: number, u: 'minute' | 'hour' | 'day') => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
    if (seconds < 60) return locale.startsWith('es') ? 'ahora' : 'now';
    if (seconds < 3600) return unit(Math.floor(seconds / 60), 'minute');
    if (seconds < 86400) return unit(Math.floor(seconds / 3600), 'hour');
    if (seconds < 7 * 86400) return unit(Math.floor(seconds / 86400), 'day');
    return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(new Date(iso));
  };
}

export function ConversationList(props: { filters: ListFilters; onFilters: (f: ListFilters) => void; selectedId: string | null; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  const { filters, onFilters } = props;
  const pages = useConversationPages(filters);
  const channels = useChannels();
  const labels = useLabels();
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => 72, overscan: 8 });
  const rows = virtual.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  useEffect(() => {
    // Keyset pages load as the end comes into view.
    if (hasNextPage && !isFetchingNextPage && lastIndex >= items.length - 5) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, items.length]);
  const time = useShortTime();

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="space-y-2 border-b border-border p-3">
        <label className="relative block">
          <span className="sr-only">{t('inboxUi.search')}</span>
          <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-subtle" aria-hidden />
          <Input type="search" value={filters.search} onChange={(e) => onFilters({ ...filters, search: e.target.value })} placeholder={t('inboxUi.searchPlaceholder')} className="pl-8" data-testid="inbox-search" />
        </label>
        <div className="flex gap-1" role="tablist" aria-label={t('inboxUi.filters.assignee')}>
          {(['all', 'me', 'unassigned'] as const).map((a) => (
            <button
              key={a}
              role="tab"
              aria-selected={filters.assignee === a}
              onClick={() => onFilters({ ...filters, assignee: a })}
              className={clsx('focus-ring flex-1 rounded-md px-2 py-1 text-xs font-medium', filters.assignee === a ? 'bg-primary-soft text-link' : 'text-muted hover:bg-hover')}
            >
              {t(`inboxUi.filters.${a}`)}
            </button>
          ))}
        </div>
        <div className="grid grid-cols-3 gap-1.5">
          <Select
            aria-label={t('inboxUi.filters.status')}
            value={filters.status}
            onValueChange={(status) => onFilters({ ...filters, status: status as ListFilters['status'] })}
            options={(['active', 'archived', 'closed', 'any'] as const).map((s) => ({ value: s, label: t(`inboxUi.status.${s}`) }))}
            className="h-8 text-xs"
          />
          <Select
            aria-label={t('inboxUi.filters.channel')}
            value={filters.channelId || 'any'}
            onValueChange={(v) => onFilters({ ...filters, channelId: v === 'any' ? '' : v })}
            options={[{ value: 'any', label: t('inboxUi.filters.anyChannel') }, ...(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))]}
            className="h-8 text-xs"
          />
          <Select
            aria-label={t('inboxUi.filters.label')}
            value={filters.labelId || 'any'}
            onValueChange={(v) => onFilters({ ...filters, labelId: v === 'any' ? '' : v })}
            options={[{ value: 'any', label: t('inboxUi.filters.anyLabel') }, ...(labels.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))]}
            className="h-8 text-xs"
          />
        </div>
      </div>
      {pages.isError ? <ErrorAlert error={pages.error} onRetry={() => void pages.refetch()} className="m-3" /> : null}
      {pages.isPending ? (
        <div className="flex justify-center p-6">
          <Spinner label={t('inboxUi.loading')} />
        </div>
      ) : items.length === 0 ? (
        <EmptyState icon={Inbox} title={filters.search ? t('inboxUi.emptySearch') : t('inboxUi.empty')} body={filters.search ? undefined : t('inboxUi.emptyBody')} className="m-3" />
      ) : (
        <div ref={scroller} className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list">
          <ul aria-label={t('inboxUi.listLabel')} className="relative" style={{ height: virtual.getTotalSize() }}>
            {rows.map((row) => {
              const c = items[row.index]!;
              const name = contactName(c.contact);
              const unread = c.unreadCount > 0;
              return (
                <li key={c.id} data-index={row.index} ref={virtual.measureElement} className="absolute inset-x-0" style={{ transform: `translateY(${row.start}px)` }}>
                  <button
                    onClick={() => props.onSelect(c.id)}
                    aria-current={props.selectedId === c.id ? 'true' : undefined}
                    data-testid="conversation-row"
                    data-unread={c.unreadCount}
                    className={clsx('focus-ring flex w-full items-center gap-3 border-b border-border px-3 py-2.5 text-left', props.selectedId === c.id ? 'bg-hover' : 'hover:bg-hover/60')}
                  >
                    <span className="relative">
                      <Avatar name={/\p{L}/u.test(name) ? name : name.replace(/\D/g, '').slice(-2)} className="size-10" />
                      <span className={clsx('absolute -right-0.5 -bottom-0.5 size-3 rounded-full ring-2 ring-surface', CHANNEL_DOT[c.channelKind as ChannelKind] ?? 'bg-subtle')} title={t(`inboxUi.kind.${c.channelKind}`, { defaultValue: c.channelKind })} aria-hidden />
                    </span>
                    <span className="min-w-0 flex-1">
                      <span className="flex items-baseline gap-2">
                        <span className={clsx('truncate text-sm', unread ? 'font-semibold' : 'font-medium')}>{name}</span>
                        {c.pinned ? <Pin className="size-3 shrink-0 text-subtle" aria-label={t('inboxUi.pinned')} /> : null}
                        <span className="ml-auto shrink-0 text-[11px] text-subtle">{time(c.lastMessageAt ?? c.createdAt)}</span>
                      </span>
                      <span className="mt-0.5 flex items-center gap-2">
                        <span className={clsx('truncate text-xs', unread ? 'text-fg' : 'text-muted')}>
                          {c.lastMessageDirection === 'outbound' ? `${t('inboxUi.you')}: ` : ''}
                          {c.lastMessagePreview ?? t('inboxUi.noMessages')}
                        </span>
                        {unread ? (
                          <span className="ml-auto flex shrink-0 items-center gap-1" data-testid="unread-dot">
                            <span className="size-2.5 rounded-full bg-[#0A84FF]" aria-hidden />
                            <span className="sr-only">{t('inboxUi.unread', { count: c.unreadCount })}</span>
                            <span aria-hidden className="text-[11px] font-semibold text-[#0A6CD6] dark:text-[#5AB0FF]">{c.unreadCount}</span>
                          </span>
                        ) : null}
                      </span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
          {isFetchingNextPage ? (
            <div className="flex justify-center p-3">
              <Spinner label={t('inboxUi.loadingMore')} />
            </div>
          ) : null}
        </div>
      )}
    </div>
  );
}

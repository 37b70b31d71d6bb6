import { clsx } from 'clsx';
import { MessagesSquare, X } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Button } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { ContactPanel } from './ContactPanel';
import { ConversationList } from './ConversationList';
import { Thread } from './Thread';
import { useConversation, type ListFilters } from './inbox.api';

const DEFAULT_FILTERS: ListFilters = { assignee: 'all', status: 'active', channelId: '', labelId: '', search: '' };

/**
 * The inbox: the conversation list, the open thread and the contact beside it. On a phone one
 * column shows at a time (the list, or the thread with a way back).
 */
export function InboxPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const selected = params.get('c');
  const [filters, setFilters] = useState(DEFAULT_FILTERS);
  // The contact panel sits beside the thread on wide screens; elsewhere it opens over it on demand.
  const [panel, setPanel] = useState(() => window.matchMedia('(min-width: 1536px)').matches);
  const select = (id: string | null) => setParams(id ? { c: id } : {}, { replace: false });
  const conversation = useConversation(selected ?? '');

  return (
    <div className="flex h-[calc(100dvh-3.5rem)] min-h-0 lg:h-dvh">
      <h1 className="sr-only">{t('inboxUi.title')}</h1>
      <section aria-label={t('inboxUi.listLabel')} className={clsx('w-full shrink-0 border-r border-border bg-surface md:w-80 2xl:w-96', selected ? 'hidden md:block' : 'block')}>
        <ConversationList filters={filters} onFilters={setFilters} selectedId={selected} onSelect={select} />
      </section>
      <section aria-label={t('inboxUi.threadLabel')} className={clsx('min-w-0 flex-1', selected ? 'flex flex-col' : 'hidden md:flex md:flex-col')}>
        {selected ? (
          <Thread key={selected} conversationId={selected} onBack={() => select(null)} onTogglePanel={() => setPanel((v) => !v)} />
        ) : (
          <div className="flex flex-1 items-center justify-center p-6">
            <EmptyState icon={MessagesSquare} title={t('inboxUi.pickTitle')} body={t('inboxUi.pickBody')} />
          </div>
        )}
      </section>
      {selected && panel && conversation.data ? (
        <aside aria-label={t('inboxUi.contactPanel')} className="fixed inset-y-0 right-0 z-40 w-80 max-w-[90vw] overflow-y-auto border-l border-border bg-surface shadow-xl 2xl:static 2xl:z-auto 2xl:shadow-none">
          <div className="flex justify-end p-1 2xl:hidden">
            <Button variant="ghost" size="icon" onClick={() => setPanel(false)} aria-label={t('common.close')}>
              <X className="size-5" aria-hidden />
            </Button>
          </div>
          <ContactPanel contactId={conversation.data.contact.id} conversationId={conversation.data.id} />
        </aside>
      ) : null}
    </div>
  );
}

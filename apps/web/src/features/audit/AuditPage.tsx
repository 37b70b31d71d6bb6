import { ScrollText, SearchX } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Button } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { ListStates, LoadMore } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { useCan } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { useAuditEvents, type AuditFilters } from './audit.api';
import { AuditFiltersBar } from './AuditFiltersBar';
import { AuditTable } from './AuditTable';

const FILTER_KEYS = ['actorId', 'action', 'from', 'to'] as const;

/** The tenant's audit trail; filters live in the address so a filtered view can be shared or reloaded. */
export function AuditPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filters: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  const events = useAuditEvents(filters);
  const users = useAllUsers(useCan()('users.read'));
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.keys(filters).length > 0;

  return (
    <Page wide>
      <PageHeader title={t('audit.title')} description={t('audit.subtitle')} />
      <AuditFiltersBar filters={filters} users={users.data} onChange={(next) => setParams(next as Record<string, string>, { replace: true })} />
      <ListStates
        query={events}
        items={items}
        empty={
          filtered ? (
            <EmptyState icon={SearchX} title={t('audit.noResultsTitle')} body={t('audit.noResultsBody')} action={<Button variant="secondary" onClick={() => setParams({}, { replace: true })}>{t('audit.clear')}</Button>} />
          ) : (
            <EmptyState icon={ScrollText} title={t('audit.emptyTitle')} body={t('audit.emptyBody')} />
          )
        }
      >
        {(rows) => <AuditTable events={rows} userName={(id) => users.data?.find((u) => u.id === id)?.name} />}
      </ListStates>
      <LoadMore query={events} />
    </Page>
  );
}

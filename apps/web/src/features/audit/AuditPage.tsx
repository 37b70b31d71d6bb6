import { ScrollText, SearchX } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { LoadingBlock } from '../../ui/Spinner';
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
      {events.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {events.isError ? <ErrorAlert error={events.error} onRetry={() => void events.refetch()} /> : null}
      {events.isSuccess && items.length === 0 ? (
        <Card>
          {filtered ? (
            <EmptyState icon={SearchX} title={t('audit.noResultsTitle')} body={t('audit.noResultsBody')} action={<Button variant="secondary" onClick={() => setParams({}, { replace: true })}>{t('audit.clear')}</Button>} />
          ) : (
            <EmptyState icon={ScrollText} title={t('audit.emptyTitle')} body={t('audit.emptyBody')} />
          )}
        </Card>
      ) : null}
      {items.length > 0 ? <AuditTable events={items} userName={(id) => users.data?.find((u) => u.id === id)?.name} /> : null}
      {events.hasNextPage ? (
        <div className="mt-4 flex justify-center">
          <Button variant="secondary" loading={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
            {t('common.loadMore')}
          </Button>
        </div>
      ) : null}
    </Page>
  );
}

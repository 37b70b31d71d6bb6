import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './Button';
import { Card } from './Card';
import { ErrorAlert } from './ErrorAlert';
import { LoadingBlock } from './Spinner';

/** What a list screen reads of its query (TanStack's useQuery or useInfiniteQuery). */
type ListQuery = { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };

/**
 * The states of a list screen, the same on every screen: loading, failed (with a retry), empty (an
 * EmptyState saying what to do next, on a card) and the rows. A refetch that fails keeps the rows it
 * had below the error, so a flaky connection does not blank the screen.
 */
export function ListStates<T>(props: { query: ListQuery; items: T[] | undefined; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  const { t } = useTranslation();
  const { query, items } = props;
  const count = items?.length ?? 0;
  return (
    <>
      {query.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {query.isError ? <ErrorAlert error={query.error} onRetry={() => void query.refetch()} {...(count ? { className: 'mb-4' } : {})} /> : null}
      {!query.isPending && !query.isError && count === 0 ? <Card>{props.empty}</Card> : null}
      {items && count > 0 ? props.children(items) : null}
    </>
  );
}

/** The next page of a keyset-paginated list, on demand; nothing once the last page is in. */
export function LoadMore({ query, size, className }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }; size?: 'sm' | 'md'; className?: string }) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return null;
  return (
    <div className={className ?? 'mt-4 flex justify-center'}>
      <Button variant="secondary" size={size ?? 'md'} loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
        {t('common.loadMore')}
      </Button>
    </div>
  );
}

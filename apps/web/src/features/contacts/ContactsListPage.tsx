import { BookUser, Download, FileUp, ListFilter, Plus, Search, SearchX, X } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { Input } from '../../ui/Input';
import { ListStates } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { BulkBar, BulkTasks } from './BulkActions';
import { listQueryString, useContactFields, useContactPages, useScoringSettings, useSegments, type ContactFilter, type ContactSort, type Segment } from './contacts.api';
import { ContactsTable, type Selection } from './ContactsTable';
import { FilterDialog } from './FilterDialog';
import { countConditions, useListParams } from './list-params';
import { NewContactDialog } from './NewContactDialog';
import { SegmentsMenu } from './SegmentsMenu';

const SEARCH_DEBOUNCE_MS = 300;
const SORTS: ContactSort[] = ['recent', 'name', 'contactability', 'potential'];
const NO_SELECTION: Selection = { mode: 'ids', ids: new Set() };

export function ContactsListPage() {
  const { t } = useTranslation();
  const can = useCan();
  const toast = useToast();
  const navigate = useNavigate();
  const [params, setParams] = useListParams();
  const [searchText, setSearchText] = useState(params.search);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const pages = useContactPages(params);
  const scoring = useScoringSettings();
  const fields = useContactFields();
  const segments = useSegments();
  const users = useAllUsers(can('users.read'));

  // The search box answers as one types, without a request per key.
  useEffect(() => {
    if (searchText.trim() === params.search.trim()) return;
    const timer = setTimeout(() => setParams({ search: searchText.trim() }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [searchText]);
  // A different list means a different selection.
  const listKey = JSON.stringify(params);
  useEffect(() => setSelection(NO_SELECTION), [listKey]);

  const contacts = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const activeSegment: Segment | null = segments.data?.find((s) => s.id === params.segment) ?? null;
  const conditions = countConditions(params.filter);
  const narrowed = conditions > 0 || params.search !== '' || params.segment !== null;
  // What "all matching" means for a bulk action: the segment's filter under the one on screen, as the server merges them.
  const effectiveFilter: ContactFilter = { ...(activeSegment?.filter ?? {}), ...params.filter, ...(params.search ? { search: params.search } : {}) };
  const currentFilter: ContactFilter = { ...params.filter, ...(params.search ? { search: params.search } : {}) };
  const threshold = scoring.data?.threshold ?? 70;

  const clearAll = () => {
    setSearchText('');
    setParams({ search: '', filter: {}, segment: null });
  };

  return (
    <Page full>
      <PageHeader
        title={t('contacts.title')}
        description={t('contacts.subtitle')}
        actions={
          <>
            {/* Nothing to export in a workspace without contacts. */}
            {can('contacts.export') && !(pages.isSuccess && contacts.length === 0 && !narrowed) ? (
              <Button asChild variant="secondary">
                <a href={`/api/v1/contacts/export${listQueryString(params)}`} download>
                  <Download className="size-4" aria-hidden />
                  {t('contacts.export')}
                </a>
              </Button>
            ) : null}
            {can('contacts.import') ? (
              <Button asChild variant="secondary">
                <Link to="/contacts/import">
                  <FileUp className="size-4" aria-hidden />
                  {t('contacts.import')}
                </Link>
              </Button>
            ) : null}
            {can('contacts.write') ? (
              <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)}>
                {t('contacts.new')}
              </Button>
            ) : null}
          </>
        }
      />

      <BulkTasks />

      <div className="mb-3 flex flex-wrap items-center gap-2">
        <div className="relative min-w-0 flex-[1_1_16rem]">
          <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-subtle" aria-hidden />
          <Input
            type="search"
            aria-label={t('contacts.search')}
            placeholder={t('contacts.searchPlaceholder')}
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            className="pl-9"
          />
        </div>
        <div className="w-48 shrink-0 max-sm:flex-1">
          <Select
            aria-label={t('contacts.sort.label')}
            value={params.sort}
            onValueChange={(sort) => setParams({ sort: sort as ContactSort })}
            options={SORTS.map((s) => ({ value: s, label: t(`contacts.sort.${s}`) }))}
          />
        </div>
        <Button variant="secondary" icon={<ListFilter className="size-4" aria-hidden />} onClick={() => setFiltersOpen(true)}>
          {t('contacts.filters.button')}
          {conditions ? <Badge tone="primary" className="ml-0.5 px-1.5">{conditions}</Badge> : null}
        </Button>
        <SegmentsMenu
          segments={segments.data ?? []}
          active={activeSegment}
          currentFilter={currentFilter}
          onPick={(segment) => {
            setSearchText('');
            setParams({ segment: segment?.id ?? null, filter: {}, search: '' });
          }}
        />
      </div>
      {narrowed ? (
        <div className="mb-3 flex flex-wrap items-center gap-2 text-[13px] text-muted">
          {activeSegment ? <Badge tone="primary">{t('segments.active', { name: activeSegment.name })}</Badge> : null}
          {conditions ? <span>{t('contacts.filters.active', { count: conditions })}</span> : null}
          <Button variant="ghost" size="sm" icon={<X className="size-3.5" aria-hidden />} onClick={clearAll}>
            {t('contacts.filters.clearAll')}
          </Button>
        </div>
      ) : null}

      <BulkBar selection={selection} loadedCount={contacts.length} allLoaded={!pages.hasNextPage} filter={effectiveFilter} onSelectionChange={setSelection} />

      <ListStates
        query={pages}
        items={contacts}
        empty={
          narrowed ? (
            <EmptyState
              icon={SearchX}
              title={t('contacts.noMatchTitle')}
              body={t('contacts.noMatchBody')}
              action={
                <Button variant="secondary" onClick={clearAll}>
                  {t('contacts.filters.clearAll')}
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={BookUser}
              title={t('contacts.emptyTitle')}
              body={t('contacts.emptyBody')}
              action={
                <>
                  {can('contacts.import') ? (
                    <Button asChild>
                      <Link to="/contacts/import">
                        <FileUp className="size-4" aria-hidden />
                        {t('contacts.importCsv')}
                      </Link>
                    </Button>
                  ) : null}
                  {can('contacts.write') ? (
                    <Button variant="secondary" icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)}>
                      {t('contacts.new')}
                    </Button>
                  ) : null}
                </>
              }
            />
          )
        }
      >
        {(rows) => (
          <div className={pages.isPlaceholderData ? 'opacity-60 transition-opacity' : undefined} aria-busy={pages.isPlaceholderData || undefined}>
            <ContactsTable
              contacts={rows}
              threshold={threshold}
              selection={selection}
              onSelectionChange={setSelection}
              hasNextPage={pages.hasNextPage}
              isFetchingNextPage={pages.isFetchingNextPage}
              fetchNextPage={() => void pages.fetchNextPage()}
            />
            <p className="mt-2 text-xs text-subtle" aria-live="polite">
              {pages.hasNextPage ? t('contacts.loadedSome', { count: rows.length }) : t('contacts.loadedAll', { count: rows.length })}
            </p>
          </div>
        )}
      </ListStates>

      <FilterDialog
        open={filtersOpen}
        onOpenChange={setFiltersOpen}
        filter={params.filter}
        onApply={(filter) => setParams({ filter })}
        users={users.data}
        fields={fields.data ?? []}
      />
      {can('contacts.write') ? (
        <NewContactDialog
          open={creating}
          onOpenChange={setCreating}
          onCreated={(contact) => {
            toast.success(t('contacts.createdToast'));
            void navigate(`/contacts/${contact.id}`);
          }}
        />
      ) : null}
    </Page>
  );
}

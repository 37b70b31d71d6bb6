import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { BareCheckbox } from '../../ui/Checkbox';
import { Spinner } from '../../ui/Spinner';
import { BlockedBadge, ConsentChips, contactabilityTone, PhoneText, ScoreBar, ValidationBadge } from './ContactBits';
import { displayName, type Contact } from './contacts.api';

const ROW_HEIGHT = 64;
/** Start loading the next page this many rows before the end. */
const PREFETCH_ROWS = 40;

export type Selection = { mode: 'ids'; ids: ReadonlySet<string> } | { mode: 'all' };

/**
 * The contacts list: a real table whose rows are virtualised against the window scroll (the document
 * scrolls, see decision 0006), so 100,000 loaded rows cost the same as 30. Columns have fixed widths so
 * they do not jump as rows come and go; the narrow ones fold into the name cell on small screens.
 */
export function ContactsTable(props: {
  contacts: Contact[];
  threshold: number;
  selection: Selection;
  onSelectionChange: (selection: Selection) => void;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
}) {
  const { t } = useTranslation();
  const { contacts, selection } = props;
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    const top = bodyRef.current ? bodyRef.current.getBoundingClientRect().top + window.scrollY : 0;
    if (Math.abs(top - margin) > 1) setMargin(top);
  });
  const virtualizer = useWindowVirtualizer({ count: contacts.length, estimateSize: () => ROW_HEIGHT, overscan: 10, scrollMargin: margin });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = props;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= contacts.length - PREFETCH_ROWS) fetchNextPage();
  }, [lastIndex, contacts.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const isSelected = (id: string) => selection.mode === 'all' || selection.ids.has(id);
  const selectedCount = selection.mode === 'all' ? contacts.length : contacts.filter((c) => selection.ids.has(c.id)).length;
  const toggle = (id: string, on: boolean) => {
    const ids = new Set(selection.mode === 'all' ? contacts.map((c) => c.id) : selection.ids);
    if (on) ids.add(id);
    else ids.delete(id);
    props.onSelectionChange({ mode: 'ids', ids });
  };
  const paddingTop = rows.length ? rows[0]!.start - margin : 0;
  const paddingBottom = rows.length ? virtualizer.getTotalSize() - (rows.at(-1)!.end - margin) : 0;

  return (
    <div className="relative overflow-x-auto rounded-lg border border-border bg-surface">
      <table className="w-full table-fixed border-collapse text-left text-sm" aria-label={t('contacts.title')} aria-rowcount={contacts.length + 1}>
        <colgroup>
          <col className="w-11" />
          <col />
          <col className="hidden w-44 sm:table-column" />
          <col className="hidden w-56 2xl:table-column" />
          <col className="hidden w-40 xl:table-column" />
          <col className="w-28 sm:w-32" />
          <col className="hidden w-32 xl:table-column" />
          <col className="hidden w-32 md:table-column" />
        </colgroup>
        <thead className="border-b border-border bg-surface-2/60 text-xs font-medium tracking-wide text-muted uppercase">
          <tr aria-rowindex={1}>
            <th scope="col" className="py-2.5 pl-4">
              <BareCheckbox
                label={t('contacts.selectLoaded')}
                checked={contacts.length > 0 && selectedCount === contacts.length ? true : selectedCount > 0 ? 'indeterminate' : false}
                onCheckedChange={(on) => props.onSelectionChange({ mode: 'ids', ids: new Set(on ? contacts.map((c) => c.id) : []) })}
              />
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">{t('contacts.fields.name')}</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium sm:table-cell">{t('contacts.fields.phone')}</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium 2xl:table-cell">{t('contacts.fields.email')}</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium xl:table-cell">{t('contacts.fields.tags')}</th>
            <th scope="col" className="px-3 py-2.5 font-medium">{t('contacts.scoresColumn')}</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium xl:table-cell">{t('contacts.fields.consent')}</th>
            <th scope="col" className="hidden px-3 py-2.5 font-medium md:table-cell">{t('contacts.fields.status')}</th>
          </tr>
        </thead>
        <tbody ref={bodyRef} className="divide-y divide-border">
          {paddingTop > 0 ? (
            <tr aria-hidden>
              <td colSpan={8} style={{ height: paddingTop, padding: 0 }} />
            </tr>
          ) : null}
          {rows.map((row) => {
            const contact = contacts[row.index]!;
            const name = displayName(contact);
            const selected = isSelected(contact.id);
            return (
              <tr key={contact.id} aria-rowindex={row.index + 2} data-selected={selected || undefined} className="align-middle hover:bg-hover/50 data-selected:bg-primary-soft/40" style={{ height: ROW_HEIGHT }} data-testid="contact-row">
                <td className="py-2 pl-4">
                  <BareCheckbox label={t('contacts.selectOne', { name })} checked={selected} onCheckedChange={(on) => toggle(contact.id, on)} />
                </td>
                <td className="min-w-0 py-2 pr-2 pl-3 sm:px-3">
                  <div className="flex min-w-0 items-center gap-1.5">
                    <Link to={`/contacts/${contact.id}`} className="focus-ring truncate rounded font-medium hover:text-link hover:underline">
                      {name}
                    </Link>
                    {contact.blacklisted ? (
                      <span className="shrink-0 md:hidden">
                        <BlockedBadge />
                      </span>
                    ) : null}
                  </div>
                  <p className="truncate text-[13px] text-muted max-sm:hidden">{contact.company && name !== contact.company ? contact.company : null}</p>
                  {/* On a phone the number (what one acts on) comes first, the company after it. */}
                  <p className="truncate text-[13px] text-muted sm:hidden">
                    <PhoneText contact={contact} />
                    {contact.company && name !== contact.company ? ` · ${contact.company}` : null}
                  </p>
                </td>
                <td className="hidden px-3 py-2 sm:table-cell">
                  <PhoneText contact={contact} className="block" />
                </td>
                <td className="hidden truncate px-3 py-2 text-muted 2xl:table-cell">{contact.email ?? '—'}</td>
                <td className="hidden px-3 py-2 xl:table-cell">
                  <div className="flex max-h-11 flex-wrap gap-1 overflow-hidden">
                    {contact.tags.slice(0, 4).map((tag) => (
                      <span key={tag} className="max-w-full truncate rounded-full bg-surface-2 px-2 py-0.5 text-xs text-muted">
                        {tag}
                      </span>
                    ))}
                    {contact.tags.length > 4 ? <span className="text-xs text-subtle">+{contact.tags.length - 4}</span> : null}
                  </div>
                </td>
                <td className="py-2 pr-3 pl-1 sm:pl-3">
                  <div className="flex flex-col gap-0.5">
                    <ScoreBar value={contact.scores.contactability} label={t('scores.contactability')} short={t('scores.short.contactability')} tone={contactabilityTone(contact.scores.contactability, props.threshold)} />
                    <ScoreBar value={contact.scores.digitalMaturity} label={t('scores.digitalMaturity')} short={t('scores.short.digitalMaturity')} />
                    <ScoreBar value={contact.scores.potential} label={t('scores.potential')} short={t('scores.short.potential')} />
                  </div>
                </td>
                <td className="hidden px-3 py-2 xl:table-cell">
                  <ConsentChips consent={contact.consent} />
                </td>
                <td className="hidden px-3 py-2 md:table-cell">
                  <div className="flex flex-col items-start gap-1">
                    <ValidationBadge contact={contact} />
                    {contact.blacklisted ? <BlockedBadge /> : null}
                  </div>
                </td>
              </tr>
            );
          })}
          {paddingBottom > 0 ? (
            <tr aria-hidden>
              <td colSpan={8} style={{ height: paddingBottom, padding: 0 }} />
            </tr>
          ) : null}
        </tbody>
      </table>
      {isFetchingNextPage ? (
        <div className="flex justify-center border-t border-border py-3">
          <Spinner label={t('contacts.loadingMore')} />
        </div>
      ) : null}
    </div>
  );
}

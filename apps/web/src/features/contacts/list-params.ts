import { useSearchParams } from 'react-router';
import type { ContactFilter, ContactSort, ListParams } from './contacts.api';

const SORTS: ContactSort[] = ['recent', 'name', 'contactability', 'potential'];

function parseFilter(text: string | null): ContactFilter {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as ContactFilter) : {};
  } catch {
    return {};
  }
}

/**
 * The list's search, sort, filter and segment live in the address (?q=&sort=&segment=&filter=), so a
 * reload, the back button and a shared link show the same contacts.
 */
export function useListParams(): [ListParams, (next: Partial<ListParams>) => void] {
  const [search, setSearch] = useSearchParams();
  const sort = search.get('sort');
  const params: ListParams = {
    search: search.get('q') ?? '',
    sort: SORTS.includes(sort as ContactSort) ? (sort as ContactSort) : 'recent',
    filter: parseFilter(search.get('filter')),
    segment: search.get('segment'),
  };
  const update = (next: Partial<ListParams>) => {
    const merged = { ...params, ...next };
    const out = new URLSearchParams();
    if (merged.search) out.set('q', merged.search);
    if (merged.sort !== 'recent') out.set('sort', merged.sort);
    if (merged.segment) out.set('segment', merged.segment);
    if (Object.keys(merged.filter).length) out.set('filter', JSON.stringify(merged.filter));
    setSearch(out, { replace: true });
  };
  return [params, update];
}

/** How many separate conditions a filter holds (the badge on the Filters button). */
export function countConditions(filter: ContactFilter): number {
  let n = 0;
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'search' || value === undefined) continue;
    if (Array.isArray(value)) n += value.length ? (key === 'tags' || key === 'attributes' ? value.length : 1) : 0;
    else n += 1;
  }
  return n;
}

/** Drops empty parts so the JSON stays short and "no filter" is `{}`. */
export function compactFilter(filter: ContactFilter): ContactFilter {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => v === undefined)) continue;
    out[key] = value;
  }
  return out as ContactFilter;
}

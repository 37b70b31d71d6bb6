import { sql, type Column, type GetColumnData, type SQL } from 'drizzle-orm';

type ListType = 'uuid' | 'text';
type ListColumn = Column & { columnType: 'PgUUID' | 'PgText' };

/**
 * `column = any($n::uuid[])` (or `::text[]`): the list as one array parameter. Drizzle's
 * `inArray` writes `in ($2, …, $n)`, one statement text per length; every query is a prepared
 * statement its connection keeps for good (decision 0003), so a list whose length varies at
 * runtime grew every connection, on the client and on the server, for as long as it lived.
 * An empty list matches nothing, as `inArray` with none does.
 */
export function equalsAny<C extends ListColumn>(column: C, values: readonly GetColumnData<C, 'raw'>[]): SQL;
export function equalsAny(expression: SQL, values: readonly string[], type: ListType): SQL;
export function equalsAny(target: ListColumn | SQL, values: readonly unknown[], type?: ListType): SQL {
  const listType = type ?? ((target as ListColumn).columnType === 'PgUUID' ? 'uuid' : 'text');
  return sql`${target} = any(${sql.param(values)}::${sql.raw(listType)}[])`;
}

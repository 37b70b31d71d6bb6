import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../../../test/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe('time columns', () => {
  it('keep milliseconds, the precision of a JavaScript Date, so keyset cursors compare equal to their row', async () => {
    const columns = await db.withTenant('00000000-0000-0000-0000-000000000000', (tx) =>
      tx.execute<{ column: string; precision: number }>(sql`
        select table_name || '.' || column_name as column, datetime_precision as precision
          from information_schema.columns
         where table_schema = 'public' and data_type like 'timestamp%'`),
    );
    const rows = [...columns];
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.filter((c) => c.precision !== 3).map((c) => c.column)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { equalsAny } from './equals-any';
import { backgroundTasks } from '../jobs/tasks.tables';
import { openTestDatabase, type TestDatabase } from '../../../test/db';

let db: TestDatabase;
const tenantId = randomUUID();
let tasks: { id: string; kind: string }[] = [];
beforeAll(async () => {
  db = await openTestDatabase({ poolSize: 2 });
  tasks = await db.withTenant(tenantId, (tx) =>
    tx
      .insert(backgroundTasks)
      .values(Array.from({ length: 30 }, (_, i) => ({ tenantId, kind: `kind-${i}` })))
      .returning({ id: backgroundTasks.id, kind: backgroundTasks.kind }),
  );
});
afterAll(async () => {
  await db?.close();
});

const lengths = Array.from({ length: 31 }, (_, n) => n);
const sorted = (values: string[]) => [...values].sort();

describe('equalsAny', () => {
  it('is one statement whatever the length of the list, on the client and on the server, and finds what inArray found', async () => {
    const texts = new Set<string>();
    const serverStatements = await db.withTenant(tenantId, async (tx) => {
      for (const n of lengths) {
        const wanted = tasks.slice(0, n);
        // A duplicate and an id or kind that is nobody's change neither the text nor the rows.
        const ids = n % 2 ? [...wanted.map((t) => t.id), wanted[0]!.id, randomUUID()] : wanted.map((t) => t.id);
        const kinds = n % 2 ? [...wanted.map((t) => t.kind), wanted[0]!.kind, 'nobody'] : wanted.map((t) => t.kind);
        const byId = tx.select({ id: backgroundTasks.id }).from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, tenantId), equalsAny(backgroundTasks.id, ids)));
        const byKind = tx.select({ kind: backgroundTasks.kind }).from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, tenantId), equalsAny(backgroundTasks.kind, kinds)));
        texts.add(byId.toSQL().sql).add(byKind.toSQL().sql);
        expect(sorted((await byId).map((r) => r.id)), `ids, length ${n}`).toEqual(sorted(wanted.map((t) => t.id)));
        expect(sorted((await byKind).map((r) => r.kind)), `kinds, length ${n}`).toEqual(sorted(wanted.map((t) => t.kind)));
      }
      // What this connection keeps prepared for these two queries (decision 0003).
      return tx.execute<{ statement: string }>(sql`
        select distinct statement from pg_prepared_statements
         where statement like 'select "id" from "background_tasks"%' or statement like 'select "kind" from "background_tasks"%'`);
    });
    const oneEach = [
      'select "id" from "background_tasks" where ("background_tasks"."tenant_id" = $1 and "background_tasks"."id" = any($2::uuid[]))',
      'select "kind" from "background_tasks" where ("background_tasks"."tenant_id" = $1 and "background_tasks"."kind" = any($2::text[]))',
    ];
    expect([...texts]).toEqual(oneEach);
    expect([...serverStatements].map((s) => s.statement).sort()).toEqual(oneEach);
  });

  it('takes the array type as given for an expression', async () => {
    const rows = await db.withTenant(tenantId, (tx) =>
      tx.select({ kind: backgroundTasks.kind }).from(backgroundTasks).where(equalsAny(sql`upper(${backgroundTasks.kind})`, ['KIND-3', 'KIND-4'], 'text')),
    );
    expect(sorted(rows.map((r) => r.kind))).toEqual(['kind-3', 'kind-4']);
  });
});

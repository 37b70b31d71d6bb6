import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterCommit } from './after-commit';
import { backgroundTasks } from '../jobs/tasks.tables';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';

/**
 * withTenant / withoutTenant send BEGIN and the tenant together with the first statement
 * (pipelined): the transaction must still behave exactly like one that waited for each.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase({ poolSize: 2 });
});
afterAll(async () => {
  await db?.close();
});

const tasksOf = (tenantId: string, kind: string) =>
  db.withTenant(tenantId, (tx) => tx.select().from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, tenantId), eq(backgroundTasks.kind, kind))));

describe('tenant transactions', () => {
  it('sets the tenant before the first statement, and none without a tenant', async () => {
    const tenantId = randomUUID();
    const [row] = await db.withTenant(tenantId, (tx) => tx.execute<{ t: string }>(sql`select current_setting('app.tenant_id', true) as t`));
    expect(row!.t).toBe(tenantId);
    const [none] = await db.withoutTenant((tx) => tx.execute<{ t: string | null }>(sql`select nullif(current_setting('app.tenant_id', true), '') as t`));
    expect(none!.t).toBeNull();
  });

  it('commits, then runs the after-commit callbacks', async () => {
    const tenantId = randomUUID();
    const seen: number[] = [];
    await db.withTenant(tenantId, async (tx) => {
      await tx.insert(backgroundTasks).values({ tenantId, kind: 'commit' });
      afterCommit(tx, async () => seen.push((await tasksOf(tenantId, 'commit')).length));
    });
    expect(seen).toEqual([1]);
  });

  it('rolls back when the function throws, and rethrows its error', async () => {
    const tenantId = randomUUID();
    let called = false;
    await expect(
      db.withTenant(tenantId, async (tx) => {
        await tx.insert(backgroundTasks).values({ tenantId, kind: 'thrown' });
        afterCommit(tx, () => (called = true));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await tasksOf(tenantId, 'thrown')).toHaveLength(0);
    expect(called).toBe(false);
  });

  it('never reports success for a transaction a failed statement aborted, even if the function caught the error', async () => {
    const tenantId = randomUUID();
    await expect(
      db.withTenant(tenantId, async (tx) => {
        await tx.insert(backgroundTasks).values({ tenantId, kind: 'swallowed' });
        await tx.execute(sql`select 1 / 0`).catch(() => undefined);
        return 'done';
      }),
    ).rejects.toThrow();
    expect(await tasksOf(tenantId, 'swallowed')).toHaveLength(0);
  });

  it('keeps row-level security: a row of another tenant is refused inside a tenant transaction', async () => {
    const [mine, other] = [randomUUID(), randomUUID()];
    await expect(db.withTenant(mine, (tx) => tx.insert(backgroundTasks).values({ tenantId: other, kind: 'foreign' }))).rejects.toThrow();
    expect(await tasksOf(other, 'foreign')).toHaveLength(0);
  });

  it('supports a nested transaction: its failure rolls back to its savepoint, the outer one commits', async () => {
    const tenantId = randomUUID();
    await db.withTenant(tenantId, async (tx) => {
      await tx.insert(backgroundTasks).values({ tenantId, kind: 'outer' });
      await tx
        .transaction(async (inner) => {
          await inner.insert(backgroundTasks).values({ tenantId, kind: 'inner' });
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      await tx.transaction(async (inner) => inner.insert(backgroundTasks).values({ tenantId, kind: 'inner-ok' }));
    });
    expect(await tasksOf(tenantId, 'outer')).toHaveLength(1);
    expect(await tasksOf(tenantId, 'inner')).toHaveLength(0);
    expect(await tasksOf(tenantId, 'inner-ok')).toHaveLength(1);
  });

  it('returns its connection to the pool whatever happens (many transactions on a pool of two)', async () => {
    const tenantId = randomUUID();
    const runs = Array.from({ length: 40 }, (_, i) =>
      db.withTenant(tenantId, async (tx) => {
        await tx.insert(backgroundTasks).values({ tenantId, kind: 'many' });
        if (i % 3 === 0) throw new Error('every third fails');
      }),
    );
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(14);
    expect(await tasksOf(tenantId, 'many')).toHaveLength(26);
  });
});

describe('read-only tenant transactions', () => {
  it('see only their tenant, refuse writes and after-commit callbacks', async () => {
    const tenantId = randomUUID();
    await db.withTenant(tenantId, (tx) => tx.insert(backgroundTasks).values({ tenantId, kind: 'seen' }));
    const [row] = await db.readTenant(tenantId, (tx) => tx.execute<{ t: string }>(sql`select current_setting('app.tenant_id', true) as t`));
    expect(row!.t).toBe(tenantId);
    expect(await db.readTenant(tenantId, (tx) => tx.select().from(backgroundTasks).where(eq(backgroundTasks.tenantId, tenantId)))).toHaveLength(1);
    expect(await db.readTenant(randomUUID(), (tx) => tx.select().from(backgroundTasks).where(eq(backgroundTasks.tenantId, tenantId)))).toHaveLength(0);
    await expect(db.readTenant(tenantId, (tx) => tx.insert(backgroundTasks).values({ tenantId, kind: 'written' }))).rejects.toSatisfy((err: { cause?: { code?: string } }) => err.cause?.code === '25006');
    await expect(db.readTenant(tenantId, async (tx) => afterCommit(tx, () => undefined))).rejects.toThrow(/afterCommit/);
    expect(await tasksOf(tenantId, 'written')).toHaveLength(0);
  });

  it('leave their connection clean for the next transaction, even one whose statement failed and was caught', async () => {
    const tenantId = randomUUID();
    const runs = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? db.readTenant(tenantId, async (tx) => {
            await tx.execute(sql`select 1 / 0`).catch(() => undefined);
            return 'caught';
          })
        : i % 3 === 1
          ? db.readTenant(tenantId, (tx) => tx.execute<{ t: string }>(sql`select current_setting('app.tenant_id', true) as t`)).then((r) => r[0]!.t)
          : db.withTenant(tenantId, (tx) => tx.insert(backgroundTasks).values({ tenantId, kind: 'after-read' })).then(() => 'written'),
    );
    const results = await Promise.all(runs);
    expect(results.filter((r) => r === 'caught')).toHaveLength(10);
    expect(results.filter((r) => r === tenantId)).toHaveLength(10);
    expect(results.filter((r) => r === 'written')).toHaveLength(10);
    // Every write committed: none ran inside a read-only transaction left open on its connection.
    expect(await tasksOf(tenantId, 'after-read')).toHaveLength(10);
    const [none] = await db.withoutTenant((tx) => tx.execute<{ t: string | null }>(sql`select nullif(current_setting('app.tenant_id', true), '') as t`));
    expect(none!.t).toBeNull();
  });
});

describe.skipIf(!usingRealPostgres())('a transaction whose connection the server terminates', () => {
  const settles = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('never settled')), 5_000))]);

  it('fails only that transaction; the pool goes on with fresh connections and nothing hangs', async () => {
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined });
    try {
      const tenantId = randomUUID();
      for (let round = 0; round < 3; round++) {
        await expect(
          settles(
            db.withTenant(tenantId, async (tx) => {
              const [backend] = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as { pid: number }[];
              await admin`select pg_terminate_backend(${backend!.pid}::int)`;
              await tx.execute(sql`select 1`);
            }),
          ),
        ).rejects.toSatisfy((err: { code?: string; cause?: { code?: string } }) => ['CONNECTION_CLOSED', 'ECONNRESET', '57P01'].includes(err.cause?.code ?? err.code ?? ''));
        // Every transaction after it settles, on both connections of the pool, more than once each.
        const results = await settles(Promise.all(Array.from({ length: 6 }, () => db.withTenant(tenantId, (tx) => tx.execute<{ one: number }>(sql`select 1 as one`)))));
        expect(results.map((r) => r[0]!.one)).toEqual([1, 1, 1, 1, 1, 1]);
      }
    } finally {
      await admin.end();
    }
  });
});

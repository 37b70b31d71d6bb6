import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../../../test/db';
import { createSql } from '../db/database';
import { createLocalBus, type BusEvent } from '../events/bus';
import { createLogger } from '../logger';
import { defineJob, JobQueue, sqlExecutor } from './queue';
import { backgroundTasks } from './tasks.tables';
import { provisionTenant } from '../../modules/identity';

let db: TestDatabase;
let queue: JobQueue;
let tenantId: string;
const events: BusEvent[] = [];
const attempts = new Map<string, number>();
const bus = createLocalBus();

const flaky = defineJob({
  name: 'test.flaky',
  payload: z.object({ key: z.string(), failTimes: z.number() }),
  retryLimit: 3,
  retryDelaySeconds: 1,
  async run(payload, ctx) {
    const n = (attempts.get(payload.key) ?? 0) + 1;
    attempts.set(payload.key, n);
    await ctx.progress(n, 3, `attempt ${n}`);
    if (n <= payload.failTimes) throw new Error(`transient failure ${n}`);
    return { attempts: n };
  },
});
const doomed = defineJob({
  name: 'test.doomed',
  payload: z.object({ key: z.string() }),
  retryLimit: 1,
  retryDelaySeconds: 1,
  retryBackoff: false,
  async run() {
    throw new Error('always fails');
  },
});
const slow = defineJob({
  name: 'test.slow',
  payload: z.object({ ms: z.number() }),
  async run(payload, ctx) {
    await new Promise((r) => setTimeout(r, payload.ms));
    await ctx.progress(1, 1);
    return { slept: payload.ms };
  },
});
const nightly = defineJob({ name: 'test.nightly', payload: z.object({}).loose(), cron: '0 3 * * *', async run() {} });
const singleRuns: string[] = [];
const single = defineJob({
  name: 'test.single',
  payload: z.object({ key: z.string() }),
  policy: 'stately',
  async run(payload) {
    singleRuns.push(payload.key);
  },
});
const definitions = [flaky, doomed, slow, nightly, single];

async function task(id: string) {
  const [row] = await db.withTenant(tenantId, (tx) =>
    tx.select().from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, tenantId), eq(backgroundTasks.id, id))),
  );
  return row!;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  db = await openTestDatabase();
  const owner = createSql(db.ownerUrlOrSocket, { max: 1 });
  await JobQueue.install(owner, definitions);
  await owner.end();
  bus.subscribe((e) => events.push(e));
  queue = new JobQueue({ database: db, bus, logger: createLogger({ level: 'silent' }) }, definitions);
  await queue.start({ work: true });
  ({ tenant: { id: tenantId } } = await db.withoutTenant((tx) =>
    provisionTenant(tx, { name: 'Jobs', slug: `jobs-${Date.now()}`, timezone: 'UTC', country: 'AR', locale: 'en' }),
  ));
});
afterAll(async () => {
  await queue?.stop();
  await db?.close();
});

describe('job queue', () => {
  it('retries a failing job with backoff until it succeeds, reporting progress on its task', async () => {
    const { taskId } = await queue.enqueue(flaky, { key: 'a', failTimes: 2 }, { tenantId, task: { kind: 'demo' } });
    const done = await until(() => task(taskId!), (r) => r.status === 'succeeded');
    expect(attempts.get('a')).toBe(3);
    expect(done).toMatchObject({ kind: 'demo', progressDone: 3, progressTotal: 3, message: 'attempt 3', result: { attempts: 3 } });
    const updates = events.filter((e) => e.type === 'task.updated' && (e.data as { id: string }).id === taskId);
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(updates.every((e) => e.tenantId === tenantId)).toBe(true);
  });

  it('moves a job that exhausts its retries to the dead-letter queue and marks its task failed', async () => {
    const { jobId, taskId } = await queue.enqueue(doomed, { key: 'b' }, { tenantId, task: {} });
    const failed = await until(() => task(taskId!), (r) => r.status === 'failed');
    expect(failed.error).toBe('always fails');
    const dead = await until(() => queue.deadLetters('test.doomed'), (rows) => rows.some((r) => (r.data as { taskId: string }).taskId === taskId));
    expect(dead.length).toBeGreaterThan(0);
    expect(jobId).toBeTruthy();
  });

  it('enqueues inside a transaction only if it commits', async () => {
    await expect(
      db.withTenant(tenantId, async (tx) => {
        await queue.enqueue(flaky, { key: 'rolled-back', failTimes: 0 }, { tenantId, tx });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await db.withTenant(tenantId, (tx) => queue.enqueue(flaky, { key: 'committed', failTimes: 0 }, { tenantId, tx }));
    await until(async () => attempts.get('committed'), (n) => n === 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts.has('rolled-back')).toBe(false);
  });

  it('runs a stately job asked for now at once, though one with its key waits to run in an hour', async () => {
    await queue.enqueue(single, { key: 'later' }, { tenantId, singletonKey: 'tenant-a', startAfterSeconds: 3600 });
    // pg-boss keeps one waiting job per key: this request is dropped, and the waiting one is brought forward instead.
    const { jobId } = await queue.enqueue(single, { key: 'now' }, { tenantId, singletonKey: 'tenant-a' });
    expect(jobId).toBeNull();
    await until(async () => singleRuns.length, (n) => n > 0, 15_000);
    expect(singleRuns).toEqual(['later']);
    // Asked for later than the one waiting, nothing moves: the waiting job keeps its time.
    await queue.enqueue(single, { key: 'soon' }, { tenantId, singletonKey: 'tenant-b', startAfterSeconds: 60 });
    await db.withTenant(tenantId, (tx) => queue.enqueue(single, { key: 'after' }, { tenantId, tx, singletonKey: 'tenant-b', startAfterSeconds: 3600 }));
    // A safety net's rerun leaves a waiting job as it is.
    await queue.enqueue(single, { key: 'net' }, { tenantId, singletonKey: 'tenant-b', unlessWaiting: true });
    const [waiting] = await db.sql<{ in_seconds: number }[]>`select extract(epoch from start_after - now())::int as in_seconds from pgboss.job where name = 'test.single' and singleton_key = 'tenant-b' and state = 'created'`;
    expect(waiting!.in_seconds).toBeGreaterThan(30);
    expect(waiting!.in_seconds).toBeLessThanOrEqual(60);
    expect(singleRuns).toEqual(['later']);
  });

  it("gives a queue created by an earlier version this version's settings (a job's expiry, retries), keeping its policy", async () => {
    const settings = async () => {
      const [row] = await db.sql<{ expire_seconds: number; retry_limit: number; policy: string }[]>`select expire_seconds, retry_limit, policy from pgboss.queue where name = 'test.single'`;
      return row!;
    };
    expect(await settings()).toEqual({ expire_seconds: 15 * 60, retry_limit: 3, policy: 'stately' });
    const owner = createSql(db.ownerUrlOrSocket, { max: 1 });
    try {
      await JobQueue.install(owner, [{ ...single, expireInSeconds: 180, retryLimit: 5 }]);
      expect(await settings()).toEqual({ expire_seconds: 180, retry_limit: 5, policy: 'stately' });
    } finally {
      await JobQueue.install(owner, [single]);
      await owner.end();
    }
    expect(await settings()).toEqual({ expire_seconds: 15 * 60, retry_limit: 3, policy: 'stately' });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('runs a job whose liveness lock statement never answers (a server gone silent): the lock is taken on a fresh connection (PostgreSQL)', async () => {
    type Liveness = { lockConnection(): Promise<unknown>; liveness: { connection: { release(): void } | null } };
    const q = queue as unknown as Liveness;
    const original = q.lockConnection;
    q.liveness.connection?.release();
    q.liveness.connection = null;
    let silent = 0;
    // The next lock statement goes to a connection that never answers (a server that vanished without
    // closing its socket: postgres.js then waits for TCP, minutes); the one after to a fresh connection.
    q.lockConnection = async () => {
      silent++;
      q.lockConnection = original;
      return Object.assign(() => new Promise(() => undefined), { release: () => undefined });
    };
    try {
      const { taskId } = await queue.enqueue(slow, { ms: 1 }, { tenantId, task: {} });
      const done = await until(() => task(taskId!), (r) => r.status === 'succeeded', 20_000);
      expect(silent).toBe(1);
      expect(done.result).toEqual({ slept: 1 });
    } finally {
      q.lockConnection = original;
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("takes a job's liveness lock on one connection when the job starts while a liveness check also finds none (PostgreSQL)", async () => {
    type Liveness = { holdLocks(ids: string[]): Promise<void>; releaseLock(id: string): Promise<void>; liveness: { connection: { release(): void } | null } };
    const q = queue as unknown as Liveness;
    // As after a lost lock connection: the job's own lock and the periodic check both need a new one.
    q.liveness.connection?.release();
    q.liveness.connection = null;
    const id = `race-${Date.now()}`;
    await Promise.all([q.holdLocks([id]), q.holdLocks([id])]);
    // With a reservation each, both connections try the lock: the second waits on the first (which the
    // queue no longer knows, so never unlocks) until the 5-s deadline gives up on it, and each such
    // check leaves one more connection waiting in the server, lost to the pool.
    const locks = await db.sql<{ granted: boolean }[]>`
      select granted from pg_locks where locktype = 'advisory' and classid = ${0x4c4d4a42}::int::oid
         and objsubid = 2 and objid = (hashtext(${id})::bigint & 4294967295)::oid`;
    expect(locks).toEqual([{ granted: true }]);
    await q.releaseLock(id);
  });

  it('registers cron schedules', async () => {
    const rows = await db.sql<{ name: string; cron: string }[]>`select name, cron from pgboss.schedule where name = 'test.nightly'`;
    expect(rows).toEqual([{ name: 'test.nightly', cron: '0 3 * * *' }]);
  });

  it('can fire cron schedules: the queue pg-boss sends them through exists (the app role cannot create it)', async () => {
    const rows = await db.sql<{ name: string }[]>`select name from pgboss.queue where name = '__pgboss__send-it'`;
    expect(rows).toHaveLength(1);
  });

  it('lets an in-flight job finish before it stops', async () => {
    const { taskId } = await queue.enqueue(slow, { ms: 1500 }, { tenantId, task: {} });
    await until(() => task(taskId!), (r) => r.status === 'running');
    await queue.stop();
    expect((await task(taskId!)).status).toBe('succeeded');
    queue = new JobQueue({ database: db, bus, logger: createLogger({ level: 'silent' }) }, definitions);
    await queue.start({ work: true });
  });
});

describe("pg-boss's own transactions", () => {
  // Its maintenance (expiring jobs whose worker hung, archiving) is one text `BEGIN; … COMMIT;`:
  // on a pool postgres.js refused it (UNSAFE_TRANSACTION) and maintenance never ran on PostgreSQL.
  it('runs a text that opens its own transaction through the pool, and leaves no aborted transaction behind when it fails', async () => {
    const executor = sqlExecutor(db.sql);
    await expect(executor.executeSql('BEGIN;\nSELECT 1 AS one;\nSELECT 2 AS two;\nCOMMIT;')).resolves.toHaveProperty('rows');
    await expect(executor.executeSql('BEGIN;\nSELECT 1/0;\nCOMMIT;')).rejects.toThrow(/division by zero/);
    // Every pooled connection still answers (none was returned inside the failed transaction).
    const answers = await Promise.all(Array.from({ length: 12 }, () => db.sql`select 1 as ok`));
    expect(answers.every(([row]) => row?.ok === 1)).toBe(true);
    const [open] = await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`;
    expect(open?.n).toBe(0);
  });
});

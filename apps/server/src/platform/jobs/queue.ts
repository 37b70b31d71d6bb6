import PgBoss from 'pg-boss';
import type { ReservedSql, Sql } from 'postgres';
import { and, eq, sql as dsql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database, Tx } from '../db/database';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import { APP_ROLE } from '../db/security';
import { backgroundTasks } from './tasks.tables';
import { pushTo } from '../collections';

/**
 * The one durable job mechanism of the product: pg-boss queues in the same PostgreSQL (retries
 * with exponential backoff, dead-letter queues, cron), plus a tenant-visible task row for work a
 * person waits on, whose progress survives reloads and restarts.
 */
export type JobContext = {
  tenantId: string | null;
  jobId: string;
  /** Set when the job was enqueued with a task: the id of its `background_tasks` row. */
  taskId: string | null;
  attempt: number;
  signal: AbortSignal;
  logger: Logger;
  /** Records progress on the task row and pushes it to the tenant's browsers. */
  progress(done: number, total?: number | null, message?: string): Promise<void>;
};

export type JobDefinition<P> = {
  name: string;
  payload: z.ZodType<P>;
  run(payload: P, ctx: JobContext): Promise<Record<string, unknown> | void>;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Runs on this schedule (cron syntax, UTC) with an empty payload. */
  cron?: string;
  /**
   * pg-boss queue policy. `stately` keeps at most one waiting and one running job per
   * `singletonKey`: what a "drain everything pending" job wants (see the inbound pipeline).
   */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  concurrency?: number;
};

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

type Envelope = { tenantId: string | null; taskId: string | null; payload: unknown };

const deadLetterOf = (name: string) => `${name}.dead`;

type SqlExecutor = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }> };

/**
 * node-postgres (what pg-boss expects) sends undefined as NULL, objects as JSON and dates as
 * timestamps; our connections take JSON and dates as text (see `createSql`).
 */
const pgParams = (values: unknown[]) =>
  values.map((v) => {
    if (v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) return JSON.stringify(v);
    return v;
  });

export function sqlExecutor(sql: Sql): SqlExecutor {
  return {
    async executeSql(text, values) {
      const result = values && values.length > 0 ? await sql.unsafe(text, pgParams(values) as never[], { prepare: true }) : await simple(sql, text);
      // A multi-statement simple query answers one result per statement; pg-boss wants the last.
      const last = Array.isArray(result[0]) ? (result.at(-1) as unknown as typeof result) : result;
      return { rows: [...last], rowCount: last.count ?? last.length };
    },
  };
}

/**
 * pg-boss's maintenance sends its work as one text that opens and commits its own transaction
 * (`BEGIN; … COMMIT`). postgres.js refuses a BEGIN on a pooled connection (UNSAFE_TRANSACTION: the
 * next query could land on another connection), so such a text runs on a connection reserved for it.
 * Without this, maintenance failed every two minutes on PostgreSQL and jobs never expired.
 */
async function simple(sql: Sql, text: string) {
  if (!/^\s*begin\b/im.test(text)) return sql.unsafe(text).simple();
  const connection = await sql.reserve();
  try {
    return await connection.unsafe(text).simple();
  } catch (err) {
    // A failed statement leaves the text's transaction open and aborted: close it before the connection goes back.
    await connection.unsafe('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    connection.release();
  }
}

/** Runs pg-boss statements inside a Drizzle transaction, so a job is enqueued only if it commits. */
function txExecutor(tx: Tx): SqlExecutor {
  return connectionExecutor((tx as unknown as { session: { client: Sql } }).session.client);
}

/** Runs pg-boss statements on a connection that is inside a transaction. */
function connectionExecutor(connection: Sql): SqlExecutor {
  return {
    async executeSql(text, values) {
      const rows = await connection.unsafe(text, pgParams(values ?? []) as never[], { prepare: true });
      return { rows: [...rows], rowCount: rows.count ?? rows.length };
    },
  };
}

/** A stately job waiting to start runs no later than now + $3 seconds (see enqueue). */
const BRING_FORWARD = `update pgboss.job set start_after = least(start_after, now() + $3::int * interval '1 second')
  where name = $1 and state = 'created' and policy = 'stately' and coalesce(singleton_key, '') = $2`;

/** The queue pg-boss's timekeeper sends due cron jobs through (pg-boss 10). */
const CRON_SEND_QUEUE = '__pgboss__send-it';

const BOSS_OPTIONS = { schema: 'pgboss', application_name: 'leadmaster' } as const;

/**
 * Liveness of running jobs (PostgreSQL only). A process holds a session advisory lock per job it
 * runs, on one connection of its own; when the process dies (SIGKILL, OOM, a lost machine) its
 * backend ends and the locks go with it. Every working process looks, every few seconds, for
 * active jobs nobody holds and fails them, so they are retried at once — instead of blocking their
 * `stately` key (a tenant's send drain, a campaign's run) until pg-boss expires them 15 min later.
 * The first key of the two-key lock form marks ours; the second is hashtext(job id).
 */
const LIVENESS_LOCK_CLASS = 0x4c4d4a42; // 'LMJB'
const LIVENESS_CHECK_MS = 3_000;
/** A liveness lock statement that has not answered by then is on a lost connection (see holdLocks). */
const LIVENESS_STATEMENT_MS = 5_000;
/** A job just fetched has not taken its lock yet: give it this long before calling it orphaned. */
const LIVENESS_GRACE_SECONDS = 10;

export class JobQueue {
  private boss: PgBoss | null = null;
  private readonly definitions = new Map<string, JobDefinition<unknown>>();
  private readonly abort = new AbortController();
  /** This process's pg-boss worker ids per job name (only when it works). */
  private readonly workers = new Map<string, string[]>();
  /** Jobs running in this process (id → name), whose liveness locks it holds. */
  private readonly running = new Map<string, string>();
  private liveness: { connection: ReservedSql | null; reserving: Promise<ReservedSql> | null; timer: NodeJS.Timeout | null; checking: boolean } = {
    connection: null,
    reserving: null,
    timer: null,
    checking: false,
  };

  constructor(
    private readonly deps: { database: Database; bus: EventBus; logger: Logger },
    definitions: JobDefinition<any>[] = [],
  ) {
    for (const d of definitions) this.define(d);
  }

  /** Modules register their jobs while they are built, before the queue is installed and started. */
  define<P>(definition: JobDefinition<P>): JobDefinition<P> {
    if (this.boss) throw new Error(`job ${definition.name} defined after the queue started`);
    this.definitions.set(definition.name, definition as JobDefinition<unknown>);
    return definition;
  }

  get all(): JobDefinition<any>[] {
    return [...this.definitions.values()];
  }

  /** Creates pg-boss's schema and one queue (with its dead-letter queue) per job; needs the owner. */
  static async install(ownerSql: Sql, definitions: JobDefinition<any>[]): Promise<void> {
    const boss = new PgBoss({ ...BOSS_OPTIONS, db: sqlExecutor(ownerSql), migrate: true, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    for (const d of definitions) {
      await boss.createQueue(deadLetterOf(d.name)).catch(ignoreExists);
      const options = {
        name: d.name,
        retryLimit: d.retryLimit ?? 3,
        retryDelay: d.retryDelaySeconds ?? 5,
        retryBackoff: d.retryBackoff ?? true,
        expireInSeconds: d.expireInSeconds ?? 15 * 60,
        deadLetter: deadLetterOf(d.name),
        policy: d.policy ?? 'standard',
      } as const;
      // A queue created by an earlier version takes this version's settings (its policy stays what it
      // was created with: the same definitions, so the same policy).
      await boss.createQueue(d.name, options).catch(ignoreExists);
      await boss.updateQueue(d.name, options);
    }
    // pg-boss's cron sends through this queue and creates it when a working process starts — as the
    // app role, which may not create tables in its schema, and the error is swallowed: without this
    // line no cron schedule ever fired (the lost-send sweeper among them).
    await boss.createQueue(CRON_SEND_QUEUE).catch(ignoreExists);
    await boss.stop({ graceful: false, close: false, wait: true });
    await ownerSql.unsafe(`
      GRANT USAGE ON SCHEMA pgboss TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO ${APP_ROLE};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pgboss TO ${APP_ROLE};
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO ${APP_ROLE};
    `).simple();
  }

  /** Starts the client; with `work`, also this process's workers and the cron schedules. */
  async start(options: { work: boolean }): Promise<void> {
    const boss = new PgBoss({
      ...BOSS_OPTIONS,
      db: sqlExecutor(this.deps.database.sql),
      migrate: false,
      supervise: options.work,
      schedule: options.work,
    });
    boss.on('error', (err) => this.deps.logger.error({ err }, 'job queue error'));
    await boss.start();
    this.boss = boss;
    if (!options.work) return;
    try {
      if (this.deps.database.kind === 'postgres') {
        this.liveness.timer = setInterval(() => void this.checkLiveness(), LIVENESS_CHECK_MS);
        this.liveness.timer.unref();
      }
      for (const d of this.definitions.values()) {
        const workerId = await boss.work<Envelope>(
          d.name,
          { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true },
          async ([job]) => {
            if (job) await this.runJob(d, job);
          },
        );
        pushTo(this.workers, d.name, workerId);
        if (d.cron) await boss.schedule(d.name, d.cron, { tenantId: null, taskId: null, payload: {} } satisfies Envelope);
      }
    } catch (err) {
      // A start cut short (a lost connection while scheduling) leaves no pollers or timers behind:
      // the process starts again with a fresh queue (retryLostConnections), or exits.
      if (this.liveness.timer) clearInterval(this.liveness.timer);
      this.liveness.timer = null;
      this.workers.clear();
      this.boss = null;
      await boss.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Enqueues a job. With `tx` the job exists only if that transaction commits. With `task`, a
   * task row is created that the job reports progress on; its id is returned as `taskId`.
   */
  async enqueue<P>(
    definition: JobDefinition<P>,
    payload: P,
    options: {
      tenantId: string | null;
      tx?: Tx;
      /** A connection inside a transaction the caller runs itself (instead of `tx`): the job exists only if it commits. */
      connection?: Sql;
      task?: { kind?: string; createdBy?: string | null };
      startAfterSeconds?: number;
      singletonKey?: string;
      /** A `stately` job: when one with this key is waiting already, leave it as it is (a safety net's rerun), instead of bringing it forward to this job's time. */
      unlessWaiting?: boolean;
    },
  ): Promise<{ jobId: string | null; taskId: string | null }> {
    const boss = this.requireBoss();
    const parsed = definition.payload.parse(payload);
    let taskId: string | null = null;
    if (options.task) {
      if (!options.tenantId) throw new Error('a task belongs to a tenant');
      const insertTask = async (tx: Tx) =>
        (
          await tx
            .insert(backgroundTasks)
            .values({ tenantId: options.tenantId!, kind: options.task!.kind ?? definition.name, createdBy: options.task!.createdBy ?? null })
            .returning({ id: backgroundTasks.id })
        )[0]!.id;
      taskId = options.tx ? await insertTask(options.tx) : await this.deps.database.withTenant(options.tenantId, insertTask);
    }
    const envelope: Envelope = { tenantId: options.tenantId, taskId, payload: parsed };
    const executor = options.tx ? txExecutor(options.tx) : options.connection ? connectionExecutor(options.connection) : null;
    const send = () =>
      boss.send(definition.name, envelope, {
        ...(executor ? { db: executor } : {}),
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      });
    if (!options.singletonKey || definition.policy !== 'stately' || options.unlessWaiting) return { jobId: await send(), taskId };
    // pg-boss keeps one waiting job per key and drops any other. Asked to run sooner than the one
    // waiting (a drain wanted now while one waits for a retry a minute away, a campaign resumed while
    // its run waits for tomorrow's send window), the waiting one is brought forward: else the work
    // asked for now would wait for it. Sent ahead of the insert on the same connection, the two
    // travel together (no round trip more); the predicate is job_i3's, pg-boss's stately index.
    const [, jobId] = await Promise.all([
      (executor ?? sqlExecutor(this.deps.database.sql)).executeSql(BRING_FORWARD, [definition.name, options.singletonKey, Math.max(0, Math.ceil(options.startAfterSeconds ?? 0))]),
      send(),
    ]);
    return { jobId, taskId };
  }

  /**
   * Wakes this process's workers of a job now instead of at their next poll (a no-op in a
   * process that does not work; other processes find the job at their next poll).
   */
  wake(definition: { name: string }): void {
    for (const id of this.workers.get(definition.name) ?? []) this.boss?.notifyWorker(id);
  }

  /** Jobs that exhausted their retries, newest first (what an operator looks at). */
  async deadLetters(name: string, limit = 50) {
    const rows = await this.deps.database.sql<{ id: string; data: Envelope; output: unknown; created_on: Date }[]>`
      select id, data, output, created_on from pgboss.job where name = ${deadLetterOf(name)}
      order by created_on desc limit ${limit}`;
    return rows;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.liveness.timer) clearInterval(this.liveness.timer);
    // Graceful: in-flight jobs finish (or time out) before the process lets go of them.
    await this.boss?.stop({ graceful: true, close: true, wait: true, timeout: 20_000 });
    this.boss = null;
    this.liveness.connection?.release();
    this.liveness.connection = null;
  }

  /**
   * This process's lock connection, reserved on first use and again after it was lost. A job starting
   * and the periodic check can both find none: they share one reservation. Two connections would each
   * try the job's lock, the second waiting on the first for ever (decision 0047).
   */
  private async lockConnection(): Promise<ReservedSql> {
    if (this.liveness.connection) return this.liveness.connection;
    this.liveness.reserving ??= this.deps.database.sql.reserve().finally(() => (this.liveness.reserving = null));
    const connection = await this.liveness.reserving;
    this.liveness.connection ??= connection;
    return this.liveness.connection;
  }

  /** Takes (or takes again, after a lost connection) the liveness locks of the jobs running here. */
  private async holdLocks(ids: string[]): Promise<void> {
    if (this.deps.database.kind !== 'postgres' || ids.length === 0) return;
    let connection: ReservedSql | null = null;
    try {
      await withinDeadline(
        (async () => {
          connection = await this.lockConnection();
          await connection`
            select pg_advisory_lock(${LIVENESS_LOCK_CLASS}::int, hashtext(id)) from unnest(${ids}::text[]) as id
            where not exists (select 1 from pg_locks l where l.pid = pg_backend_pid() and l.locktype = 'advisory' and l.classid = ${LIVENESS_LOCK_CLASS}::int::oid
                              and l.objsubid = 2 and l.objid = (hashtext(id)::bigint & 4294967295)::oid)`;
        })(),
      );
    } catch (err) {
      // The connection was terminated (or never answered: a server gone without closing its socket, a
      // lock held elsewhere — a job awaiting it would never run; decision 0047): a fresh one takes the
      // locks again at the next check. The silent one is left, not put back in the pool.
      if (this.liveness.connection === connection || !connection) this.liveness.connection = null;
      this.deps.logger.warn({ err }, 'job liveness locks lost; taking them again');
    }
  }

  private async releaseLock(id: string): Promise<void> {
    if (this.deps.database.kind !== 'postgres' || !this.liveness.connection) return;
    const connection = this.liveness.connection;
    await withinDeadline(connection`select pg_advisory_unlock(${LIVENESS_LOCK_CLASS}::int, hashtext(${id}))`).catch(() => {
      if (this.liveness.connection === connection) this.liveness.connection = null;
    });
  }

  /** Re-asserts this process's locks, then fails active jobs whose process is gone (they retry). */
  private async checkLiveness(): Promise<void> {
    if (this.liveness.checking || !this.boss) return;
    this.liveness.checking = true;
    try {
      await this.holdLocks([...this.running.keys()]);
      const orphans = await this.deps.database.sql<{ id: string; name: string }[]>`
        select j.id::text as id, j.name from pgboss.job j
         where j.state = 'active' and j.name = any(${[...this.definitions.keys()]}::text[])
           and j.started_on < now() - make_interval(secs => ${LIVENESS_GRACE_SECONDS})
           and not exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.classid = ${LIVENESS_LOCK_CLASS}::int::oid
                           and l.objsubid = 2 and l.objid = (hashtext(j.id::text)::bigint & 4294967295)::oid)`;
      for (const orphan of orphans) {
        if (this.running.has(orphan.id)) continue;
        this.deps.logger.warn({ job: orphan.name, jobId: orphan.id }, 'the process running this job is gone; retrying it');
        await this.boss.fail(orphan.name, orphan.id, { message: 'the process running this job stopped' }).catch(async (err: { code?: string }) => {
          // A `stately` key allows one job waiting to retry: when there is one, it does this work.
          if (err.code !== '23505') throw err;
          await this.boss?.complete(orphan.name, orphan.id, { orphaned: true });
        });
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'job liveness check failed');
    } finally {
      this.liveness.checking = false;
    }
  }

  private requireBoss(): PgBoss {
    if (!this.boss) throw new Error('job queue not started');
    return this.boss;
  }

  private async runJob(definition: JobDefinition<unknown>, job: PgBoss.JobWithMetadata<Envelope>) {
    const { tenantId, taskId } = job.data;
    const logger = this.deps.logger.child({ job: definition.name, jobId: job.id, tenantId });
    const { database, bus } = this.deps;
    const setTask = async (values: Partial<typeof backgroundTasks.$inferInsert>) => {
      if (!taskId || !tenantId) return;
      const [row] = await database.withTenant(tenantId, (tx) =>
        tx
          .update(backgroundTasks)
          .set(values)
          .where(and(eq(backgroundTasks.tenantId, tenantId), eq(backgroundTasks.id, taskId)))
          .returning(),
      );
      if (row) await bus.publish({ type: 'task.updated', tenantId, data: presentTask(row) });
    };
    const ctx: JobContext = {
      tenantId,
      jobId: job.id,
      taskId,
      attempt: job.retryCount + 1,
      signal: this.abort.signal,
      logger,
      progress: (done, total, message) =>
        setTask({
          progressDone: done,
          ...(total !== undefined ? { progressTotal: total } : {}),
          ...(message !== undefined ? { message } : {}),
        }),
    };
    this.running.set(job.id, definition.name);
    try {
      await this.holdLocks([job.id]);
      await this.runWithTask(definition, job, ctx, setTask);
    } finally {
      this.running.delete(job.id);
      await this.releaseLock(job.id);
    }
  }

  private async runWithTask(definition: JobDefinition<unknown>, job: PgBoss.JobWithMetadata<Envelope>, ctx: JobContext, setTask: (values: Partial<typeof backgroundTasks.$inferInsert>) => Promise<void>) {
    await setTask({ status: 'running', error: null });
    try {
      const payload = definition.payload.parse(job.data.payload);
      const result = await definition.run(payload, ctx);
      await setTask({ status: 'succeeded', result: result ?? null, finishedAt: dsql`now()` as never });
    } catch (err) {
      const final = job.retryCount >= job.retryLimit;
      ctx.logger.warn({ err, attempt: ctx.attempt, final }, 'job failed');
      await setTask(
        final
          ? { status: 'failed', error: (err as Error).message, finishedAt: dsql`now()` as never }
          : { status: 'queued', error: (err as Error).message },
      ).catch(() => undefined);
      throw err;
    }
  }
}

/** The promise's outcome, or a LIVENESS_TIMEOUT error once LIVENESS_STATEMENT_MS have passed without one. */
function withinDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('the liveness lock statement did not answer'), { code: 'LIVENESS_TIMEOUT' })), LIVENESS_STATEMENT_MS);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function ignoreExists(err: Error) {
  if (!/already exists/i.test(err.message)) throw err;
}

export function presentTask(row: typeof backgroundTasks.$inferSelect) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    progressDone: row.progressDone,
    progressTotal: row.progressTotal,
    message: row.message,
    result: row.result,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt ? row.finishedAt.toISOString() : null,
  };
}

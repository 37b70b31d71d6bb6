import postgres, { type Sql } from 'postgres';
import { drizzle, PostgresJsSession, PostgresJsTransaction, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { PgDialect } from 'drizzle-orm/pg-core';
import { APP_ROLE } from './security';
import { openEmbedded, type OwnerKind } from './embedded/embedded';
import type { Config } from '../config';
import { withAfterCommit } from './after-commit';

/**
 * Drizzle prepares a statement only when the query is given a name; otherwise every execution is
 * parsed and planned again (~2 ms per statement on the embedded database). postgres.js caches
 * statements per connection by their text, so naming every query makes plans reusable.
 * See docs/decisions/0003-prepared-statements.md.
 */
const prepareQuery = PostgresJsSession.prototype.prepareQuery;
PostgresJsSession.prototype.prepareQuery = function prepareAlways(this: PostgresJsSession<any, any, any>, query, fields, name, ...rest) {
  return prepareQuery.call(this, query, fields, name ?? 'auto', ...rest);
} as typeof prepareQuery;

/**
 * Without the schema: Drizzle would build a relational query builder per table for every
 * transaction object (a measurable share of a short request's CPU), and nothing uses `db.query`.
 */
export type Db = PostgresJsDatabase;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Where the database is: a PostgreSQL URL, or the Unix socket of an embedded PGlite host. */
export type DatabaseTarget = { url: string } | { socketPath: string };

export type Database = {
  kind: 'postgres' | 'embedded';
  target: DatabaseTarget;
  /** Connections acting as `leadmaster_app`: everything requests and jobs do. */
  sql: Sql;
  db: Db;
  /** Runs `fn` in a transaction that sees only `tenantId`'s rows. */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a READ ONLY transaction that sees only `tenantId`'s rows, and answers as soon as
   * `fn` has its result: the COMMIT is sent but not waited for (nothing was written that it could
   * lose), which saves a round trip on every read. A write in it fails; `afterCommit` is refused.
   */
  readTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction with no tenant set: tenant tables look empty; platform tables are reachable. */
  withoutTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export function connectionOptions(target: DatabaseTarget, options: { max: number; role?: string }) {
  const embedded = 'socketPath' in target;
  return {
    max: options.max,
    // Statement names are random per connection, so clients sharing the embedded session never collide.
    prepare: true,
    idle_timeout: 60,
    connect_timeout: 30,
    onnotice: () => undefined,
    connection: { application_name: 'leadmaster', ...(options.role ? { role: options.role } : {}) },
    ...(embedded ? { path: target.socketPath, database: 'postgres', username: 'postgres' } : {}),
  };
}

/**
 * Drizzle switches a postgres.js client to pass dates and JSON through as text (it converts them
 * itself). Every connection gets the same behaviour, wrapped by Drizzle or not, so raw SQL on
 * any of them takes ISO strings and JSON text, and returns timestamps as strings.
 */
function passThroughDatesAndJson(sql: Sql): Sql {
  const same = (v: unknown) => v;
  const parsers = sql.options.parsers as Record<string, unknown>;
  const serializers = sql.options.serializers as Record<string, unknown>;
  for (const oid of ['1184', '1082', '1083', '1114', '1182', '1185', '1115', '1231']) {
    parsers[oid] = same;
    serializers[oid] = same;
  }
  serializers['114'] = same;
  serializers['3802'] = same;
  return sql;
}

export function createSql(target: DatabaseTarget, options: { max: number; role?: string }): Sql {
  const opts = connectionOptions(target, options);
  return passThroughDatesAndJson('url' in target ? postgres(target.url, opts) : postgres(opts));
}

/** Sets the tenant of the current transaction (row-level security reads `app.tenant_id`). */
export const SET_TENANT = `select set_config('app.tenant_id', $1, true)`;

/** The postgres.js connection a Drizzle transaction runs on. */
export function clientOf(tx: Tx): Sql {
  return (tx as unknown as { session: { client: Sql } }).session.client;
}

/**
 * Runs, in the transaction `tx`, a query Drizzle built and prepared once (with `sql.placeholder`
 * for its values, `.prepare(name)` on `database.db`): building a select (its SQL text and
 * parameter list from the query objects) is otherwise redone on every request for the same text.
 */
export function runPrepared<T>(tx: Tx, prepared: { execute(values?: Record<string, unknown>): Promise<T> }, values: Record<string, unknown>): Promise<T> {
  // The prepared query with the transaction's connection in place of the pool's (PostgresJsPreparedQuery.client).
  const onTx = Object.create(prepared) as typeof prepared & { client: Sql };
  onTx.client = clientOf(tx);
  return onTx.execute(values);
}

/**
 * A transaction whose BEGIN (and tenant) travel with its first statement: postgres.js pipelines
 * what is sent on one connection, in order, so `BEGIN`, `set_config('app.tenant_id')` and `fn`'s
 * first query cost one round trip instead of three (`db.transaction` waits for BEGIN, then the
 * tenant, before the first query). `fn` gets a Drizzle transaction as from `db.transaction`.
 * A statement that failed inside it (even one `fn` caught) leaves the transaction aborted, and
 * PostgreSQL answers its COMMIT with ROLLBACK: that is an error here, never a silent success.
 */
async function pipelinedTransaction<T>(
  sql: Sql,
  db: Db,
  tenantId: string | null,
  fn: (tx: Tx) => Promise<T>,
  track: (tx: Tx) => void,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const connection = await sql.reserve();
  const ignore = () => undefined;
  let releaseAfter: Promise<void> | null = null;
  try {
    const started = [connection.unsafe(options.readOnly ? 'begin read only' : 'begin').execute()];
    if (tenantId !== null) started.push(connection.unsafe(SET_TENANT, [tenantId], { prepare: true }).execute());
    // Their failures surface through the statements after them (or the COMMIT) and are awaited below.
    for (const q of started) q.catch(ignore);
    let savepoints = 0;
    // Nested `tx.transaction()` (Drizzle calls the client's savepoint, as postgres.js's begin offers).
    Object.assign(connection, {
      async savepoint(inner: (c: Sql) => Promise<unknown>) {
        const name = `s${savepoints++}`;
        await connection.unsafe(`savepoint ${name}`);
        try {
          const result = await inner(connection);
          await connection.unsafe(`release savepoint ${name}`);
          return result;
        } catch (err) {
          await connection.unsafe(`rollback to savepoint ${name}`);
          throw err;
        }
      },
    });
    const internals = db as unknown as { dialect: PgDialect; session: { options: Record<string, unknown> } };
    // The constructors Drizzle's own transaction() uses, on our connection (their types want postgres.js's TransactionSql).
    const session = new PostgresJsSession(connection as unknown as Sql, internals.dialect, undefined, internals.session.options);
    const tx = new PostgresJsTransaction(internals.dialect, session as never, undefined) as unknown as Tx;
    track(tx);
    let result: T;
    try {
      result = await fn(tx);
      await Promise.all(started);
      if (options.readOnly) {
        // The caller has its rows and goes on; the connection returns to the pool once the COMMIT
        // is done (never before: the next holder's statements would run inside this transaction).
        // An aborted read-only transaction (ROLLBACK for an answer) lost nothing: `fn`'s result stands.
        releaseAfter = connection.unsafe('commit').then(ignore, ignore);
        return result;
      }
      const done = await connection.unsafe('commit');
      if (done.command !== 'COMMIT') throw new Error('transaction rolled back: a statement in it failed');
    } catch (err) {
      await connection.unsafe('rollback').catch(ignore);
      throw err;
    }
    return result;
  } finally {
    if (releaseAfter) void releaseAfter.then(() => connection.release());
    else connection.release();
  }
}

/** An after-commit callback failed: the commit stands; the failure must still be seen. */
function reportAfterCommitError(err: unknown) {
  process.emitWarning(`after-commit callback failed: ${(err as Error)?.stack ?? String(err)}`);
}

export function createDatabase(options: {
  target: DatabaseTarget;
  poolSize: number;
  onClose?: () => Promise<void>;
}): Database {
  const { target } = options;
  const embedded = 'socketPath' in target;
  const sql = createSql(target, { max: embedded ? 1 : options.poolSize, role: APP_ROLE });
  const db = drizzle({ client: sql, casing: 'snake_case' });
  return {
    kind: embedded ? 'embedded' : 'postgres',
    target,
    sql,
    db,
    withTenant: (tenantId, fn) => withAfterCommit((track) => pipelinedTransaction(sql, db, tenantId, fn, track), reportAfterCommitError),
    readTenant: (tenantId, fn) => pipelinedTransaction(sql, db, tenantId, fn, () => undefined, { readOnly: true }),
    withoutTenant: (fn) => withAfterCommit((track) => pipelinedTransaction(sql, db, null, fn, track), reportAfterCommitError),
    close: async () => {
      await sql.end({ timeout: 5 });
      await options.onClose?.();
    },
  };
}

/**
 * Opens the configured database: PostgreSQL through DATABASE_URL, otherwise the embedded one in
 * DATA_DIR (started here, or borrowed from the server process that already runs it).
 */
export async function openDatabase(options: {
  config: Config;
  owner: OwnerKind;
  onWait?: (message: string) => void;
}): Promise<Database> {
  const { config } = options;
  if (config.databaseUrl) return createDatabase({ target: { url: config.databaseUrl }, poolSize: config.poolSize });
  const handle = await openEmbedded({
    dataDir: config.dataDir,
    kind: options.owner,
    onWait: (holder) =>
      options.onWait?.(`Waiting for process ${holder.pid} (${holder.kind}) to release the embedded database…`),
  });
  return createDatabase({ target: { socketPath: handle.socketPath }, poolSize: 1, onClose: handle.close });
}

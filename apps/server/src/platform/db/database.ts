import postgres, { type Sql } from 'postgres';
import { drizzle, PostgresJsSession, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
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
    withTenant: (tenantId, fn) =>
      withAfterCommit(
        (track) =>
          db.transaction(async (tx) => {
            track(tx);
            // Sent now and not awaited: postgres.js pipelines it on the transaction's connection
            // ahead of `fn`'s first statement (in order), which saves a round trip per transaction.
            // A failure still rolls the transaction back: it is awaited before the commit.
            const setting = clientOf(tx).unsafe(SET_TENANT, [tenantId], { prepare: true }).execute();
            const result = await fn(tx);
            await setting;
            return result;
          }),
        reportAfterCommitError,
      ),
    withoutTenant: (fn) =>
      withAfterCommit(
        (track) =>
          db.transaction(async (tx) => {
            track(tx);
            return fn(tx);
          }),
        reportAfterCommitError,
      ),
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

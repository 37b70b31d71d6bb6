import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Cleanup } from './cleanup';
import type { BenchDatabase } from './types';

/**
 * A database one scenario built (a million imported contacts takes minutes) kept for the next
 * scenarios of the same run: a copy of the PGlite data directory, or a PostgreSQL template database.
 * Everything is removed when the run ends (or is interrupted).
 */
type Snapshot<T> = { kind: BenchDatabase['kind']; meta: T; restore(database: BenchDatabase): Promise<void> };

const snapshots = new Map<string, Snapshot<unknown>>();
let runCleanup: Cleanup | null = null;

/** Undo steps that outlive one scenario: run by the runner when the whole run ends. */
function runLevelCleanup(log: (message: string) => void): Cleanup {
  return (runCleanup ??= new Cleanup(log));
}

const keyOf = (name: string, database: BenchDatabase) => `${name}:${database.kind}`;

/**
 * Saves `database` under `name` for later scenarios. The product must no longer be connected to it
 * (close the runtime first): PostgreSQL copies a template only when nobody uses it.
 */
export async function saveSnapshot<T>(options: { name: string; database: BenchDatabase; meta: T; log(message: string): void }): Promise<void> {
  const { database, log } = options;
  const cleanup = runLevelCleanup(log);
  const started = performance.now();
  if (database.kind === 'embedded') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lm-bench-snapshot-'));
    cleanup.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    await cp(path.join(database.env.DATA_DIR!, 'pglite'), path.join(dir, 'pglite'), { recursive: true });
    snapshots.set(keyOf(options.name, database), {
      kind: database.kind,
      meta: options.meta,
      restore: async (target) => {
        const into = path.join(target.env.DATA_DIR!, 'pglite');
        await rm(into, { recursive: true, force: true });
        await cp(path.join(dir, 'pglite'), into, { recursive: true });
      },
    });
  } else {
    const adminUrl = adminUrlOf(database);
    const source = databaseName(database.env.DATABASE_URL!);
    const snapshot = `lm_bench_snap_${randomBytes(6).toString('hex')}`;
    await onAdmin(adminUrl, (admin, major) => admin.unsafe(`CREATE DATABASE "${snapshot}" TEMPLATE "${source}" ${fileCopy(major)}`));
    cleanup.defer(`drop database ${snapshot}`, () => onAdmin(adminUrl, (admin) => admin.unsafe(`DROP DATABASE IF EXISTS "${snapshot}" WITH (FORCE)`)));
    snapshots.set(keyOf(options.name, database), {
      kind: database.kind,
      meta: options.meta,
      restore: async (target) => {
        const name = databaseName(target.env.DATABASE_URL!);
        await onAdmin(adminUrl, async (admin, major) => {
          await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${snapshot}" ${fileCopy(major)}`);
        });
      },
    });
  }
  log(`kept the database as snapshot "${options.name}" for later scenarios (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** Replaces the (empty) `database` with the snapshot saved under `name`; null when this run has none. */
export async function restoreSnapshot<T>(options: { name: string; database: BenchDatabase; log(message: string): void }): Promise<T | null> {
  const snapshot = snapshots.get(keyOf(options.name, options.database)) as Snapshot<T> | undefined;
  if (!snapshot) return null;
  const started = performance.now();
  await snapshot.restore(options.database);
  options.log(`restored snapshot "${options.name}" (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return snapshot.meta;
}

/** PostgreSQL 15+ copies a large template fastest file by file (its default writes it all to the WAL). */
const fileCopy = (major: number) => (major >= 15 ? 'STRATEGY = FILE_COPY' : '');

async function onAdmin(adminUrl: string, fn: (admin: postgres.Sql, major: number) => Promise<unknown>): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await admin<{ server_version_num: string }[]>`show server_version_num`;
    await fn(admin, Math.floor(Number(row?.server_version_num ?? 0) / 10000));
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function adminUrlOf(database: BenchDatabase): string {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error(`BENCH_DATABASE_URL is not set: cannot copy the ${database.label} database`);
  return url;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

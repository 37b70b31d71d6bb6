import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { Cleanup } from './cleanup';
import { copyPgliteTemplate } from './pglite-template';
import type { BenchDatabase, DatabaseKind } from './types';

export const EMBEDDED_LABEL = 'PGlite (embedded)';

/** The databases a run measures: always the embedded one, PostgreSQL too when BENCH_DATABASE_URL is set. */
export function databaseKinds(adminUrl: string | undefined): DatabaseKind[] {
  return adminUrl ? ['embedded', 'postgres'] : ['embedded'];
}

export async function postgresVersion(adminUrl: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await admin<{ server_version: string }[]>`show server_version`;
    return row?.server_version.split(' ')[0] ?? 'unknown';
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * An empty database and data directory, as a first start of the product would see them.
 * PostgreSQL gets a new database on the admin URL's server, dropped (with its connections) afterwards.
 */
export async function createBenchDatabase(options: {
  kind: DatabaseKind;
  adminUrl: string | undefined;
  postgresLabel: string;
  cleanup: Cleanup;
  log(message: string): void;
}): Promise<BenchDatabase> {
  const { kind, adminUrl, cleanup } = options;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-bench-'));
  cleanup.defer(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const base = { DATA_DIR: dataDir, SECRET_KEY: randomBytes(32).toString('base64url') };
  if (kind === 'embedded') {
    // Where the product keeps PGlite's files (DATA_DIR/pglite): an initdb'd, empty cluster.
    await copyPgliteTemplate({ target: path.join(dataDir, 'pglite'), log: options.log });
    return { kind, label: EMBEDDED_LABEL, env: base };
  }

  if (!adminUrl) throw new Error('BENCH_DATABASE_URL is not set');
  const name = `lm_bench_${randomBytes(6).toString('hex')}`;
  await onAdmin(adminUrl, (admin) => admin.unsafe(`CREATE DATABASE "${name}"`));
  cleanup.defer(`drop database ${name}`, () =>
    onAdmin(adminUrl, (admin) => admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
  return { kind, label: options.postgresLabel, env: { ...base, DATABASE_URL: withDatabase(adminUrl, name) } };
}

async function onAdmin(adminUrl: string, fn: (admin: postgres.Sql) => Promise<unknown>): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await fn(admin);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** The URL as it may appear in a report: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startPgliteHost } from '../src/platform/db/embedded/embedded';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../src/platform/db/migrate';
import { JobQueue } from '../src/platform/jobs/queue';
import { createModules } from '../src/modules';
import { createDatabase, type Database } from '../src/platform/db/database';
import { loadConfig } from '../src/platform/config';
import { createLogger } from '../src/platform/logger';
import { createSecrets } from '../src/platform/crypto/secrets';
import { createLocalBus } from '../src/platform/events/bus';
import { DomainEvents } from '../src/platform/events/domain-events';
import { systemClock } from '../src/platform/clock';

/**
 * A migrated database made once per change of the schema, cloned for every test file:
 * PGlite loads a dumped data directory; PostgreSQL uses CREATE DATABASE … TEMPLATE.
 */
export const TEST_DATA_DIR = fileURLToPath(new URL('../../../.test-data', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** Changes whenever a migration, the security SQL or the list of jobs changes. */
export function schemaFingerprint(): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(allJobs({} as Database).map((j) => [j.name, j.retryLimit, j.retryDelaySeconds, j.retryBackoff, j.expireInSeconds, j.cron])));
  const srcDir = fileURLToPath(new URL('../src', import.meta.url));
  const inputs = [
    ...listFiles(MIGRATIONS_FOLDER),
    path.join(srcDir, 'platform/db/security.ts'),
    path.join(srcDir, 'platform/jobs/queue.ts'),
  ].sort();
  for (const file of inputs) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** Every job the modules define (building them touches no database): the template needs all their queues. */
function allJobs(database: Database) {
  const logger = createLogger({ level: 'silent' });
  const bus = createLocalBus();
  const jobs = new JobQueue({ database, bus, logger });
  createModules({ config: loadConfig({}), logger, database, secrets: createSecrets(Buffer.alloc(32)), bus, jobs, clock: systemClock, events: new DomainEvents() });
  return jobs.all;
}

async function install(target: { url: string } | { socketPath: string }) {
  const database = createDatabase({ target, poolSize: 1 });
  try {
    await migrateDatabase({ target, afterMigrate: (owner) => JobQueue.install(owner, allJobs(database)) });
  } finally {
    await database.sql.end();
  }
}

export async function preparePgliteTemplate(): Promise<string> {
  const file = path.join(TEST_DATA_DIR, `pglite-template-${schemaFingerprint()}.tar`);
  if (existsSync(file)) return file;
  await mkdir(TEST_DATA_DIR, { recursive: true });
  const socketPath = path.join(TEST_DATA_DIR, `template-${process.pid}.sock`);
  const host = await startPgliteHost({ dataDir: null, socketPath });
  try {
    await install({ socketPath });
    await host.dump(`${file}.tmp`);
    await rename(`${file}.tmp`, file);
  } finally {
    await host.stop();
  }
  return file;
}

export function templateDatabaseName(): string {
  return `lm_template_${schemaFingerprint()}`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function preparePostgresTemplate(adminUrl: string): Promise<string> {
  const name = templateDatabaseName();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists) return name;
    const building = `${name}_building_${process.pid}`;
    await admin.unsafe(`DROP DATABASE IF EXISTS "${building}"`);
    await admin.unsafe(`CREATE DATABASE "${building}"`);
    await install({ url: withDatabase(adminUrl, building) });
    // Renaming last makes the template appear complete or not at all.
    try {
      await admin.unsafe(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch (err) {
      // Another test run built the same template meanwhile: theirs is as good as ours.
      if ((err as { code?: string }).code !== '42P04') throw err;
      await admin.unsafe(`DROP DATABASE IF EXISTS "${building}"`);
    }
    return name;
  } finally {
    await admin.end();
  }
}

export async function cleanupOldTemplates() {
  if (!existsSync(TEST_DATA_DIR)) return;
  const keep = `pglite-template-${schemaFingerprint()}.tar`;
  for (const name of readdirSync(TEST_DATA_DIR)) {
    if (name.startsWith('pglite-template-') && name !== keep) await rm(path.join(TEST_DATA_DIR, name), { force: true });
  }
}

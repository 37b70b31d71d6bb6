import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startPgliteHost } from '../src/platform/db/embedded/embedded';
import { createDatabase, type Database } from '../src/platform/db/database';
import { preparePgliteTemplate, templateDatabaseName, withDatabase } from './template';

export type TestDatabase = Database & {
  /** A connection as the database owner, for tests that inspect the catalogue. */
  ownerUrlOrSocket: { url: string } | { socketPath: string };
};

/** A private, migrated database for one test file (PGlite by default, PostgreSQL with TEST_DATABASE_URL). */
export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `lm_test_${randomBytes(6).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabaseName()}"`);
    await admin.end();
    const target = { url: withDatabase(adminUrl, name) };
    const database = createDatabase({
      target,
      poolSize: options.poolSize ?? 5,
      onClose: async () => {
        const cleanup = postgres(adminUrl, { max: 1, onnotice: () => undefined });
        await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await cleanup.end();
      },
    });
    return Object.assign(database, { ownerUrlOrSocket: target });
  }
  const template = await preparePgliteTemplate();
  const socketPath = path.join(os.tmpdir(), `lm-test-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  const host = await startPgliteHost({ dataDir: null, socketPath, loadFrom: template });
  const database = createDatabase({ target: { socketPath }, poolSize: 1, onClose: () => host.stop() });
  return Object.assign(database, { ownerUrlOrSocket: { socketPath } });
}

export const usingRealPostgres = () => Boolean(process.env.TEST_DATABASE_URL);

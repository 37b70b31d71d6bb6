import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Sql } from 'postgres';
import { createSql, type DatabaseTarget } from './database';
import { SECURITY_SQL } from './security';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** Any constant works; it only has to be the same in every process of the installation. */
const MIGRATION_LOCK = 7_204_551_301;

/**
 * Brings the schema up to date as the connecting (owner) user: Drizzle migrations, then the
 * row-level security that covers every tenant table, then whatever else needs the owner
 * (the job queue's schema). Serialised across processes by an advisory lock.
 */
export async function migrateDatabase(options: {
  target: DatabaseTarget;
  afterMigrate?: (ownerSql: Sql) => Promise<void>;
}): Promise<void> {
  const owner = createSql(options.target, { max: 1 });
  try {
    await owner`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      // Trigram search; btree_gin lets a GIN index lead with tenant_id; unaccent folds accents for search.
      await owner.unsafe('CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gin; CREATE EXTENSION IF NOT EXISTS unaccent').simple();
      await migrate(drizzle({ client: owner }), { migrationsFolder: MIGRATIONS_FOLDER });
      await owner.unsafe(SECURITY_SQL).simple();
      await options.afterMigrate?.(owner);
    } finally {
      await owner`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await owner.end({ timeout: 5 });
  }
}

/** True when every migration in the folder has been applied (what `/ready` reports). */
let latestMigration: number | undefined;

export async function isMigrated(sql: Sql): Promise<boolean> {
  latestMigration ??= readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).at(-1)?.folderMillis ?? 0;
  const latest = latestMigration;
  const rows = await sql<{ applied: string | null }[]>`select app_schema_version() as applied`;
  return Number(rows[0]?.applied ?? 0) >= latest;
}

import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import type { Runtime } from '../../apps/server/src/runtime';
import { provisionTenant } from '../../apps/server/src/modules/identity';
import { createSql } from '../../apps/server/src/platform/db/database';
import { writeContactsCsv } from './contacts-csv';
import type { BenchDatabase, Figure, ScenarioContext } from './types';

/** The mode the bench imports with: in-file duplicates and contacts already in the tenant are skipped. */
export const IMPORT_MODE = 'skip-existing' as const;

/** What the import guesses for the Spanish header of the generated file. */
export const BASE_MAPPING = { Nombre: 'firstName', Apellido: 'lastName', Empresa: 'company', Celular: 'phone', Email: 'email' };

/** Rows of the generated file: the million, or 20,000 for `--quick`. */
export const importRowsFor = (quick: boolean) => (quick ? 20_000 : 1_000_000);

/**
 * Rows the contacts scenarios use on PGlite in a full run. A million-row import into PGlite is
 * impractically long on the 2-core bench machine: the attempt with this revision's import had reached
 * 822,000 rows after 11 minutes (load average 12-18 from other work), its rate falling from ~2,300
 * to ~150 rows/s as the table and its trigram indexes grew; PostgreSQL runs the full million.
 */
export const EMBEDDED_DATASET_ROWS = 200_000;
export const EMBEDDED_SIZE_NOTE =
  'PGlite: 200,000 rows instead of 1,000,000. A million-row import into PGlite is impractically long on this 2-core machine: an attempt with this revision reached 822,000 rows after 11 minutes (load average 12–18 from other work on the machine), its rate falling from about 2,300 to about 150 rows/s as the table and its trigram indexes grew. PostgreSQL runs the full million.';
export const datasetRowsFor = (quick: boolean, kind: 'embedded' | 'postgres') => (quick ? importRowsFor(true) : kind === 'embedded' ? EMBEDDED_DATASET_ROWS : importRowsFor(false));

/** The snapshot the rescore scenario starts from: the tenant holding the imported contacts. */
export type ImportedContacts = { tenantId: string; secretKey: string; rows: number; inserted: number };
export const importedContactsSnapshot = (rows: number) => `contacts-import-${rows}`;

/** Writes the generated CSV into a temporary folder removed by the cleanup. */
export async function generateContactsCsv(ctx: ScenarioContext, options: { rows: number; extraColumns?: boolean; seed?: number }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lm-bench-csv-'));
  ctx.cleanup.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'contactos.csv');
  const started = performance.now();
  const stats = await writeContactsCsv({ file, rows: options.rows, ...(options.extraColumns ? { extraColumns: true } : {}), ...(options.seed ? { seed: options.seed } : {}) });
  ctx.log(`generated ${stats.rows.toLocaleString('en-US')} rows (${(stats.bytes / 1024 / 1024).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { file, dir, stats };
}

export type ImportRecord = { processedRows: number; inserted: number; updated: number; skipped: number; rejected: number; status: string };

export type ImportTiming = {
  record: ImportRecord;
  mapping: Record<string, string>;
  /** `imports.create`: the upload stored in the database, its format sniffed, a preview parsed. */
  storeSeconds: number;
  /** `imports.run`: every row parsed, checked, deduplicated, written and scored. */
  runSeconds: number;
  totalSeconds: number;
};

/** A tenant as the operator CLI creates one (`provisionTenant` in a transaction without a tenant). */
export async function provisionArgentineTenant(runtime: Runtime, options: { name: string; slug: string }): Promise<string> {
  const { tenant } = await runtime.deps.database.withoutTenant((tx) =>
    provisionTenant(tx, { name: options.name, slug: options.slug, country: 'AR', timezone: 'America/Argentina/Buenos_Aires', locale: 'es' }),
  );
  return tenant.id;
}

/**
 * Imports a CSV file exactly as `leadmaster import contacts FILE --tenant SLUG` does: stored upload,
 * guessed mapping, foreground run in batches. `onProgress` receives the rows processed so far.
 */
export async function importContactsFile(options: {
  runtime: Runtime;
  tenantId: string;
  file: string;
  consent?: { channel: 'whatsapp'; source: string };
  onProgress?: (processedRows: number) => void;
}): Promise<ImportTiming> {
  const { tenantId } = options;
  const { imports } = options.runtime.modules.contacts;
  const started = performance.now();
  const preview = await imports.create({ principal: { tenantId, userId: null }, fileName: path.basename(options.file), source: createReadStream(options.file) });
  const stored = performance.now();
  const mapping = preview.guessedMapping;
  await imports.prepareForeground({
    tenantId,
    importId: preview.import.id,
    body: { mapping, mode: IMPORT_MODE, tags: [], ...(options.consent ? { consent: options.consent } : {}) },
  });
  const ran = performance.now();
  const done = await imports.run({
    tenantId,
    importId: preview.import.id,
    onProgress: async (row) => options.onProgress?.(row.processedRows),
  });
  const finished = performance.now();
  if (done.status !== 'completed') throw new Error(`the import ended as ${done.status}: ${done.error ?? ''}`);
  return {
    record: { processedRows: done.processedRows, inserted: done.inserted, updated: done.updated, skipped: done.skipped, rejected: done.rejected, status: done.status },
    mapping,
    storeSeconds: (stored - started) / 1000,
    runSeconds: (finished - ran) / 1000,
    totalSeconds: (finished - started) / 1000,
  };
}

/** Fails when the guessed mapping is not the one the file was written for. */
export function expectMapping(mapping: Record<string, string>, expected: Record<string, string>): void {
  for (const [column, field] of Object.entries(expected)) {
    if (mapping[column] !== field) throw new Error(`the import mapped column "${column}" to "${mapping[column] ?? 'nothing'}", expected "${field}" (mapping: ${JSON.stringify(mapping)})`);
  }
}

/** A connection as the database owner (the app role may not create tables), closed by the cleanup. */
export function ownerConnection(ctx: ScenarioContext, runtime: Runtime): postgres.Sql {
  const owner = createSql(runtime.deps.database.target, { max: 1 });
  ctx.cleanup.defer('close owner connection', () => owner.end({ timeout: 5 }));
  return owner;
}

/**
 * The physical limit: the same file loaded by `COPY` into a table without indexes, constraints or
 * triggers, in the same database. PostgreSQL gets it from the client (`COPY … FROM STDIN` through
 * postgres.js); PGlite reads it from its own data directory (`COPY … FROM '<file>'`), because a
 * `COPY … FROM STDIN` sent to the embedded database's socket terminates the database (see the notes).
 */
export async function copyBaseline(options: { ctx: ScenarioContext; database: BenchDatabase; owner: postgres.Sql; file: string; columns: readonly string[] }): Promise<{ seconds: number; rows: number }> {
  const { owner, file, database } = options;
  const table = `bench_copy_${randomBytes(4).toString('hex')}`;
  const columns = options.columns.map((_, i) => `c${i} text`).join(', ');
  await owner.unsafe(`CREATE TABLE ${table} (${columns})`);
  try {
    const copyOptions = `(FORMAT csv, DELIMITER ';', HEADER true, ENCODING 'UTF8')`;
    let seconds: number;
    if (database.kind === 'postgres') {
      const started = performance.now();
      const writable = await owner.unsafe(`COPY ${table} FROM STDIN ${copyOptions}`).writable();
      await pipeline(createReadStream(file), writable);
      seconds = (performance.now() - started) / 1000;
    } else {
      // The data directory is mounted inside PGlite's file system at `data_directory`.
      const [{ data_directory: inside } = { data_directory: '' }] = await owner<{ data_directory: string }[]>`show data_directory`;
      const name = `${table}.csv`;
      const outside = path.join(database.env.DATA_DIR!, 'pglite', name);
      await copyFile(file, outside);
      try {
        const started = performance.now();
        await owner.unsafe(`COPY ${table} FROM '${inside}/${name}' ${copyOptions}`);
        seconds = (performance.now() - started) / 1000;
      } finally {
        await rm(outside, { force: true });
      }
    }
    const [{ count } = { count: 0 }] = await owner.unsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM ${table}`);
    return { seconds, rows: count };
  } finally {
    await owner.unsafe(`DROP TABLE IF EXISTS ${table}`);
  }
}

export type TableWrites = { inserts: number; updates: number; hotUpdates: number };

/**
 * Row writes PostgreSQL counted on `contacts` (pg_stat_user_tables). Backends report their counts at the
 * end of a transaction at most once a second, and when they exit: on PostgreSQL call this after the
 * product's connections closed; PGlite is one backend, so a statement a second later makes it report.
 */
export async function contactsWrites(owner: postgres.Sql, kind: BenchDatabase['kind']): Promise<TableWrites> {
  await new Promise((resolve) => setTimeout(resolve, kind === 'embedded' ? 1_100 : 500));
  await owner`select 1`;
  const [row] = await owner<{ ins: number; upd: number; hot: number }[]>`
    select n_tup_ins::float8 as ins, n_tup_upd::float8 as upd, n_tup_hot_upd::float8 as hot from pg_stat_user_tables where relname = 'contacts'`;
  return { inserts: row?.ins ?? 0, updates: row?.upd ?? 0, hotUpdates: row?.hot ?? 0 };
}

/** What an operation wrote to `contacts`: a non-HOT update writes a new entry in every index. */
export function writesFigures(before: TableWrites, after: TableWrites, prefix: string): Figure[] {
  const inserts = after.inserts - before.inserts;
  const updates = after.updates - before.updates;
  const hot = after.hotUpdates - before.hotUpdates;
  return [
    { name: `${prefix}: rows inserted into contacts`, value: inserts, unit: '', decimals: 0 },
    { name: `${prefix}: rows updated in contacts`, value: updates, unit: '', decimals: 0 },
    {
      name: `${prefix}: updates that were HOT (no index entry written)`,
      value: updates > 0 ? (100 * hot) / updates : 0,
      unit: '%',
      decimals: 1,
      detail: `${hot.toLocaleString('en-US')} of ${updates.toLocaleString('en-US')}; the others wrote a new entry in each of the table's indexes`,
    },
  ];
}

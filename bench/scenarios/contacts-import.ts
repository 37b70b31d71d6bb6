import { sql } from 'drizzle-orm';
import { BASE_COLUMNS, type ContactsCsvStats } from '../lib/contacts-csv';
import {
  BASE_MAPPING,
  copyBaseline,
  expectMapping,
  generateContactsCsv,
  importContactsFile,
  importedContactsSnapshot,
  importRowsFor,
  datasetRowsFor,
  EMBEDDED_SIZE_NOTE,
  IMPORT_MODE,
  contactsWrites,
  ownerConnection,
  provisionArgentineTenant,
  writesFigures,
  type ImportedContacts,
  type ImportTiming,
  type TableWrites,
} from '../lib/contacts-dataset';
import { EVENT_LOOP_RESOLUTION_MS, measureEventLoop, stallFigures } from '../lib/event-loop';
import { startInProcess } from '../lib/in-process';
import {
  activityFigures,
  classifyContactsStatement,
  cpuFigures,
  isLocalPostgres,
  measureCpu,
  memoryFigures,
  sampleMemory,
  samplePostgresActivity,
  type ActivityReport,
  type CpuReport,
  type MemoryReport,
} from '../lib/resources';
import { saveSnapshot } from '../lib/snapshots';
import type { BenchDatabase, Figure, Scenario, ScenarioContext } from '../lib/types';

/** The targets for the import, per database. */
const ROWS_PER_SECOND_TARGET = { postgres: 30_000, embedded: 15_000 } as const;
const MAX_STALL_MS = 50;
const MEMORY_SAMPLE_MS = 100;
const ACTIVITY_SAMPLE_MS = 20;

function countFigure(name: string, value: number, expected: number): Figure {
  return { name, value, unit: 'rows', decimals: 0, detail: value === expected ? `as the file holds (${expected.toLocaleString('en-US')})` : `**expected ${expected.toLocaleString('en-US')}**` };
}

function noteSettings(ctx: ScenarioContext, stats: ContactsCsvStats) {
  ctx.note(
    `The file: ${stats.rows.toLocaleString('en-US')} rows, ${(stats.bytes / 1024 / 1024).toFixed(0)} MB, header \`${stats.header.join(';')}\`, UTF-8 with \`;\`; Argentine names with accents, companies (some quoted), phones as \`011 15-xxxx-xxxx\`, \`+54 9 11 xxxx xxxx\`, \`54 11 …\`, \`(0351) 15 …\` and six other ways (landlines included) across seven area codes, ${stats.invalidPhones.toLocaleString('en-US')} (${((100 * stats.invalidPhones) / stats.rows).toFixed(1)}%) phones empty, garbage or incomplete, ${stats.duplicates.toLocaleString('en-US')} (${((100 * stats.duplicates) / stats.rows).toFixed(1)}%) rows repeating an earlier person with the number typed another way (half within 500 rows, half from anywhere earlier), ${stats.badEmails.toLocaleString('en-US')} malformed emails (rejected). Generated to a temporary file, never held in memory.`,
  );
  ctx.note(
    `Import: \`imports.create\` (the upload stored in the database in 512 KB chunks, format sniffed, mapping guessed), \`prepareForeground\` with mode \`${IMPORT_MODE}\`, then \`imports.run\` (rows mapped and phones parsed with libphonenumber on worker threads for files of 2 MB and more; the stored file handed to the CSV parser 32 KB at a time, with a turn of the event loop between; batches of 1,000 rows: in-file dedupe, existing contacts found by one index probe per phone key and email, scores computed before the insert (memoised per distinct inputs), one insert; the next batch parsed while one is written; ANALYZE at the end), exactly as \`leadmaster import contacts\`. Rows/s counts every row of the file, end to end (store + run).`,
  );
  ctx.note(
    'COPY baseline: the same file into a table of text columns without indexes, constraints or triggers, in the same database, before the import. PostgreSQL: `COPY … FROM STDIN` through postgres.js. PGlite: `COPY … FROM` a file in its data directory, because the embedded socket refuses `COPY … FROM STDIN` with an error (it passes PGlite one message at a time; PGlite used to exit when asked, with every later query hanging).',
  );
  ctx.note(
    `Memory: \`process.memoryUsage()\` every ${MEMORY_SAMPLE_MS} ms during the import. On PGlite the embedded database runs in a worker thread of the same process, so its WASM memory is part of the RSS. The growth figure is the largest RSS while the last quarter of the rows was processed minus the largest during the first quarter.`,
  );
  ctx.note(
    `Event loop: \`monitorEventLoopDelay\` (${EVENT_LOOP_RESOLUTION_MS} ms resolution) on the main thread, which runs the import, during store and run: an idle loop reads about ${EVENT_LOOP_RESOLUTION_MS} ms.`,
  );
  ctx.note(
    `Profile: CPU time per thread from /proc (main thread: CSV parsing, phone parsing, dedupe, query building, score computation; other threads: PGlite's worker, GC). PostgreSQL only: pg_stat_activity of the bench database sampled every ${ACTIVITY_SAMPLE_MS} ms from a separate connection, each sample counted once per kind of statement running (a sample can count for two kinds when two backends are busy), and the CPU of its backends read from /proc.`,
  );
}

type Measured = {
  figures: Figure[];
  snapshot: ImportedContacts;
  /** Row writes counted on contacts before the import, and a way to read them after it. */
  writesBefore: TableWrites;
  writesAfter(): Promise<TableWrites>;
  closeRuntime(): Promise<void>;
  closeOwner(): Promise<void>;
};

async function measureImport(options: { ctx: ScenarioContext; database: BenchDatabase }): Promise<Measured> {
  const { ctx, database } = options;
  const rows = datasetRowsFor(ctx.quick, database.kind);
  if (rows !== importRowsFor(ctx.quick)) ctx.note(EMBEDDED_SIZE_NOTE);
  const { file, stats } = await generateContactsCsv(ctx, { rows });
  noteSettings(ctx, stats);

  const { runtime, close } = await startInProcess(ctx, { env: database.env, http: false });
  const tenantId = await provisionArgentineTenant(runtime, { name: 'Importadora', slug: 'importadora' });
  const owner = ownerConnection(ctx, runtime);

  ctx.log(`${database.label}: raw COPY of the file`);
  const copy = await copyBaseline({ ctx, database, owner, file, columns: BASE_COLUMNS });
  if (copy.rows !== rows) throw new Error(`COPY loaded ${copy.rows} rows, the file has ${rows}`);
  const copyRate = rows / copy.seconds;
  ctx.log(`${database.label}: COPY ${copy.seconds.toFixed(1)} s (${Math.round(copyRate).toLocaleString('en-US')} rows/s); importing`);
  const writesBefore = await contactsWrites(owner, database.kind);

  let processed = 0;
  let lastLog = performance.now();
  const memory = sampleMemory({ intervalMs: MEMORY_SAMPLE_MS, progress: () => processed / rows });
  const cpu = measureCpu();
  const activity =
    database.kind === 'postgres'
      ? samplePostgresActivity({ sql: owner, intervalMs: ACTIVITY_SAMPLE_MS, classify: classifyContactsStatement, localServer: isLocalPostgres(database.env.DATABASE_URL) })
      : null;
  let timing: ImportTiming;
  let cpuReport: CpuReport;
  let activityReport: ActivityReport | null;
  let memoryReport: MemoryReport;
  let loop: Awaited<ReturnType<typeof measureEventLoop>>['delay'];
  try {
    const measured = await measureEventLoop(() =>
      importContactsFile({
        runtime,
        tenantId,
        file,
        onProgress: (n) => {
          processed = n;
          if (performance.now() - lastLog > 30_000) {
            lastLog = performance.now();
            ctx.log(`${database.label}: ${n.toLocaleString('en-US')} rows imported`);
          }
        },
      }),
    );
    timing = measured.result;
    loop = measured.delay;
  } finally {
    cpuReport = cpu.stop();
    memoryReport = memory.stop();
    activityReport = activity ? await activity.stop() : null;
  }
  expectMapping(timing.mapping, BASE_MAPPING);
  const rate = rows / timing.totalSeconds;
  ctx.log(`${database.label}: imported in ${timing.totalSeconds.toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} rows/s)`);

  const { database: db } = runtime.deps;
  const [phones] = await db.withTenant(tenantId, (tx) =>
    tx.execute<{ valid: number; invalid: number; bytes: number }>(
      sql`select count(*) filter (where phone_valid)::int as valid, count(*) filter (where not phone_valid)::int as invalid,
                 pg_total_relation_size('contacts')::float8 as bytes
            from contacts where tenant_id = ${tenantId}`,
    ),
  );
  const counts = timing.record;
  const mismatch = counts.inserted !== stats.expected.inserted || counts.skipped !== stats.expected.skipped || counts.rejected !== stats.expected.rejected;
  if (mismatch) ctx.log(`${database.label}: the counts differ from what the file holds: ${JSON.stringify(counts)} vs ${JSON.stringify(stats.expected)}`);

  const figures: Figure[] = [
    {
      name: 'Import throughput, end to end (store + run)',
      value: rate,
      unit: 'rows/s',
      decimals: 0,
      target: { op: '>=', value: ROWS_PER_SECOND_TARGET[database.kind] },
    },
    { name: 'Import total time', value: timing.totalSeconds, unit: 's', decimals: 1, detail: `${rows.toLocaleString('en-US')} rows` },
    { name: 'Storing the upload (imports.create)', value: timing.storeSeconds, unit: 's', decimals: 1 },
    { name: 'Importing the rows (imports.run)', value: timing.runSeconds, unit: 's', decimals: 1, detail: `${Math.round(rows / timing.runSeconds).toLocaleString('en-US')} rows/s` },
    { name: 'Raw COPY of the same file into an unindexed table', value: copyRate, unit: 'rows/s', decimals: 0, detail: `${copy.seconds.toFixed(1)} s` },
    {
      name: 'Import throughput as a share of COPY',
      value: (100 * rate) / copyRate,
      unit: '%',
      decimals: 1,
      detail: `COPY is ${(copyRate / rate).toFixed(0)}× faster`,
    },
    countFigure('Rows inserted', counts.inserted, stats.expected.inserted),
    countFigure('Rows skipped (duplicates)', counts.skipped, stats.expected.skipped),
    countFigure('Rows rejected (malformed email)', counts.rejected, stats.expected.rejected),
    countFigure('Contacts with a phone flagged invalid', phones?.invalid ?? 0, stats.expected.phoneInvalid),
    { name: 'Contacts table size after the import (with indexes and TOAST)', value: (phones?.bytes ?? 0) / 1024 / 1024, unit: 'MB', decimals: 0 },
    ...memoryFigures(memoryReport, 'Memory during the import', { embedded: database.kind === 'embedded', growthTarget: true }),
    ...stallFigures({ prefix: 'Event-loop delay during the import', delay: loop, target: { op: '<', value: MAX_STALL_MS } }),
    ...cpuFigures(cpuReport, activityReport?.backendCpuSeconds ?? null, 'Profile of the import', { count: rows, unit: 'row' }),
    ...(activityReport ? activityFigures(activityReport, 'PostgreSQL activity') : []),
  ];
  return {
    figures,
    snapshot: { tenantId, secretKey: database.env.SECRET_KEY!, rows, inserted: counts.inserted },
    writesBefore,
    writesAfter: () => contactsWrites(owner, database.kind),
    closeRuntime: close,
    closeOwner: () => owner.end({ timeout: 5 }),
  };
}

export const contactsImport: Scenario = {
  name: 'contacts-import',
  title: 'Importing a million contacts from a CSV file',
  description: `
A generated CSV of Argentine contacts (1,000,000 rows; PGlite: 200,000; \`--quick\`: 20,000) with a Spanish header, phones in
every usual format, about 10% unusable phones and 5% repeated people, is imported into a fresh tenant the way
\`leadmaster import contacts FILE --tenant SLUG\` does it: the upload stored in the database, then the rows
parsed, phone-normalised (on worker threads), deduplicated (\`skip-existing\`), scored and written in batches of 1,000. The product
runs in the bench process (\`startRuntime\`), so its memory, event loop and CPU can be watched throughout. The
physical limit is measured in the same run and database: a raw \`COPY\` of the same file into a table without
indexes. Targets (issue): at least 30,000 rows/s on PostgreSQL and 15,000 rows/s on PGlite, memory flat, no
event-loop stall above 50 ms.`,

  async forDatabase(ctx, database) {
    const measured = await measureImport({ ctx, database });
    // PostgreSQL's backends report their row counts when they exit; PGlite's ends with the runtime.
    let writesAfter: TableWrites;
    if (database.kind === 'postgres') {
      await measured.closeRuntime();
      writesAfter = await measured.writesAfter();
    } else {
      writesAfter = await measured.writesAfter();
      await measured.closeRuntime();
    }
    await measured.closeOwner();
    // The rescore scenario of this run starts from these contacts instead of importing them again
    // (a database is copied only when nothing is connected to it).
    await saveSnapshot({ name: importedContactsSnapshot(measured.snapshot.rows), database, meta: measured.snapshot, log: ctx.log });
    return [...measured.figures, ...writesFigures(measured.writesBefore, writesAfter, 'Writes of the import')];
  },
};

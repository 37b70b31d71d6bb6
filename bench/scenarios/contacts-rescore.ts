import { sql } from 'drizzle-orm';
import {
  BASE_MAPPING,
  contactsWrites,
  expectMapping,
  generateContactsCsv,
  importContactsFile,
  importedContactsSnapshot,
  importRowsFor,
  datasetRowsFor,
  EMBEDDED_SIZE_NOTE,
  ownerConnection,
  provisionArgentineTenant,
  writesFigures,
  type ImportedContacts,
  type TableWrites,
} from '../lib/contacts-dataset';
import { measureEventLoop, stallFigures } from '../lib/event-loop';
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
import { restoreSnapshot } from '../lib/snapshots';
import type { Figure, Scenario } from '../lib/types';

/** The issue's target, on PostgreSQL; PGlite is reported without one. */
const CONTACTS_PER_SECOND_TARGET = 50_000;
const ACTIVITY_SAMPLE_MS = 20;
const RESCORE_RULES = [
  { id: 'bench-source', label: 'imported', field: 'source', op: 'exists', points: 30 },
  { id: 'bench-company', label: 'has a company', field: 'company', op: 'exists', points: 20 },
] as const;

export const contactsRescore: Scenario = {
  name: 'contacts-rescore',
  title: 'Re-scoring every contact of a tenant',
  description: `
\`scoring.rescoreAll\` over a tenant holding the contacts of the \`contacts-import\` file (1,000,000 rows,
about 946,000 contacts; PGlite: 200,000 rows; \`--quick\`: 20,000 rows) after its potential rules changed, so that every contact's
score changes: pages of 2,000 contacts, each read with its consent (one statement) and message signals, scored
in JavaScript (once per distinct set of inputs) and written back in one statement where changed, a transaction
per page, the next page read while the current one is written. Contacts pages are filled to half (fillfactor
50), so a row's new version fits on its page: a HOT update, no new index entry (the last figure). The
database is the one \`contacts-import\` built earlier in the same run (a copy of it), or, when this scenario
runs alone, one built the same way first. Target (issue): at least 50,000 contacts/s on PostgreSQL.`,

  async forDatabase(ctx, database) {
    const rows = datasetRowsFor(ctx.quick, database.kind);
    if (rows !== importRowsFor(ctx.quick)) ctx.note(EMBEDDED_SIZE_NOTE);
    const restored = await restoreSnapshot<ImportedContacts>({ name: importedContactsSnapshot(rows), database, log: ctx.log });
    const env = restored ? { ...database.env, SECRET_KEY: restored.secretKey } : database.env;
    const { runtime, close } = await startInProcess(ctx, { env, http: false });
    let tenantId: string;
    if (restored) {
      tenantId = restored.tenantId;
      ctx.note('The contacts are those `contacts-import` imported earlier in the same run (its database, copied after the import).');
    } else {
      tenantId = await provisionArgentineTenant(runtime, { name: 'Importadora', slug: 'importadora' });
      const { file } = await generateContactsCsv(ctx, { rows });
      ctx.log(`${database.label}: importing the contacts to re-score (not measured)`);
      const timing = await importContactsFile({ runtime, tenantId, file });
      expectMapping(timing.mapping, BASE_MAPPING);
      ctx.log(`${database.label}: imported in ${timing.totalSeconds.toFixed(0)} s`);
      ctx.note('The contacts were imported by this scenario first (not measured), as `contacts-import` does, because it did not run before in the same run.');
    }
    const { database: db } = runtime.deps;
    const [stats] = await db.withTenant(tenantId, (tx) => tx.execute<{ contacts: number }>(sql`select count(*)::int as contacts from contacts where tenant_id = ${tenantId}`));
    const contacts = stats?.contacts ?? 0;
    if (contacts === 0) throw new Error('the tenant has no contacts to re-score');

    const owner = ownerConnection(ctx, runtime);
    const writesBefore = await contactsWrites(owner, database.kind);
    let done = 0;
    let lastLog = performance.now();
    const memory = sampleMemory({ intervalMs: 100, progress: () => done / contacts });
    const cpu = measureCpu();
    const activity =
      database.kind === 'postgres'
        ? samplePostgresActivity({ sql: owner, intervalMs: ACTIVITY_SAMPLE_MS, classify: classifyContactsStatement, localServer: isLocalPostgres(database.env.DATABASE_URL) })
        : null;
    // What triggers a re-score in the product: new potential rules. These match every contact, so
    // every contact's score changes and every row is written (a re-score that changes no score
    // writes nothing, which would measure only the reading).
    await db.withTenant(tenantId, (tx) =>
      tx.execute(sql`insert into scoring_settings (tenant_id, potential_rules) values (${tenantId}, ${JSON.stringify(RESCORE_RULES)}::jsonb)
                     on conflict (tenant_id) do update set potential_rules = excluded.potential_rules`),
    );
    ctx.note(
      `Before the re-score the tenant's potential rules are replaced by two that match every contact (${RESCORE_RULES.map((r) => `\`${r.field} ${r.op}\` +${r.points}`).join(', ')}), as a change of rules in the settings does: every contact's potential changes, so every row is written. The product writes only scores that changed; a re-score with unchanged rules reads every contact and writes nothing.`,
    );
    ctx.log(`${database.label}: re-scoring ${contacts.toLocaleString('en-US')} contacts`);
    let rescored: number;
    let seconds: number;
    let loop: Awaited<ReturnType<typeof measureEventLoop>>['delay'];
    let cpuReport: CpuReport;
    let memoryReport: MemoryReport;
    let activityReport: ActivityReport | null;
    try {
      const started = performance.now();
      const measured = await measureEventLoop(() =>
        runtime.modules.scoring.scoring.rescoreAll({
          tenantId,
          onProgress: async (n) => {
            done = n;
            if (performance.now() - lastLog > 30_000) {
              lastLog = performance.now();
              ctx.log(`${database.label}: ${n.toLocaleString('en-US')} contacts re-scored`);
            }
          },
        }),
      );
      seconds = (performance.now() - started) / 1000;
      rescored = measured.result;
      loop = measured.delay;
    } finally {
      cpuReport = cpu.stop();
      memoryReport = memory.stop();
      activityReport = activity ? await activity.stop() : null;
    }
    if (rescored !== contacts) throw new Error(`rescoreAll reported ${rescored} contacts, the tenant has ${contacts}`);
    // PostgreSQL's backends report their row counts when they exit; PGlite's ends with the runtime.
    let writesAfter: TableWrites;
    if (database.kind === 'postgres') {
      await close();
      writesAfter = await contactsWrites(owner, database.kind);
    } else {
      writesAfter = await contactsWrites(owner, database.kind);
    }
    const rate = rescored / seconds;
    ctx.log(`${database.label}: ${Math.round(rate).toLocaleString('en-US')} contacts/s`);
    ctx.note(
      `Profile: CPU per thread from /proc; on PostgreSQL, pg_stat_activity of the bench database sampled every ${ACTIVITY_SAMPLE_MS} ms (share of samples in which a statement of each kind ran) and the CPU of its backends.`,
    );

    return [
      {
        name: 'Re-score throughput',
        value: rate,
        unit: 'contacts/s',
        decimals: 0,
        ...(database.kind === 'postgres' ? { target: { op: '>=' as const, value: CONTACTS_PER_SECOND_TARGET } } : {}),
      },
      { name: 'Contacts re-scored', value: rescored, unit: '', decimals: 0 },
      { name: 'Re-score time', value: seconds, unit: 's', decimals: 1 },
      ...memoryFigures(memoryReport, 'Memory during the re-score', { embedded: database.kind === 'embedded', growthTarget: false }),
      ...stallFigures({ prefix: 'Event-loop delay during the re-score', delay: loop }),
      ...cpuFigures(cpuReport, activityReport?.backendCpuSeconds ?? null, 'Profile of the re-score', { count: rescored, unit: 'contact' }),
      ...(activityReport ? activityFigures(activityReport, 'PostgreSQL activity') : []),
      ...writesFigures(writesBefore, writesAfter, 'Writes of the re-score'),
    ] satisfies Figure[];
  },
};

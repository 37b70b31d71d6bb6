import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createHistogram } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { ContactListQuery } from '@leadmaster/contracts';
import { findTenantIdBySlug } from '../../apps/server/src/modules/tenants';
import { fieldDefinitions } from '../../apps/server/src/modules/contacts/contacts.tables';
import { filterFromQuery } from '../../apps/server/src/modules/contacts/contacts.routes';
import { findContacts, isCursorFor } from '../../apps/server/src/modules/contacts/contacts.repository';
import { decodeCursor, encodeCursor } from '../../apps/server/src/platform/http/cursor';
import type { Runtime } from '../../apps/server/src/runtime';
import { injectCaller, provisionBenchTenant, type HttpCall } from '../lib/bench-tenant';
import { RUBROS, TAGS, type ContactsCsvStats } from '../lib/contacts-csv';
import { BASE_MAPPING, EMBEDDED_DATASET_ROWS, EMBEDDED_SIZE_NOTE, expectMapping, generateContactsCsv, importContactsFile, provisionArgentineTenant } from '../lib/contacts-dataset';
import { describeScans, statementCapture, summarizePlan } from '../lib/explain';
import { startInProcess } from '../lib/in-process';
import type { Figure, Scenario, ScenarioContext } from '../lib/types';

/** The target for every query's server time. */
const P95_TARGET_MS = 30;
const PAGE = 50;
/** Rows of the small second tenant (plus the searched contacts, copied into it). */
const OTHER_TENANT_ROWS = 2_000;
const SEARCH_MAPPING = { ...BASE_MAPPING, Etiquetas: 'tags', Rubro: 'attr:rubro', Consentimiento: 'consent' };

/**
 * Requests per query: `iterations`, unless they take longer than `maxSeconds` (a query that scans the whole
 * tenant takes seconds), and then at least `minIterations`.
 */
type Settings = { rows: number; warmup: number; iterations: number; minIterations: number; maxSeconds: number };
const settingsFor = (quick: boolean, kind: 'embedded' | 'postgres'): Settings =>
  quick
    ? { rows: 10_000, warmup: 6, iterations: 15, minIterations: 15, maxSeconds: 2 }
    : { rows: kind === 'embedded' ? EMBEDDED_DATASET_ROWS : 1_000_000, warmup: 10, iterations: 200, minIterations: 20, maxSeconds: 30 };

type Query = {
  label: string;
  /** The query string of GET /api/v1/contacts. */
  query: string;
  /** How many contacts the first page must hold; null when any number is right. */
  expectItems: number | null;
  /** A contact that must be on the page (the one searched for). */
  expectId?: string;
};

/** The custom field the file's `Rubro` column imports into. */
async function defineRubro(runtime: Runtime, tenantId: string) {
  await runtime.deps.database.withTenant(tenantId, (tx) =>
    tx.insert(fieldDefinitions).values({ tenantId, key: 'rubro', label: 'Rubro', type: 'choice', choices: [...RUBROS] }),
  );
}

/** The second tenant's file: the first rows of the big one plus the searched rows, so every query has matches there too. */
async function writeOtherTenantFile(options: { source: string; target: string; stats: ContactsCsvStats }) {
  const lines: string[] = [];
  const reader = createInterface({ input: createReadStream(options.source), crlfDelay: Infinity });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length > OTHER_TENANT_ROWS) break;
  }
  reader.close();
  lines.push(...options.stats.probes.map((p) => p.line));
  await writeFile(options.target, `${lines.join('\r\n')}\r\n`);
}

async function contactIds(runtime: Runtime, tenantId: string, where: ReturnType<typeof sql> = sql`true`): Promise<string[]> {
  const rows = await runtime.deps.database.withTenant(tenantId, (tx) =>
    tx.execute<{ id: string }>(sql`select id from contacts where tenant_id = ${tenantId} and ${where}`),
  );
  return rows.map((r) => r.id);
}

type Measured = { p50: number; p95: number; p99: number; items: number; requests: number };

/** Server time of one request, repeated: app.inject runs the whole request (auth, tenant transaction, queries, JSON) in-process. */
async function measureQuery(options: { call: HttpCall; apiKey: string; query: Query; settings: Settings; otherTenant: Set<string> }): Promise<Measured> {
  const { call, query, settings } = options;
  const request = { method: 'GET' as const, path: `/api/v1/contacts?${query.query}`, headers: { authorization: `Bearer ${options.apiKey}` } };
  const first = await call(request);
  if (first.status !== 200) throw new Error(`${query.label}: GET ${request.path} answered ${first.status}: ${JSON.stringify(first.body)}`);
  const items = (first.body as { items: { id: string }[] }).items;
  const leaked = items.filter((i) => options.otherTenant.has(i.id));
  if (leaked.length) throw new Error(`${query.label}: ${leaked.length} contacts of the other tenant in the answer`);
  if (query.expectItems !== null && items.length !== query.expectItems) throw new Error(`${query.label}: ${items.length} contacts, expected ${query.expectItems}`);
  if (query.expectId && !items.some((i) => i.id === query.expectId)) throw new Error(`${query.label}: the searched contact is not in the answer`);
  // At least six executions first: PostgreSQL's plan cache picks a custom or a generic plan after five.
  const warmDeadline = performance.now() + settings.maxSeconds * 500;
  for (let i = 0; i < settings.warmup && (i < 6 || performance.now() < warmDeadline); i++) await call(request);
  const histogram = createHistogram();
  const deadline = performance.now() + settings.maxSeconds * 1000;
  for (let i = 0; i < settings.iterations && (i < settings.minIterations || performance.now() < deadline); i++) {
    const started = performance.now();
    const res = await call(request);
    histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
    if (res.status !== 200) throw new Error(`${query.label}: answered ${res.status} on repetition ${i}`);
  }
  const ms = (p: number) => histogram.percentile(p) / 1000;
  return { p50: ms(50), p95: ms(95), p99: ms(99), items: items.length, requests: histogram.count };
}

async function buildDataset(ctx: ScenarioContext, runtime: Runtime, settings: Settings, label: string) {
  const call = injectCaller(runtime.http!.app);
  // Tenant A as a new installation creates it (setup over the API), with an API key that may read contacts.
  const credentials = await provisionBenchTenant({ call, origin: 'http://localhost', permissions: ['contacts.read'] });
  const tenantA = await runtime.deps.database.withoutTenant((tx) => findTenantIdBySlug(tx, 'bench'));
  if (!tenantA) throw new Error('the setup created no tenant "bench"');
  await defineRubro(runtime, tenantA);
  const { file, dir, stats } = await generateContactsCsv(ctx, { rows: settings.rows, extraColumns: true });
  ctx.log(`${label}: importing ${settings.rows.toLocaleString('en-US')} rows into the searched tenant (not measured)`);
  const consent = { channel: 'whatsapp' as const, source: 'bench import' };
  const imported = await importContactsFile({ runtime, tenantId: tenantA, file, consent });
  expectMapping(imported.mapping, SEARCH_MAPPING);
  ctx.log(`${label}: imported in ${imported.totalSeconds.toFixed(0)} s (${imported.record.inserted.toLocaleString('en-US')} contacts)`);

  const tenantB = await provisionArgentineTenant(runtime, { name: 'Otra empresa', slug: 'otra' });
  await defineRubro(runtime, tenantB);
  const otherFile = path.join(dir, 'otra.csv');
  await writeOtherTenantFile({ source: file, target: otherFile, stats });
  const other = await importContactsFile({ runtime, tenantId: tenantB, file: otherFile, consent });
  return { call, apiKey: credentials.apiKey, tenantA, tenantB, stats, imported, other };
}

export const contactsSearch: Scenario = {
  name: 'contacts-search',
  title: 'Searching and listing a million contacts',
  description: `
Server time of \`GET /api/v1/contacts\` (the whole request through Fastify's \`inject\`: API-key check, tenant
transaction, list query, consent lookup, JSON) on a tenant holding the contacts of a 1,000,000-row import (PGlite: 200,000)
(\`--quick\`: 10,000) with tags, a custom \`rubro\` attribute and WhatsApp consent for about 30% of them, next to a
second small tenant holding copies of the searched contacts (every answer is checked to contain none of
them). Each query is repeated sequentially after a warm-up; target (issue): p95 under 30 ms. Each query's SQL
is captured by running the product's own \`findContacts\` with the same filter on a connection that logs
statements, then explained (\`EXPLAIN (ANALYZE, BUFFERS)\`, executed as a prepared statement as the app does,
after enough executions for PostgreSQL to settle on a custom or generic plan): the plan must not scan
\`contacts\` sequentially. Plans are listed under the table.`,

  async forDatabase(ctx, database) {
    const s = settingsFor(ctx.quick, database.kind);
    if (database.kind === 'embedded' && !ctx.quick) ctx.note(EMBEDDED_SIZE_NOTE);
    const { runtime } = await startInProcess(ctx, { env: database.env, http: true });
    const data = await buildDataset(ctx, runtime, s, database.label);
    const { tenantA, tenantB, stats } = data;
    const otherTenant = new Set(await contactIds(runtime, tenantB));
    const probe = stats.probes[0];
    if (!probe) throw new Error('the generated file has no contact to search for');
    const [probeId] = await contactIds(runtime, tenantA, sql`email = ${probe.email}`);
    if (!probeId) throw new Error(`the searched contact ${probe.email} was not imported`);

    // The deep page starts after half of the tenant's contacts in the default order (newest first).
    const contacts = data.imported.record.inserted;
    const [middle] = await runtime.deps.database.withTenant(tenantA, (tx) =>
      tx.execute<{ id: string }>(sql`select id from contacts where tenant_id = ${tenantA} order by id desc offset ${Math.floor(contacts / 2)} limit 1`),
    );
    const deepCursor = encodeCursor([middle!.id]);
    const attribute = (value: string) => `filter=${encodeURIComponent(JSON.stringify({ attributes: [{ key: 'rubro', op: 'eq', value }] }))}`;
    const queries: Query[] = [
      { label: 'Name search (`search=garc`)', query: `search=garc&limit=${PAGE}`, expectItems: PAGE },
      { label: `Phone search, typed \`${probe.phoneTyped}\` (another format than the file's)`, query: `search=${encodeURIComponent(probe.phoneTyped)}&limit=${PAGE}`, expectItems: 1, expectId: probeId },
      { label: 'Email search (a full address)', query: `search=${encodeURIComponent(probe.email)}&limit=${PAGE}`, expectItems: 1, expectId: probeId },
      { label: `Filtered list (\`tag=${TAGS.selective}&minContactability=60\`)`, query: `tag=${TAGS.selective}&minContactability=60&limit=${PAGE}`, expectItems: null },
      { label: 'Default list, first page', query: `limit=${PAGE}`, expectItems: PAGE },
      { label: `Default list, keyset page after ${Math.floor(contacts / 2).toLocaleString('en-US')} contacts`, query: `limit=${PAGE}&cursor=${deepCursor}`, expectItems: PAGE },
      { label: 'Custom attribute filter (`rubro` = gastronomía, ~14%)', query: `${attribute('gastronomía')}&limit=${PAGE}`, expectItems: null },
      { label: 'Custom attribute filter, rare value (`rubro` = turismo, ~0.2%)', query: `${attribute('turismo')}&limit=${PAGE}`, expectItems: null },
    ];

    const capture = statementCapture(runtime.deps.database.target);
    ctx.cleanup.defer('close the statement capture', () => capture.close());
    // What the planner knows about the table when the queries run (PGlite runs no autovacuum).
    const [table] = await runtime.deps.database.withTenant(tenantA, (tx) =>
      tx.execute<{ live: number; dead: number; analyzed: boolean }>(
        sql`select n_live_tup::float8 as live, n_dead_tup::float8 as dead, (last_analyze is not null or last_autoanalyze is not null) as analyzed
              from pg_stat_user_tables where relname = 'contacts'`,
      ),
    );

    const figures: Figure[] = [];
    const plans: string[] = [];
    const seqScans: string[] = [];
    for (const query of queries) {
      ctx.log(`${database.label}: ${query.label}`);
      const measured = await measureQuery({ call: data.call, apiKey: data.apiKey, query, settings: s, otherTenant });
      // The same filter through the same repository function, its SQL captured and explained.
      const q = ContactListQuery.parse(Object.fromEntries(new URLSearchParams(query.query)));
      const after = decodeCursor(q.cursor, isCursorFor(q.sort));
      const statements = await capture.capture(tenantA, (tx) =>
        findContacts(tx, { tenantId: tenantA, country: 'AR', filter: filterFromQuery(q), sort: q.sort, limit: q.limit + 1, ...(after ? { after } : {}) }),
      );
      const list = statements.find((st) => /from "contacts"/.test(st.query));
      if (!list) throw new Error(`${query.label}: no query on contacts was captured`);
      // A search sets plan_cache_mode = force_custom_plan in its transaction: every execution is planned for its parameters.
      const customOnly = statements.some((st) => /plan_cache_mode = force_custom_plan/.test(st.query));
      // As the server runs it after a few requests (the plan cache's choice), and the first execution's custom plan.
      const plan = await capture.explain(tenantA, list, customOnly ? { executionsFirst: 0 } : {});
      const firstPlan = await capture.explain(tenantA, list, { executionsFirst: 0 });
      const summary = summarizePlan(plan);
      const first = summarizePlan(firstPlan);
      if (summary.seqScansOnContacts > 0) seqScans.push(query.label);
      const scans = describeScans(summary);
      const differs = describeScans(first) !== scans || first.generic !== summary.generic;
      plans.push(
        [
          `-- ${query.label}: GET /api/v1/contacts?${decodeURIComponent(query.query)}`,
          list.query.trim(),
          `-- parameters: ${JSON.stringify(list.parameters)}`,
          customOnly
            ? '-- plan of every execution (the product plans searches for their parameters: plan_cache_mode = force_custom_plan):'
            : '-- plan used from the 7th execution on (EXPLAIN ANALYZE EXECUTE after six executions):',
          plan,
          ...(differs ? ['-- plan of the first execution (custom plan):', firstPlan] : ['-- the first execution uses the same plan']),
        ].join('\n'),
      );
      const planDetail = [
        `${summary.seqScansOnContacts ? '**Seq Scan on contacts** · ' : ''}${scans}${summary.generic ? ' (generic plan)' : ''}`,
        `${summary.rowsRemoved.toLocaleString('en-US')} rows filtered out, ${summary.sharedBuffers.toLocaleString('en-US')} buffers, ${summary.executionMs?.toFixed(1) ?? '?'} ms in the database`,
        ...(differs ? [`first executions: ${describeScans(first)}${first.generic ? ' (generic plan)' : ''}, ${first.executionMs?.toFixed(1) ?? '?'} ms`] : []),
      ].join('; ');
      if (first.seqScansOnContacts > 0 && summary.seqScansOnContacts === 0) seqScans.push(`${query.label} (first executions)`);
      figures.push(
        { name: `${query.label}: p50`, value: measured.p50, unit: 'ms', decimals: 1, detail: `${measured.items} contacts on the page; ${measured.requests} requests` },
        { name: `${query.label}: p95`, value: measured.p95, unit: 'ms', decimals: 1, target: { op: '<', value: P95_TARGET_MS }, detail: planDetail },
        { name: `${query.label}: p99`, value: measured.p99, unit: 'ms', decimals: 1 },
      );
    }
    figures.push(
      {
        name: 'Queries whose plan scans contacts sequentially',
        value: seqScans.length,
        unit: `of ${queries.length}`,
        decimals: 0,
        target: { op: '<=', value: 0 },
        ...(seqScans.length ? { detail: seqScans.join('; ') } : {}),
      },
      { name: 'Contacts in the searched tenant', value: contacts, unit: '', decimals: 0 },
      { name: 'Contacts in the other tenant (copies of the searched ones included)', value: otherTenant.size, unit: '', decimals: 0 },
      { name: 'Dead row versions in contacts when measured', value: table?.dead ?? 0, unit: '', decimals: 0, detail: `${(table?.live ?? 0).toLocaleString('en-US')} live` },
      {
        name: 'Planner statistics on contacts when measured (1 = analyzed)',
        value: table?.analyzed ? 1 : 0,
        unit: '',
        decimals: 0,
        detail: table?.analyzed ? 'ANALYZE or autovacuum has run' : 'never analyzed: the planner guesses row counts',
      },
    );
    ctx.attach(`Query plans on ${database.label}`, plans.join('\n\n'));
    ctx.note(
      `${s.iterations} sequential requests per query (fewer, but at least ${s.minIterations}, when they take over ${s.maxSeconds} s) after ${s.warmup} warm-up requests, \`limit=${PAGE}\`, an API key with \`contacts.read\`; the searched tenant's file has the import's columns plus \`Etiquetas\` (\`${TAGS.common}\` on 20%, \`${TAGS.selective}\` on 5%, \`${TAGS.other}\` on 10%), \`Rubro\` (a choice field) and \`Consentimiento\` (\`sí\` on 30%, recorded as WhatsApp opt-in), imported with mode \`skip-existing\`.`,
    );
    ctx.note(
      `The other tenant holds the first ${OTHER_TENANT_ROWS.toLocaleString('en-US')} rows of the same file plus the rows searched for (same names, phones and emails): every answer is checked to contain none of its contacts, the phone and email searches to return exactly the searched contact.`,
    );
    ctx.note('The database is measured as the import left it: on PostgreSQL autovacuum may have analyzed the table by then; PGlite runs no autovacuum, so unless something ran ANALYZE its planner has no statistics (see the last rows).');
    return figures;
  },
};

/**
 * LeadMaster benchmarks: `npm run bench [-- [--quick] [--no-write] [--strict] [scenario…]]`.
 *
 * Runs each chosen scenario against a fresh embedded PGlite and, when BENCH_DATABASE_URL names a
 * PostgreSQL admin database, against a fresh PostgreSQL database too; stores each scenario's figures
 * in docs/performance/<scenario>.json and regenerates docs/PERFORMANCE.md from all of them.
 * `--quick` is a short smoke run (CI): it prints the tables and leaves docs/ alone.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from './scenarios/index';
import { Cleanup, runPendingCleanups } from './lib/cleanup';
import { createBenchDatabase, databaseKinds, EMBEDDED_LABEL, postgresVersion, redactUrl } from './lib/databases';
import { describeMachine } from './lib/machine';
import { productRevision } from './lib/revision';
import { renderSection, reportPaths, saveResult, writeReport, type Attachment, type RunInfo, type ScenarioResult } from './lib/report';
import { meets, type Figure, type Row, type Scenario, type ScenarioContext } from './lib/types';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const USAGE = `Usage: npm run bench -- [--quick] [--no-write] [--strict] [scenario…]

  --quick     short smoke run (under a minute): prints the figures, never touches docs/
  --no-write  print the figures without storing them or rewriting docs/PERFORMANCE.md
  --strict    exit with status 2 when a figure misses its target (otherwise only a failed run exits non-zero)
  --postgres-only  skip PGlite (needs BENCH_DATABASE_URL; implies --no-write: a section keeps both databases)
  scenario  one or more of: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)

Environment:
  BENCH_DATABASE_URL  PostgreSQL URL of an admin database: each scenario also runs on a fresh
                      database created there (and dropped afterwards)`;

type Options = { quick: boolean; write: boolean; strict: boolean; postgresOnly: boolean; scenarios: Scenario[] };

function parseArguments(args: string[]): Options | string {
  let quick = false;
  let strict = false;
  let write = true;
  let postgresOnly = false;
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--quick') quick = true;
    else if (arg === '--strict') strict = true;
    else if (arg === '--no-write') write = false;
    else if (arg === '--postgres-only') postgresOnly = true;
    else if (arg === '--help' || arg === '-h') return USAGE;
    else if (arg.startsWith('-')) return `Unknown option ${arg}\n\n${USAGE}`;
    else names.push(arg);
  }
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) return `Unknown scenario ${unknown.join(', ')}\n\n${USAGE}`;
  const scenarios = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  if (postgresOnly && !process.env.BENCH_DATABASE_URL) return `--postgres-only needs BENCH_DATABASE_URL\n\n${USAGE}`;
  // Quick figures are too rough to replace the report's, and a PostgreSQL-only run would drop a
  // section's PGlite figures: neither writes.
  return { quick, write: write && !quick && !postgresOnly, strict, scenarios, postgresOnly };
}

/** How this run was started, as someone would type it again (passwords hidden). */
function commandLine(args: string[]): string {
  const quoted = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const command = viaNpm ? `npm run bench${quoted ? ` -- ${quoted}` : ''}` : `npx tsx bench/run.ts${quoted ? ` ${quoted}` : ''}`;
  const adminUrl = process.env.BENCH_DATABASE_URL;
  return adminUrl ? `BENCH_DATABASE_URL=${redactUrl(adminUrl)} ${command}` : command;
}

const started = performance.now();
function log(message: string) {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

function toRows(figures: Figure[], database: string): Row[] {
  return figures.map(({ database: own, ...figure }) => ({
    ...figure,
    database: own ?? database,
    pass: figure.target ? meets(figure.value, figure.target) : null,
  }));
}

/** Runs one part of a scenario with its own cleanup, which always runs. */
async function runPart(options: {
  quick: boolean;
  notes: Set<string>;
  attachments: Attachment[];
  part: (ctx: ScenarioContext) => Promise<Row[]>;
}): Promise<Row[]> {
  const cleanup = new Cleanup(log);
  const ctx: ScenarioContext = {
    quick: options.quick,
    log,
    cleanup,
    note: (text) => options.notes.add(text),
    attach: (title, text) => options.attachments.push({ title, text }),
  };
  try {
    return await options.part(ctx);
  } finally {
    await cleanup.run();
  }
}

type RunSettings = {
  quick: boolean;
  postgresOnly: boolean;
  adminUrl: string | undefined;
  postgresLabel: string;
  info: RunInfo;
};

/** One scenario on every database under test, then its database-independent part. */
async function runScenario(scenario: Scenario, run: RunSettings): Promise<ScenarioResult> {
  const notes = new Set<string>();
  const attachments: Attachment[] = [];
  const rows: Row[] = [];
  const databases: string[] = [];
  const loadAtStart = os.loadavg()[0] ?? 0;
  for (const kind of scenario.forDatabase ? databaseKinds(run.adminUrl).filter((k) => !run.postgresOnly || k === 'postgres') : []) {
    const part = await runPart({
      quick: run.quick,
      notes,
      attachments,
      part: async (ctx) => {
        const database = await createBenchDatabase({ kind, adminUrl: run.adminUrl, postgresLabel: run.postgresLabel, cleanup: ctx.cleanup, log });
        log(`${scenario.name} on ${database.label}`);
        databases.push(database.label);
        return toRows(await scenario.forDatabase!(ctx, database), database.label);
      },
    });
    rows.push(...part);
  }
  if (scenario.once) {
    log(`${scenario.name}: measurements without a product database`);
    rows.push(...(await runPart({ quick: run.quick, notes, attachments, part: async (ctx) => toRows(await scenario.once!(ctx), EMBEDDED_LABEL) })));
  }
  for (const row of rows) if (!databases.includes(row.database)) databases.push(row.database);
  return {
    scenario: scenario.name,
    title: scenario.title,
    description: scenario.description,
    ...run.info,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
    databases,
    notes: [...notes],
    rows,
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const parsed = parseArguments(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n`);
    return parsed === USAGE ? 0 : 64;
  }
  const { quick, write, strict, scenarios, postgresOnly } = parsed;
  const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
  const pgVersion = adminUrl ? await postgresVersion(adminUrl) : null;
  const info: RunInfo = {
    ranAt: new Date().toISOString(),
    command: commandLine(args),
    machine: describeMachine({ postgres: pgVersion }),
    revision: productRevision(ROOT),
  };
  const run: RunSettings = { quick, postgresOnly, adminUrl, postgresLabel: `PostgreSQL ${pgVersion ?? ''}`.trim(), info };
  const paths = reportPaths(ROOT);
  log(`${info.command}: ${scenarios.map((s) => s.name).join(', ')} on ${databaseKinds(adminUrl).filter((k) => !postgresOnly || k === 'postgres').join(', ')}${quick ? ' (quick)' : ''}`);

  let failed = 0;
  let missedTargets = 0;
  for (const scenario of scenarios) {
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, run);
    } catch (err) {
      // Its previous figures stay in the report: a broken run must not replace them.
      failed++;
      log(`${scenario.name} FAILED: ${(err as Error).stack ?? String(err)}`);
      continue;
    }
    missedTargets += result.rows.filter((r) => r.pass === false).length;
    process.stdout.write(`\n${renderSection(result).join('\n')}\n\n`);
    if (write) await saveResult(paths, result);
  }

  // What scenarios kept for later ones in this run (e.g. a database snapshot) is removed now.
  await runPendingCleanups();

  if (write) {
    await writeReport({ paths, scenarios: SCENARIOS, run: info });
    log(`wrote ${paths.markdownFile}`);
  }
  if (missedTargets > 0) log(`${missedTargets} figure(s) missed their target`);
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failed > 0) return 1;
  return strict && missedTargets > 0 ? 2 : 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: cleaning up (again to force)`);
    void runPendingCleanups().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`error: ${(err as Error).stack ?? String(err)}`);
    await runPendingCleanups();
    process.exit(1);
  },
);

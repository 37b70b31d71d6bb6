import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure, Scenario, ScenarioContext } from '../lib/types';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TEST_FILE = 'apps/server/src/modules/campaigns/reliability.test.ts';
/** Issue #5: the full run is 100,000 recipients (CI runs the same test at its default size). */
const FULL_RECIPIENTS = 100_000;
const QUICK_RECIPIENTS = 4_000;
/** The test's configured per-number rate (its RATE). */
const RATE = 500;

type Report = {
  recipients: number;
  attempted: number;
  providerRequests: number;
  peakPerSecond: number;
  sent: number;
  failed: number;
  ambiguous: number;
  lost: number;
  ledgerDuplicates: number;
  providerDuplicates: number;
  unflaggedProviderDuplicates: number;
  sentWithoutProviderRecord: number;
  workerStarts: number;
  backendsTerminated: number;
  chaosSeconds: number;
  totalSeconds: number;
};

/** Runs the reliability test file at `recipients` and returns the figures it prints. */
async function runReliabilityTest(ctx: ScenarioContext, adminUrl: string, recipients: number): Promise<{ report: Report | null; output: string; code: number | null }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', TEST_FILE], {
    cwd: ROOT,
    env: { ...process.env, TEST_DATABASE_URL: adminUrl, RELIABILITY_RECIPIENTS: String(recipients), FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ctx.cleanup.defer('reliability test process', () => child.exitCode === null && child.kill('SIGKILL'));
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = output.split('\n').find((l) => l.includes('campaign reliability:'));
  const report = line ? (JSON.parse(line.slice(line.indexOf('{'))) as Report) : null;
  return { report, output, code };
}

/**
 * The campaign reliability test of issue #5 at full size: the test file itself (real `leadmaster
 * worker` processes, the real Cloud API adapter over HTTP to a fake Graph that logs every request,
 * a random worker SIGKILLed every 2 s, backends terminated every 5 s), with its figures reported.
 */
export const campaignReliability: Scenario = {
  name: 'campaign-reliability',
  title: 'Campaign reliability under crashes (issue #5, full size)',
  description: [
    `The reliability test (\`${TEST_FILE}\`) run at ${FULL_RECIPIENTS.toLocaleString('en-US')} recipients: 4 \`leadmaster worker\` processes send a campaign through the real WhatsApp Cloud API adapter, over HTTP, to a fake Graph server that logs every request;`,
    'a random worker is killed with SIGKILL every 2 s and restarted, and the workers\' PostgreSQL backends are terminated every 5 s, until 90 % of the sends reached the provider; then the survivors finish.',
    'Lost (recipients left pending or queued), ledger duplicates (a contact queued twice), provider duplicates not flagged ambiguous, and the busiest 1-s window at the provider against the configured rate are read from the ledger and the provider\'s log.',
    'PostgreSQL only: PGlite is one session and cannot show concurrent workers.',
  ].join(' '),
  async once(ctx) {
    const adminUrl = process.env.BENCH_DATABASE_URL;
    if (!adminUrl) {
      ctx.note('Not run: it needs PostgreSQL (BENCH_DATABASE_URL).');
      return [];
    }
    // BENCH_RELIABILITY_RECIPIENTS runs a smaller (or larger) full run; the table says the size it ran.
    const recipients = ctx.quick ? QUICK_RECIPIENTS : Number(process.env.BENCH_RELIABILITY_RECIPIENTS ?? FULL_RECIPIENTS);
    if (recipients !== FULL_RECIPIENTS && !ctx.quick) ctx.note(`Run at ${recipients.toLocaleString('en-US')} recipients (BENCH_RELIABILITY_RECIPIENTS), not the issue's ${FULL_RECIPIENTS.toLocaleString('en-US')}.`);
    ctx.log(`reliability test at ${recipients.toLocaleString('en-US')} recipients`);
    const { report, output, code } = await runReliabilityTest(ctx, adminUrl, recipients);
    if (!report) throw new Error(`the reliability test printed no figures (exit ${code}):\n${output.slice(-4_000)}`);
    if (code !== 0) ctx.attach('Test output (it failed)', output.slice(-20_000));
    const label = 'PostgreSQL';
    const f = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ name, value, unit, database: label, decimals: Number.isInteger(value) ? 0 : 1, ...extra });
    ctx.note(`${recipients.toLocaleString('en-US')} recipients at ${RATE}/s on one number; the test ${code === 0 ? 'passed' : `failed (exit ${code}); its output is attached`}.`);
    return [
      f('Recipients', report.recipients, 'recipients'),
      f('Sent', report.sent, 'recipients'),
      f('Ambiguous (flagged, never resent)', report.ambiguous, 'recipients'),
      f('Failed', report.failed, 'recipients'),
      f('Lost', report.lost, 'recipients', { target: { op: '<=', value: 0 } }),
      f('Duplicates in the ledger', report.ledgerDuplicates, 'contacts', { target: { op: '<=', value: 0 } }),
      f('Provider-side duplicates', report.providerDuplicates, 'phones', { detail: `≤ ambiguous (${report.ambiguous}): ${report.providerDuplicates <= report.ambiguous ? 'yes' : 'NO'}` }),
      f('Provider-side duplicates not flagged ambiguous', report.unflaggedProviderDuplicates, 'phones', { target: { op: '<=', value: 0 } }),
      f('Busiest 1-s window at the provider', report.peakPerSecond, 'requests', { target: { op: '<=', value: RATE }, detail: `configured ${RATE}/s` }),
      f('Worker processes started (incl. restarts after SIGKILL)', report.workerStarts, 'processes'),
      f('Backends terminated', report.backendsTerminated, 'backends'),
      f('Time under chaos', report.chaosSeconds, 's'),
      f('Total time to completion', report.totalSeconds, 's'),
      f('Throughput, start to completion', report.recipients / report.totalSeconds, 'recipients/s'),
    ];
  },
};

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startFakeGraph, type GraphRequest } from '../../../test/fakes/graph';
import { BIN } from '../../../test/processes';
import { channelAccounts } from '../channels/channels.tables';
import { campaigns } from './campaigns.tables';

/**
 * The campaign reliability test (issue #5): a real campaign through the real WhatsApp Cloud API
 * adapter, over HTTP, to a fake Graph server that logs every request, sent by `leadmaster worker`
 * processes on a real PostgreSQL while a random one is killed with SIGKILL every 2 s and restarted
 * and their database connections are terminated. Nothing may be lost, nothing queued twice, and
 * whatever the provider got twice must be a send flagged ambiguous.
 *
 * RELIABILITY_RECIPIENTS sets the size: 10,000 by default (issue #5's size for CI), 100,000 for the
 * full run (bench campaign-reliability). 10,000 used to stall for good: terminated backends crashed
 * the workers themselves (pg-boss's unawaited job completion rejected unhandled, or a start was cut
 * short), the test restarted only the workers it killed, and a run could end its chaos with no
 * worker alive — 602 messages queued and no drain, or nothing at all, six minutes later. Workers now
 * survive a lost connection and start again when cut off while starting (decision 0040); a worker
 * that still exits on its own is restarted, as a supervisor would, and fails the test by name.
 * Since then, two 10,000 runs on PostgreSQL at load average 13-27 (2026-11-22): lost 0, ledger and
 * provider duplicates 0, 126 and 690 ambiguous, busiest second 424 and 428 (rate 500), no worker
 * exiting on its own over 216 and 221 starts (135 and 414 backends terminated), 655 s and 639 s.
 * PGlite is one session: concurrency claims are proven on the real server only.
 */
const RECIPIENTS = Number(process.env.RELIABILITY_RECIPIENTS ?? 10_000);
const WORKERS = 4;
const KILL_EVERY_MS = 2_000;
/** The number's configured rate: high, so the test measures crashes rather than pacing (10,000 sends take 20 s at least, under chaos). */
const RATE = 500;
/** Time budgets grow with the size past 10,000 recipients (the full run of 100,000 gets ten times as long). */
const SCALE = Math.max(1, RECIPIENTS / 10_000);
const SECRET_KEY = 'x'.repeat(43);
const TOKEN = 'EAAG-reliability-token';
const APP_SECRET = 'reliability-app-secret';
const WABA_ID = '102290129340398';
const TEMPLATE = { name: 'primer_contacto', language: 'es_AR' };
/** Workers' connections carry this name, so the test terminates theirs and not its own. */
const WORKER_APP_NAME = 'lm-reliability-worker';

const onPostgres = usingRealPostgres();
if (!onPostgres) console.warn('campaign reliability test skipped: it needs a PostgreSQL server (TEST_DATABASE_URL); PGlite has one session, so it cannot prove concurrent claims');

type Graph = Awaited<ReturnType<typeof startFakeGraph>>;

/** `leadmaster worker` processes on the test's database, that can be killed and restarted. */
function workerFleet(options: { databaseUrl: string; dataDir: string }) {
  const slots: (ChildProcess | null)[] = Array.from({ length: WORKERS }, () => null);
  const tails: string[] = [];
  let started = 0;
  /** Workers that exited without being killed here (a crash, a failed start), with the end of what each printed. */
  const selfExits: string[] = [];
  const killed = new WeakSet<ChildProcess>();
  const start = (i: number) => {
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        // A URL parameter, because the product names its connections 'leadmaster' over PGAPPNAME.
        DATABASE_URL: `${options.databaseUrl}${options.databaseUrl.includes('?') ? '&' : '?'}application_name=${WORKER_APP_NAME}`,
        DATABASE_POOL_SIZE: '6',
        DATA_DIR: options.dataDir,
        SECRET_KEY,
        LOG_LEVEL: 'warn',
        LEADMASTER_TEST_PRIVATE_HOSTS: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let own = '';
    const keep = (d: Buffer) => {
      tails.push(d.toString());
      if (tails.length > 200) tails.shift();
      own = (own + d.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // As a supervisor would, a worker that exits on its own is started again; the test fails on it below.
    child.once('exit', (code, signal) => {
      if (killed.has(child)) return;
      selfExits.push(`exit ${code ?? signal}: ${own.slice(-1500)}`);
      if (slots[i] === child && !stopping) start(i);
    });
    slots[i] = child;
    started++;
  };
  let stopping = false;
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    startAll: () => slots.forEach((_, i) => start(i)),
    /** SIGKILL one worker at random and start a fresh one in its place. */
    async killOneAndRestart() {
      const i = Math.floor(Math.random() * WORKERS);
      const child = slots[i];
      if (child) {
        killed.add(child);
        child.kill('SIGKILL');
        await exited(child);
      }
      start(i);
    },
    get started() {
      return started;
    },
    get selfExits() {
      return selfExits;
    },
    logs: () => tails.join(''),
    async stopAll() {
      stopping = true;
      await Promise.all(
        slots.map(async (child) => {
          if (!child) return;
          killed.add(child);
          child.kill('SIGKILL');
          await exited(child);
        }),
      );
    },
  };
}

/** The most requests the provider saw in any one-second window (sliding, half-open). */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

describe.skipIf(!onPostgres)('campaign reliability on PostgreSQL with worker processes', () => {
  let db: TestDatabase;
  let t: TestApp;
  let dataDir: string;
  const graphs: Graph[] = [];
  let fleet: ReturnType<typeof workerFleet> | null = null;

  beforeAll(async () => {
    db = await openTestDatabase({ poolSize: 8 });
    t = await startTestApp({ db, env: { SECRET_KEY } });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-reliability-'));
  });
  afterAll(async () => {
    await fleet?.stopAll();
    for (const g of graphs) await g.close();
    await t?.close();
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const databaseUrl = () => (db.ownerUrlOrSocket as { url: string }).url;

  /** A Cloud API number on its own fake Graph server, with the campaign's template approved. */
  async function cloudChannel(client: TestClient, tenantId: string, settings: Record<string, unknown>) {
    const phoneNumberId = String(106540352242922 + graphs.length);
    const graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId, businessAccountId: WABA_ID });
    graph.setTemplates([{ ...TEMPLATE, category: 'MARKETING', status: 'APPROVED' }]);
    graphs.push(graph);
    const res = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: `Ventas ${graphs.length}`,
      config: { phoneNumberId, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(res.status, res.text).toBe(201);
    const id = res.body.id as string;
    await t.db.withTenant(tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(settings)}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, id))),
    );
    return { id, graph };
  }

  /** `count` contacts who pass the gate (valid Argentine mobiles, opted in), written in bulk. */
  const audience = (tenantId: string, count: number, prefix: number) => buildGatePassingContacts(t, tenantId, { count, numberPrefix: '+549115', from: prefix * 1_000_000 });

  async function launchCampaign(client: TestClient, channelId: string) {
    const template = await client.post('/api/v1/templates', { name: 'Primer contacto', body: 'Hola {{firstName|amigo}} 👋', whatsappTemplate: { ...TEMPLATE, parameters: ['{{firstName|cliente}}'] } });
    expect(template.status, template.text).toBe(201);
    const created = await client.post('/api/v1/campaigns', {
      name: 'Confiabilidad',
      templateId: template.body.id,
      channelIds: [channelId],
      audience: { all: true },
      minScore: 0,
      pacing: { mode: 'fixed', delaySeconds: 0 },
      // The first sends of a run under faults fail on purpose: the guard rail is not what is tested.
      guardRails: { firstN: 200, maxFailureRate: 1, maxOptOutRate: 1 },
    });
    expect(created.status, created.text).toBe(201);
    const launched = await client.post(`/api/v1/campaigns/${created.body.id}/launch`);
    expect(launched.status, launched.text).toBeLessThan(300);
    return created.body.id as string;
  }

  async function waitForCompletion(tenantId: string, campaignId: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await t.db.withTenant(tenantId, (tx) => tx.select({ status: campaigns.status }).from(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId))));
      if (row?.status === 'completed') return;
      if (Date.now() > deadline) throw new Error(`campaign still ${row?.status} after ${timeoutMs} ms\n${await ledgerSummary(tenantId, campaignId)}\n${await drainJobs()}\n${fleet?.logs().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The send drains pg-boss holds (what a stuck campaign is waiting for). */
  const drainJobs = async () => {
    const owner = postgres(databaseUrl(), { max: 1, onnotice: () => undefined });
    try {
      const rows = await owner`select state, retry_count, retry_limit, start_after, started_on, completed_on, output from pgboss.job where name = 'messaging.send-drain' order by created_on desc limit 8`;
      return JSON.stringify(rows);
    } finally {
      await owner.end();
    }
  };

  const ledgerSummary = async (tenantId: string, campaignId: string) =>
    JSON.stringify(
      await t.db.withTenant(tenantId, (tx) =>
        tx.execute(sql`select r.status, m.status as message, count(*)::int as n from campaign_recipients r left join messages m on m.tenant_id = r.tenant_id and m.id = r.message_id
                        where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${campaignId}::uuid group by 1, 2 order by 1, 2`),
      ),
    );

  /** What the ledger, the messages and the provider's log say about one campaign. */
  async function report(tenantId: string, campaignId: string, requests: GraphRequest[]) {
    const rows = (await t.db.withTenant(tenantId, (tx) =>
      tx.execute(sql`select r.contact_id, r.status, c.phone_e164 as phone, m.attempts from campaign_recipients r join contacts c on c.tenant_id = r.tenant_id and c.id = r.contact_id
                     left join messages m on m.tenant_id = r.tenant_id and m.id = r.message_id where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${campaignId}::uuid`),
    )) as unknown as { contact_id: string; status: string; phone: string; attempts: number | null }[];
    const [queuedTwice] = (await t.db.withTenant(tenantId, (tx) =>
      tx.execute(sql`select count(*)::int as n from (select contact_id from messages where tenant_id = ${tenantId}::uuid and source = 'campaign' group by contact_id having count(*) > 1) d`),
    )) as unknown as { n: number }[];
    const sends = requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && r.json?.type === 'template');
    // What may have reached a phone: accepted (200) or never answered (hung, reset, killed caller).
    const reached = new Map<string, number>();
    for (const r of sends) if (r.status === undefined || r.status === 200) reached.set(`+${r.json.to}`, (reached.get(`+${r.json.to}`) ?? 0) + 1);
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const statusOf = new Map(rows.map((r) => [r.phone, r.status]));
    const duplicatedPhones = [...reached].filter(([, n]) => n > 1).map(([phone]) => phone);
    const sentStatuses = ['sent', 'delivered', 'read', 'replied'];
    return {
      recipients: rows.length,
      attempted: rows.filter((r) => (r.attempts ?? 0) > 0).length,
      providerRequests: sends.length,
      peakPerSecond: peakPerSecond(sends.map((r) => r.at)),
      sent: rows.filter((r) => sentStatuses.includes(r.status)).length,
      failed: byStatus.failed ?? 0,
      ambiguous: byStatus.ambiguous ?? 0,
      lost: rows.filter((r) => r.status === 'pending' || r.status === 'queued').length,
      ledgerDuplicates: queuedTwice?.n ?? 0,
      providerDuplicates: duplicatedPhones.length,
      unflaggedProviderDuplicates: duplicatedPhones.filter((p) => statusOf.get(p) !== 'ambiguous').length,
      sentWithoutProviderRecord: rows.filter((r) => sentStatuses.includes(r.status) && !reached.has(r.phone)).length,
      byStatus,
    };
  }

  it(`sends a ${RECIPIENTS.toLocaleString('en-US')}-recipient campaign with ${WORKERS} workers, one killed every 2 s and connections terminated: nothing lost, nothing twice`, async () => {
    const { client, user } = await buildSignedInUser(t);
    const { id: channelId, graph } = await cloudChannel(client, user.tenantId, { messagesPerSecond: RATE });
    await audience(user.tenantId, RECIPIENTS, 1);
    fleet = workerFleet({ databaseUrl: databaseUrl(), dataDir });
    fleet.startAll();
    const campaignId = await launchCampaign(client, channelId);
    const started = Date.now();

    let chaos = true;
    const killer = (async () => {
      while (chaos) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        if (chaos) await fleet!.killOneAndRestart();
      }
    })();
    // The workers connect as the owner: terminating their backends takes the owner too (the app role may not).
    const owner = postgres(databaseUrl(), { max: 1, onnotice: () => undefined });
    let terminated = 0;
    const terminator = (async () => {
      while (chaos) {
        await new Promise((r) => setTimeout(r, 5_000));
        if (!chaos) break;
        const rows = await owner<{ ok: boolean }[]>`select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and application_name = ${WORKER_APP_NAME}`;
        terminated += rows.filter((r) => r.ok).length;
      }
    })().finally(() => owner.end());
    // Chaos while the provider is still being called; then the survivors finish the campaign.
    const sendsSoFar = () => graph.requests.filter((r) => r.path.endsWith('/messages')).length;
    const chaosDeadline = Date.now() + 8 * 60_000 * SCALE;
    while (sendsSoFar() < RECIPIENTS * 0.9 && Date.now() < chaosDeadline) await new Promise((r) => setTimeout(r, 500));
    chaos = false;
    await Promise.all([killer, terminator]);
    const chaosSeconds = (Date.now() - started) / 1000;
    await waitForCompletion(user.tenantId, campaignId, 6 * 60_000 * SCALE);

    const figures = {
      ...(await report(user.tenantId, campaignId, graph.requests)),
      workerStarts: fleet.started,
      workerSelfExits: fleet.selfExits.length,
      backendsTerminated: terminated,
      chaosSeconds,
      totalSeconds: (Date.now() - started) / 1000,
    };
    console.log('campaign reliability:', JSON.stringify(figures));
    expect(figures.recipients).toBe(RECIPIENTS);
    expect(figures.lost).toBe(0);
    expect(figures.ledgerDuplicates).toBe(0);
    expect(figures.providerDuplicates).toBeLessThanOrEqual(figures.ambiguous);
    expect(figures.unflaggedProviderDuplicates).toBe(0);
    expect(figures.sentWithoutProviderRecord).toBe(0);
    expect(figures.sent + figures.ambiguous + figures.failed).toBe(RECIPIENTS);
    expect(figures.peakPerSecond).toBeLessThanOrEqual(RATE);
    expect(figures.workerStarts).toBeGreaterThan(WORKERS + 5);
    expect(figures.backendsTerminated).toBeGreaterThan(0);
    // Killed and cut off, a worker still never dies on its own (decision 0040): before, terminated
    // backends crashed them (an unhandled rejection, or a start cut short) and a fleet with none
    // left alive never completed the campaign.
    expect(fleet.selfExits, fleet.selfExits.join('\n---\n')).toEqual([]);
    await fleet.stopAll();
  }, 15 * 60_000 * SCALE);
});

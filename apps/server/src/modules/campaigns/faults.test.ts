import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startFakeGraph, type GraphRequest } from '../../../test/fakes/graph';
import { BIN } from '../../../test/processes';
import type { BusEvent } from '../../platform/events/bus';
import { channelAccounts } from '../channels/channels.tables';
import { campaigns } from './campaigns.tables';
import { pushTo } from '../../platform/collections';

/**
 * Campaigns through a provider having a bad time (issue #5): a local Graph server answers 503,
 * 429, 130429 and hangs for a while. The number's circuit breaker opens, the campaign shows it,
 * its sends wait instead of failing, and after the provider recovers the campaign completes with
 * nothing lost and nothing accepted twice (a hung request is flagged ambiguous, never resent).
 * On PostgreSQL the same runs in `leadmaster worker` processes at a low per-number rate, and the
 * provider's request log shows that rate never exceeded in any one-second window.
 */
const TOKEN = 'EAAG-faults-token';
const APP_SECRET = 'faults-app-secret';
const WABA_ID = '102290129340398';
const TEMPLATE = { name: 'primer_contacto', language: 'es_AR' };
const SECRET_KEY = 'y'.repeat(43);
const FAULTS = [
  { kind: 'error' as const, status: 503 },
  { kind: 'error' as const, status: 429, headers: { 'retry-after': '1' } },
  { kind: 'error' as const, status: 400, error: { code: 130429, message: '(#130429) Rate limit hit' } },
  { kind: 'hang' as const },
];

type Graph = Awaited<ReturnType<typeof startFakeGraph>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The most requests in any one-second window (sliding, half-open). */
export function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

function suite(options: { db?: () => TestDatabase }) {
  let t: TestApp;
  const graphs: Graph[] = [];
  const published: BusEvent[] = [];
  beforeAll(async () => {
    t = await startTestApp({ ...(options.db ? { db: options.db() } : {}), env: { SECRET_KEY } });
    t.runtime.modules.channels.channels.allowPrivateHostsForTests(['127.0.0.1']);
    t.runtime.deps.bus.subscribe((e) => published.push(e));
  });
  afterAll(async () => {
    for (const g of graphs) await g.close();
    await t?.close();
  });

  async function cloudChannel(client: TestClient, tenantId: string, settings: Record<string, unknown>) {
    const phoneNumberId = String(106540352243100 + Math.floor(Math.random() * 1000));
    const graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId, businessAccountId: WABA_ID });
    graph.setTemplates([{ ...TEMPLATE, category: 'MARKETING', status: 'APPROVED' }]);
    graphs.push(graph);
    const res = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(res.status, res.text).toBe(201);
    await t.db.withTenant(tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(settings)}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, res.body.id))),
    );
    return { id: res.body.id as string, graph };
  }

  const audience = (tenantId: string, count: number, prefix: number) => buildGatePassingContacts(t, tenantId, { count, numberPrefix: '+549117', from: prefix * 10_000 });

  async function launch(client: TestClient, channelId: string) {
    const template = await client.post('/api/v1/templates', { name: 'Primer contacto', body: 'Hola {{firstName|amigo}}', whatsappTemplate: { ...TEMPLATE, parameters: ['{{firstName|cliente}}'] } });
    expect(template.status, template.text).toBe(201);
    const created = await client.post('/api/v1/campaigns', {
      name: 'Con fallas',
      templateId: template.body.id,
      channelIds: [channelId],
      audience: { all: true },
      minScore: 0,
      pacing: { mode: 'fixed', delaySeconds: 0 },
      // The provider's faults are what is tested, not the guard rail on failures.
      guardRails: { firstN: 200, maxFailureRate: 1, maxOptOutRate: 1 },
    });
    expect(created.status, created.text).toBe(201);
    expect((await client.post(`/api/v1/campaigns/${created.body.id}/launch`)).status).toBeLessThan(300);
    return created.body.id as string;
  }

  const statusOf = async (tenantId: string, campaignId: string) =>
    (await t.db.withTenant(tenantId, (tx) => tx.select({ status: campaigns.status }).from(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)))))[0]?.status;

  /** What the ledger and the provider's log say: lost, failed, accepted twice, ambiguous resent. */
  async function report(tenantId: string, campaignId: string, requests: GraphRequest[]) {
    const rows = (await t.db.withTenant(tenantId, (tx) =>
      tx.execute(sql`select r.status, c.phone_e164 as phone from campaign_recipients r join contacts c on c.tenant_id = r.tenant_id and c.id = r.contact_id
                     where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${campaignId}::uuid`),
    )) as unknown as { status: string; phone: string }[];
    const sends = requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && r.json?.type === 'template');
    const byPhone = new Map<string, GraphRequest[]>();
    for (const r of sends) pushTo(byPhone, `+${r.json.to}`, r);
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const sentStatuses = ['sent', 'delivered', 'read', 'replied'];
    return {
      recipients: rows.length,
      providerRequests: sends.length,
      faultsAnswered: sends.filter((r) => r.status !== undefined && r.status !== 200).length,
      peakPerSecond: peakPerSecond(sends.map((r) => r.at)),
      byStatus,
      lost: rows.filter((r) => r.status === 'pending' || r.status === 'queued').length,
      acceptedTwice: [...byPhone.values()].filter((list) => list.filter((r) => r.status === 200).length > 1).length,
      sentWithoutAcceptance: rows.filter((r) => sentStatuses.includes(r.status) && !(byPhone.get(r.phone) ?? []).some((x) => x.status === 200)).length,
      // An ambiguous send (a hang: it may have reached Meta) is never asked for again.
      ambiguousResent: rows.filter((r) => r.status === 'ambiguous' && (byPhone.get(r.phone) ?? []).at(-1)?.status !== undefined).length,
    };
  }

  return { t: () => t, published, cloudChannel, audience, launch, statusOf, report };
}

describe('a campaign through a provider that fails for a while', () => {
  const s = suite({});

  it('opens the number’s breaker, shows it on the campaign, holds its sends, and completes after the provider recovers: nothing lost, nothing twice', async () => {
    const t = s.t();
    const { client, user } = await buildSignedInUser(t);
    const { id: channelId, graph } = await s.cloudChannel(client, user.tenantId, { messagesPerSecond: 50, timeoutMs: 400 });
    await s.audience(user.tenantId, 40, 1);
    const campaignId = await s.launch(client, channelId);

    // Every call fails until the campaign's page shows the breaker open; then the provider recovers.
    // Neither counted nor timed faults make this deterministic: how many calls fail before the
    // breaker opens depends on how many sends were in flight (a success between faults resets the
    // count), and every failed probe doubles the cool-down (5 s, 10 s, 20 s, …).
    graph.failFor(Number.POSITIVE_INFINITY, ...FAULTS);
    // The campaign's page, read all along (the breaker may open and close between two drains).
    let sawOpen = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const campaign = (await client.get(`/api/v1/campaigns/${campaignId}`)).body;
        if (campaign.channelHealth?.[0]?.breaker === 'open') {
          if (!sawOpen) graph.failFor(0);
          sawOpen = true;
          expect(campaign.channelHealth[0]).toMatchObject({ channelId, breaker: 'open' });
          expect(campaign.channelHealth[0].retryAt).not.toBeNull();
          // Its live ETA waits for the breaker.
          if (campaign.stats.pending + campaign.stats.queued > 0) expect(campaign.stats.eta >= campaign.channelHealth[0].retryAt).toBe(true);
          expect(campaign.status).toBe('running');
        }
        await sleep(100);
      }
    })();
    const deadline = Date.now() + 120_000;
    while ((await s.statusOf(user.tenantId, campaignId)) !== 'completed' && Date.now() < deadline) {
      await t.runtime.modules.campaigns.engine.run(user.tenantId, campaignId, { budgetMs: 2_000 });
      await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 2_000 });
      await sleep(250);
    }
    watching = false;
    await watcher;
    expect(sawOpen).toBe(true);
    expect(s.published.some((e) => e.type === 'campaign.alert' && (e.data as { campaignId: string; reason: string }).campaignId === campaignId && (e.data as { reason: string }).reason === 'channel_breaker_open')).toBe(true);
    expect(s.published.some((e) => e.type === 'campaign.alert' && (e.data as { campaignId: string; reason: string }).campaignId === campaignId && (e.data as { reason: string }).reason === 'channel_breaker_closed')).toBe(true);

    const figures = await s.report(user.tenantId, campaignId, graph.requests);
    console.log('campaign through a failing provider (in process):', JSON.stringify(figures));
    expect(await s.statusOf(user.tenantId, campaignId)).toBe('completed');
    expect(figures.recipients).toBe(40);
    expect(figures.faultsAnswered).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(figures.byStatus.failed ?? 0).toBe(0);
    expect((figures.byStatus.sent ?? 0) + (figures.byStatus.ambiguous ?? 0)).toBe(40);
    expect(figures.acceptedTwice).toBe(0);
    expect(figures.sentWithoutAcceptance).toBe(0);
    expect(figures.ambiguousResent).toBe(0);
  }, 180_000);
});

const onPostgres = usingRealPostgres();
const WORKERS = 3;
const RATE = Number(process.env.FAULTS_RATE ?? 8);
const RECIPIENTS = Number(process.env.FAULTS_RECIPIENTS ?? 240);

describe.skipIf(!onPostgres)(`a campaign at ${RATE}/s in ${WORKERS} worker processes on PostgreSQL, through provider faults`, () => {
  let db: TestDatabase;
  let dataDir: string;
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let breakerOpened = false;
  beforeAll(async () => {
    db = await openTestDatabase({ poolSize: 8 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-faults-'));
  });
  const s = suite({ db: () => db });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function startWorker() {
    const url = (db.ownerUrlOrSocket as { url: string }).url;
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, DATABASE_POOL_SIZE: '6', DATA_DIR: dataDir, SECRET_KEY, LOG_LEVEL: 'warn', LEADMASTER_TEST_PRIVATE_HOSTS: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      if (d.toString().includes('channel breaker open')) breakerOpened = true;
      logs.push(d.toString());
      if (logs.length > 200) logs.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
  }

  it('never sends faster than the number’s rate in any second, and completes after the breaker closes: nothing lost, nothing twice', async () => {
    const t = s.t();
    const { client, user } = await buildSignedInUser(t);
    const { id: channelId, graph } = await s.cloudChannel(client, user.tenantId, { messagesPerSecond: RATE, timeoutMs: 1000 });
    await s.audience(user.tenantId, RECIPIENTS, 2);
    for (let i = 0; i < WORKERS; i++) startWorker();
    const started = Date.now();
    const campaignId = await s.launch(client, channelId);

    // A third of the way in, the provider fails for 6 s.
    const sends = () => graph.requests.filter((r) => r.path.endsWith('/messages')).length;
    while (sends() < RECIPIENTS / 3 && Date.now() - started < 120_000) await sleep(200);
    graph.failFor(6_000, ...FAULTS);
    const deadline = Date.now() + 8 * 60_000;
    while ((await s.statusOf(user.tenantId, campaignId)) !== 'completed') {
      if (Date.now() > deadline) throw new Error(`campaign not completed:\n${JSON.stringify(await s.report(user.tenantId, campaignId, graph.requests))}\n${logs.join('').slice(-4000)}`);
      await sleep(1000);
    }
    const figures = { ...(await s.report(user.tenantId, campaignId, graph.requests)), configuredRate: RATE, workers: WORKERS, seconds: (Date.now() - started) / 1000 };
    console.log('campaign through a failing provider (worker processes, PostgreSQL):', JSON.stringify(figures));
    expect(figures.recipients).toBe(RECIPIENTS);
    expect(figures.faultsAnswered).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(figures.byStatus.failed ?? 0).toBe(0);
    expect((figures.byStatus.sent ?? 0) + (figures.byStatus.ambiguous ?? 0)).toBe(RECIPIENTS);
    expect(figures.acceptedTwice).toBe(0);
    expect(figures.sentWithoutAcceptance).toBe(0);
    expect(figures.ambiguousResent).toBe(0);
    expect(figures.peakPerSecond).toBeLessThanOrEqual(RATE);
    expect(breakerOpened).toBe(true);
  }, 10 * 60_000);
});

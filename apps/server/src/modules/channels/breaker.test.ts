import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { startFakeBlueBubbles } from '../../../test/fakes/bluebubbles';
import { messages } from '../messaging/messaging.tables';
import { channelAccounts, channelSendGuards } from './channels.tables';
import { BREAKER_COOLDOWN_SECONDS, BREAKER_THRESHOLD } from './breaker';

/**
 * The circuit breaker of a channel account, through the real outbound path and the real WhatsApp
 * Cloud adapter against a local Graph server that fails on command: repeated provider faults open
 * it, the account's sends then wait (never failed, never sent twice), one probe goes after the
 * cool-down, and its success closes the breaker. A BlueBubbles line's daily cap holds sends the same way.
 */
const TOKEN = 'EAAG-breaker-token';
const PHONE_NUMBER_ID = '106540352242977';
const TEMPLATE = { name: 'seguimiento', language: 'es_AR' };
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398' }, templates: [{ ...TEMPLATE, category: 'MARKETING', status: 'APPROVED' }] }));
});
afterAll(async () => {
  await close?.();
});

async function setSettings(tenantId: string, channelId: string, settings: Record<string, unknown>) {
  await t.db.withTenant(tenantId, (tx) =>
    tx
      .update(channelAccounts)
      .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(settings)}::jsonb` })
      .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId))),
  );
}

async function cloudChannel(client: TestClient, tenantId: string) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: TOKEN, appSecret: 'breaker-app-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl, messagesPerSecond: 50 },
  });
  expect(res.status, res.text).toBe(201);
  await setSettings(tenantId, res.body.id, { timeoutMs: 400 });
  return res.body.id as string;
}

let phoneSeq = 0;
/** `n` contacts and a queued template message to each on the channel. */
async function queueTo(client: TestClient, tenantId: string, channelId: string, n: number, options: { template?: boolean } = {}) {
  const ids: string[] = [];
  const phones: string[] = [];
  for (let i = 0; i < n; i++) {
    const phone = `+5491146${String(100_000 + phoneSeq++).padStart(6, '0')}`;
    const created = await client.post('/api/v1/contacts', { firstName: `Ana ${i}`, phone });
    expect(created.status, created.text).toBe(201);
    const row = await t.db.withTenant(tenantId, (tx) =>
      t.runtime.modules.messaging.outbound.queue(tx, {
        tenantId,
        contactId: created.body.id,
        channelId,
        body: `hola ${i}`,
        ...(options.template === false ? {} : { template: { ...TEMPLATE, parameters: [`Ana ${i}`] } }),
        source: 'test',
      }),
    );
    ids.push(row.id);
    phones.push(phone);
  }
  return { ids, phones };
}

const load = (tenantId: string, ids: string[]) => t.db.withTenant(tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), sql`${messages.id} = any(${sql.param(ids)}::uuid[])`)));
const guardOf = async (tenantId: string, channelId: string) =>
  (await t.db.withTenant(tenantId, (tx) => tx.select().from(channelSendGuards).where(and(eq(channelSendGuards.tenantId, tenantId), eq(channelSendGuards.channelId, channelId)))))[0];
const sendsTo = (phones: string[]) => graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && phones.includes(`+${r.json?.to}`));
/** Makes the queued messages due now (their backoff and holds are what the breaker test is not waiting for). */
const dueNow = (tenantId: string, ids: string[]) =>
  t.db.withTenant(tenantId, (tx) => tx.update(messages).set({ nextAttemptAt: null }).where(and(eq(messages.tenantId, tenantId), sql`${messages.id} = any(${sql.param(ids)}::uuid[])`, eq(messages.status, 'queued'))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Moves an open breaker's retry time to `interval` from now (and lets this process's view of it age out). */
async function setRetry(tenantId: string, channelId: string, interval: string) {
  await t.db.withTenant(tenantId, (tx) => tx.update(channelSendGuards).set({ retryAt: sql`now() + ${interval}::interval` }).where(and(eq(channelSendGuards.tenantId, tenantId), eq(channelSendGuards.channelId, channelId))));
  await sleep(300);
}

describe('channel circuit breaker', () => {
  it('opens after repeated provider faults, holds the account’s sends without failing them, probes after the cool-down and closes on success', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client, user.tenantId);
    const { ids, phones } = await queueTo(client, user.tenantId, channelId, 20);
    const changes: { state: string }[] = [];
    t.runtime.deps.events.on('channels.breaker-changed', async (_tx, e) => {
      if (e.channelId === channelId) changes.push({ state: e.state });
    });

    // The provider has a bad minute: 503, 429 with Retry-After 1, 130429, and requests that hang past the timeout.
    graph.failFor(
      120_000,
      { kind: 'error', status: 503 },
      { kind: 'error', status: 429, headers: { 'retry-after': '1' } },
      { kind: 'error', status: 400, error: { code: 130429, message: '(#130429) Rate limit hit' } },
      { kind: 'hang' },
    );
    const first = await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 5_000 });
    const opened = await guardOf(user.tenantId, channelId);
    expect(opened).toMatchObject({ breakerState: 'open', openings: 1 });
    expect(opened!.failures).toBeGreaterThanOrEqual(BREAKER_THRESHOLD);
    expect(opened!.retryAt!.getTime() - Date.now()).toBeLessThanOrEqual(BREAKER_COOLDOWN_SECONDS * 1.2 * 1000);
    expect(first.outcomes.deferred ?? 0).toBeGreaterThan(0);
    // The channel's page says so.
    expect((await client.get(`/api/v1/channels/${channelId}`)).body.sending).toMatchObject({ breaker: 'open', retryAt: opened!.retryAt!.toISOString(), messagingLimit: { tier: null, perDay: null }, dailyCap: null });
    // Once open, nothing more reaches the provider: the faults that opened it, and the requests already in flight (let them land).
    for (let before = -1; before !== sendsTo(phones).length; ) {
      before = sendsTo(phones).length;
      await sleep(600);
    }
    const calledWhileFailing = sendsTo(phones).length;
    expect(calledWhileFailing).toBeLessThan(20);
    let rows = await load(user.tenantId, ids);
    expect(rows.filter((r) => r.status === 'failed')).toEqual([]);
    // Held messages did not spend an attempt and wait for the breaker's retry time.
    const held = rows.filter((r) => r.errorCode === 'channel_breaker_open');
    expect(held.length).toBeGreaterThan(0);
    for (const r of held) {
      expect(r).toMatchObject({ status: 'queued', attempts: 0 });
      expect(r.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    }
    // While it is open, a drain sends nothing at all (its cool-down lengthened here, so a slow machine cannot reach its end meanwhile).
    await setRetry(user.tenantId, channelId, '30 seconds');
    await dueNow(user.tenantId, ids);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 2_000 });
    expect(sendsTo(phones).length).toBe(calledWhileFailing);

    // Still failing after the cool-down (ended now rather than waited for): the one probe fails and the breaker opens again, for longer.
    await setRetry(user.tenantId, channelId, '0 seconds');
    await dueNow(user.tenantId, ids);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 3_000 });
    expect(sendsTo(phones).length).toBe(calledWhileFailing + 1);
    const reopened = await guardOf(user.tenantId, channelId);
    expect(reopened).toMatchObject({ breakerState: 'open', openings: 2 });
    expect(reopened!.retryAt!.getTime() - reopened!.changedAt.getTime()).toBeGreaterThanOrEqual(BREAKER_COOLDOWN_SECONDS * 2 * 0.8 * 1000 - 50);

    // The provider recovers; after the cool-down (ended now) the probe succeeds, the breaker closes and everything goes, once.
    graph.failFor(0);
    await setRetry(user.tenantId, channelId, '0 seconds');
    const deadline = Date.now() + 30_000;
    for (;;) {
      await dueNow(user.tenantId, ids);
      await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 5_000 });
      rows = await load(user.tenantId, ids);
      if (rows.every((r) => r.status !== 'queued') || Date.now() > deadline) break;
      await sleep(200);
    }
    expect(await guardOf(user.tenantId, channelId)).toMatchObject({ breakerState: 'closed', failures: 0, openings: 0 });
    expect(changes.map((c) => c.state)).toEqual(['open', 'open', 'closed']);
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    // Hung requests are ambiguous (they may have reached Meta): flagged, never resent. Everything else was sent.
    expect((byStatus.sent ?? 0) + (byStatus.ambiguous ?? 0)).toBe(20);
    expect(byStatus.ambiguous ?? 0).toBeLessThanOrEqual(rows.filter((r) => r.errorCode?.startsWith('timeout')).length);
    // Nothing was accepted twice by the provider; an ambiguous message was never asked for again.
    const accepted = sendsTo(phones).filter((r) => r.status === 200);
    expect(new Set(accepted.map((r) => r.json.to)).size).toBe(accepted.length);
    expect(accepted.length).toBe(byStatus.sent);
    const phoneOf = new Map(ids.map((id, i) => [id, phones[i]!.slice(1)]));
    // (An ambiguous message may have had a definite refusal first, a 503 say, then the request that hung: the hung one is its last.)
    for (const r of rows.filter((x) => x.status === 'ambiguous')) {
      const asked = sendsTo(phones).filter((x) => x.json.to === phoneOf.get(r.id));
      expect(asked.filter((x) => x.status === undefined)).toHaveLength(1);
      expect(asked.at(-1)!.status).toBeUndefined();
    }
  }, 90_000);

  it('does not count a recipient’s own errors against the account', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client, user.tenantId);
    const { ids } = await queueTo(client, user.tenantId, channelId, BREAKER_THRESHOLD + 2);
    graph.failNext(...Array.from({ length: BREAKER_THRESHOLD + 2 }, () => ({ kind: 'error' as const, status: 400, error: { code: 131026, message: 'Message undeliverable' } })));
    await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 5_000 });
    expect((await load(user.tenantId, ids)).map((r) => r.status)).toEqual(ids.map(() => 'failed'));
    const guard = await guardOf(user.tenantId, channelId);
    expect(guard?.breakerState ?? 'closed').toBe('closed');
    expect(guard?.failures ?? 0).toBe(0);
  });

  it('holds a BlueBubbles line’s sends past its daily cap until the day is over, without failing them', async () => {
    const bb = await startFakeBlueBubbles({ password: 'bb-breaker-password', imessageHandles: [] });
    try {
      const { client, user } = await buildSignedInUser(t);
      const res = await client.post('/api/v1/channels', { kind: 'bluebubbles', name: 'iMessage', config: { serverUrl: bb.serverUrl, password: 'bb-breaker-password', dailyCap: 3, perLinePerSecond: 5 } });
      expect(res.status, res.text).toBe(201);
      const channelId = res.body.id as string;
      const { ids } = await queueTo(client, user.tenantId, channelId, 5, { template: false });
      await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 5_000 });
      const rows = await load(user.tenantId, ids);
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(3);
      const held = rows.filter((r) => r.status === 'queued');
      expect(held).toHaveLength(2);
      for (const r of held) {
        expect(r).toMatchObject({ attempts: 0, errorCode: 'daily_cap_reached' });
        expect(r.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
      }
      expect(bb.messages.filter((m) => m.isFromMe)).toHaveLength(3);
      // The next day (the count's day moved back 24 h), the rest go.
      await t.db.withTenant(user.tenantId, (tx) => tx.update(channelSendGuards).set({ dayStartedAt: sql`now() - interval '1 day 1 second'` }).where(eq(channelSendGuards.channelId, channelId)));
      await dueNow(user.tenantId, ids);
      await t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 5_000 });
      expect((await load(user.tenantId, ids)).filter((r) => r.status === 'sent')).toHaveLength(5);
      expect(await guardOf(user.tenantId, channelId)).toMatchObject({ dayCount: 2 });
      expect((await client.get(`/api/v1/channels/${channelId}`)).body.sending).toMatchObject({ breaker: 'closed', sentToday: 2, dailyCap: 3 });
    } finally {
      await bb.close();
    }
  });
});

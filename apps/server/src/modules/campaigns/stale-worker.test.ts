import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { TestApp, TestClient } from '../../../test/harness';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { channelAccounts } from '../channels/channels.tables';
import { messages } from '../messaging/messaging.tables';
import { campaignRecipients } from './campaigns.tables';

/**
 * A stale worker commits nothing (issue #5), at both levels of a campaign's sending:
 * - the ledger: a claim holds its rows (FOR UPDATE SKIP LOCKED) for the life of its transaction,
 *   which is the lease. Another claimer skips them meanwhile; when the first worker's transaction
 *   is cut (the lease is over), the rows are claimed again, and the first worker's writes — messages
 *   and ledger — never appear. Proven on PostgreSQL with real sessions.
 * - the message: a send whose lease ran out and was taken over (the sweeper marked it ambiguous)
 *   gets its provider's late answer, and its fenced update changes nothing; the takeover stands.
 */
const TOKEN = 'EAAG-stale-token';
const WABA_ID = '102290129340398';
const PHONE_NUMBER_ID = '106540352243555';
const TEMPLATE = { name: 'primer_contacto', language: 'es_AR' };
const onPostgres = usingRealPostgres();

let db: TestDatabase | undefined;
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  if (onPostgres) db = await openTestDatabase({ poolSize: 8 });
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID }, templates: [{ ...TEMPLATE, category: 'MARKETING', status: 'APPROVED' }], app: db ? { db } : {} }));
});
afterAll(async () => {
  await close?.();
  await db?.close();
});

async function cloudChannel(client: TestClient, tenantId: string, settings: Record<string, unknown>) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'stale-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(res.status, res.text).toBe(201);
  await t.db.withTenant(tenantId, (tx) =>
    tx
      .update(channelAccounts)
      .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(settings)}::jsonb` })
      .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, res.body.id))),
  );
  return res.body.id as string;
}

/** A running campaign of `count` recipients who pass the gate, its ledger written and due now. */
async function runningCampaign(client: TestClient, tenantId: string, channelId: string, count: number, prefix: number) {
  const ids = await buildGatePassingContacts(t, tenantId, { count, numberPrefix: '+549118', from: prefix * 1000 });
  const template = await client.post('/api/v1/templates', { name: 'Primer contacto', body: 'Hola {{firstName}}', whatsappTemplate: { ...TEMPLATE, parameters: ['{{firstName}}'] } });
  const created = await client.post('/api/v1/campaigns', {
    name: 'Relevo',
    templateId: template.body.id,
    channelIds: [channelId],
    audience: { contactIds: ids },
    minScore: 0,
    pacing: { mode: 'fixed', delaySeconds: 0 },
  });
  expect(created.status, created.text).toBe(201);
  expect((await client.post(`/api/v1/campaigns/${created.body.id}/launch`)).status).toBeLessThan(300);
  await t.runtime.modules.campaigns.engine.materialize(tenantId, created.body.id);
  return created.body.id as string;
}

const ledger = (tenantId: string, campaignId: string) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId))));
const campaignMessages = (tenantId: string) => t.db.withTenant(tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.source, 'campaign'))));

describe.skipIf(!onPostgres)('a stale claimer of the ledger (PostgreSQL sessions)', () => {
  it('commits nothing once its claim transaction is cut: another claimer takes its rows and its outcome stands', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client, user.tenantId, {});
    const campaignId = await runningCampaign(client, user.tenantId, channelId, 20, 1);
    const engine = t.runtime.modules.campaigns.engine;
    const owner = postgres((db!.ownerUrlOrSocket as { url: string }).url, { max: 2, onnotice: () => undefined });
    try {
      // Worker A claims the 20 rows and is held inside its transaction (a lock it needs next is taken).
      const blocker = owner.reserve();
      const hold = await blocker;
      await hold`begin`;
      await hold`lock table message_templates in access exclusive mode`;
      const a = engine.claimBatch(user.tenantId, campaignId).then(
        (r) => ({ ok: true as const, r }),
        (err: Error) => ({ ok: false as const, err }),
      );
      let pid: number | undefined;
      for (let i = 0; i < 200 && !pid; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [w] = await owner<{ pid: number }[]>`select pid from pg_locks where relation = 'message_templates'::regclass and not granted limit 1`;
        pid = w?.pid;
      }
      expect(pid, 'worker A never reached its claim').toBeDefined();
      const [locked] = await owner<{ n: number }[]>`select count(*)::int as n from pg_locks l where l.pid = ${pid!} and l.relation = 'campaign_recipients'::regclass and l.mode = 'RowShareLock' and l.granted`;
      expect(locked!.n).toBeGreaterThan(0);

      // While A holds them, another claimer gets none of its rows.
      expect(await engine.claimBatch(user.tenantId, campaignId)).toMatchObject({ claimed: 0 });

      // A's lease ends: its claim transaction is cut (its statement cancelled, as a statement timeout
      // would; a killed worker's session ending is the reliability test's case). B takes the rows over.
      await owner`select pg_cancel_backend(${pid!})`;
      await hold`rollback`;
      hold.release();
      const outcomeA = await a;
      expect(outcomeA.ok).toBe(false);
      const b = await engine.claimBatch(user.tenantId, campaignId);
      expect(b).toMatchObject({ claimed: 20 });

      // Only B's outcome exists: each recipient queued once, with B's message; none of A's messages.
      const rows = await ledger(user.tenantId, campaignId);
      expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'queued'));
      const sent = await campaignMessages(user.tenantId);
      expect(sent).toHaveLength(20);
      expect(new Set(rows.map((r) => r.messageId))).toEqual(new Set(sent.map((m) => m.id)));
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await owner.end();
    }
  }, 60_000);
});

describe('a stale sender of a campaign message', () => {
  it('commits nothing when the provider’s answer comes after its lease was taken over: the takeover (ambiguous) stands', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client, user.tenantId, { timeoutMs: 10_000 });
    const campaignId = await runningCampaign(client, user.tenantId, channelId, 1, 2);
    await t.runtime.modules.campaigns.engine.run(user.tenantId, campaignId, { budgetMs: 2_000 });
    const [row] = await ledger(user.tenantId, campaignId);
    expect(row).toMatchObject({ status: 'queued' });

    // The provider takes 3 s to accept; meanwhile the sender's lease runs out and the sweeper takes the message over.
    graph.failNext({ kind: 'delay', ms: 3_000 });
    const slow = t.runtime.modules.messaging.outbound.drain(user.tenantId, { budgetMs: 10_000 });
    const sends = () => graph.requests.filter((r) => r.path.endsWith('/messages') && r.json?.type === 'template').length;
    await expect.poll(sends, { timeout: 10_000 }).toBe(1);
    await t.db.withTenant(user.tenantId, (tx) => tx.update(messages).set({ leaseUntil: sql`now() - interval '1 second'` }).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, row!.messageId!))));
    await t.runtime.modules.messaging.outbound.sweep();
    expect((await ledger(user.tenantId, campaignId))[0]).toMatchObject({ status: 'ambiguous' });
    await slow;

    // The late acceptance was not written over the takeover: the message stays ambiguous (left to status webhooks), the ledger too.
    const [message] = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, row!.messageId!))));
    expect(message).toMatchObject({ status: 'ambiguous', errorCode: 'worker_lost', providerMessageId: null, attempts: 1 });
    expect((await ledger(user.tenantId, campaignId))[0]).toMatchObject({ status: 'ambiguous' });
    expect(t.logs.join('\n')).toMatch(/after (the|their) leases? (was|were) lost/);
    expect(sends()).toBe(1);
  }, 60_000);
});

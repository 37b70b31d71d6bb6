import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { startFakeBlueBubbles } from '../../../../test/fakes/bluebubbles';
import { inboundEvents } from '../channels.tables';
import type { InboundItem } from '../inbound-items';

const PASSWORD = 'bb-password-log-canary-7f3a';
let t: TestApp;
let fake: Awaited<ReturnType<typeof startFakeBlueBubbles>>;
const emitted: { channelId: string; items: InboundItem[] }[] = [];
beforeAll(async () => {
  t = await startTestApp();
  fake = await startFakeBlueBubbles({ password: PASSWORD, imessageHandles: ['+15550001111'] });
  t.runtime.modules.channels.channels.allowPrivateHostsForTests(['127.0.0.1']);
  t.runtime.deps.events.on('channels.inbound', async (_tx, e) => void emitted.push({ channelId: e.channelId, items: e.items as InboundItem[] }));
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});

async function bbChannel(client: TestClient, password = PASSWORD, serverUrl = fake.serverUrl) {
  const res = await client.post('/api/v1/channels', { kind: 'bluebubbles', name: 'iMessage', config: { serverUrl, password } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, webhook: new URL(res.body.webhookUrl).pathname };
}
const webhook = (path: string, body: unknown) =>
  t.client().request('POST', path, { rawBody: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const stored = (tenantId: string, channelId: string) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId))));
async function processAll(tenantId: string, channelId: string) {
  for (const e of await stored(tenantId, channelId)) if (e.status === 'pending') await t.runtime.modules.channels.inbound.process({ tenantId, eventId: e.id });
  return stored(tenantId, channelId);
}
const itemsOf = (channelId: string) => emitted.filter((e) => e.channelId === channelId).flatMap((e) => e.items);

describe('BlueBubbles inbound', () => {
  it('turns webhooks into messages, statuses of our own sends (delivered, then read) and typing', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await bbChannel(client);
    const adapter = await t.runtime.modules.channels.channels.adapterFor(user.tenantId, channel.id);
    const ourId = randomUUID();
    const receipt = await adapter.send({ messageId: ourId, to: { phoneE164: '+15550001111' }, content: { type: 'text', body: 'Hola Ana' } });
    const sent = fake.messages.find((m) => m.guid === receipt.providerMessageId)!;
    const inbound = fake.receive({ from: '+15550001111', text: 'Hola! 👋' });
    const events = [
      { type: 'new-message', data: inbound },
      { type: 'new-message', data: { ...sent } },
      { type: 'updated-message', data: { ...fake.update(sent.guid, { dateDelivered: sent.dateCreated + 1000 }) } },
      { type: 'updated-message', data: { ...fake.update(sent.guid, { dateRead: sent.dateCreated + 5000 }), tempGuid: undefined } },
      { type: 'typing-indicator', data: { display: true, guid: 'iMessage;-;+15550001111' } },
      { type: 'chat-read-status-changed', data: { chatGuid: 'x', read: true } },
    ];
    for (const e of events) expect((await webhook(channel.webhook, e)).status).toBe(200);
    // A BlueBubbles retry of the same event is the same row.
    expect((await webhook(channel.webhook, events[0])).body.duplicate).toBe(true);
    const rows = await processAll(user.tenantId, channel.id);
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.status).sort()).toEqual(['ignored', 'processed', 'processed', 'processed', 'processed', 'processed']);
    const items = itemsOf(channel.id);
    expect(items).toHaveLength(5);
    expect(items).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'message', providerMessageId: inbound.guid, direction: 'inbound', service: 'imessage', text: 'Hola! 👋', from: { phone: '+15550001111', handle: '+15550001111' }, chat: 'iMessage;-;+15550001111' }),
      expect.objectContaining({ kind: 'status', providerMessageId: sent.guid, clientRef: ourId, status: 'sent', service: 'imessage' }),
      expect.objectContaining({ kind: 'status', providerMessageId: sent.guid, status: 'delivered' }),
      expect.objectContaining({ kind: 'status', providerMessageId: sent.guid, status: 'read' }),
      expect.objectContaining({ kind: 'typing', on: true, chat: 'iMessage;-;+15550001111', from: { phone: '+15550001111', handle: '+15550001111' } }),
    ]));
  });

  it('dead-letters webhooks it cannot read', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await bbChannel(client);
    for (const b of ['{"type":"new-message","data":', JSON.stringify({ type: 'new-message', data: { guid: 'g-nul', text: 'a\u0000b', dateCreated: 1 } }), JSON.stringify({ type: 'new-message', data: { guid: 'g-no-date' } }), '[1,2]']) {
      expect((await webhook(channel.webhook, b)).status).toBe(200);
    }
    const rows = await processAll(user.tenantId, channel.id);
    expect(rows.map((r) => r.status)).toEqual(['dead', 'dead', 'dead', 'dead']);
  });

  it('reconciliation finds a message the webhook missed, and does not store twice one the webhook delivered', async () => {
    const { client, user } = await buildSignedInUser(t);
    // A server of its own: nothing from the other tests in its history.
    const fake = await startFakeBlueBubbles({ password: PASSWORD });
    const channel = await bbChannel(client, PASSWORD, fake.serverUrl);
    const seenByWebhook = fake.receive({ from: '+15550001111', text: 'llegó por webhook' });
    expect((await webhook(channel.webhook, { type: 'new-message', data: seenByWebhook })).status).toBe(200);
    const missed = fake.receive({ from: '+5491144445555', text: 'el webhook se perdió', service: 'SMS' });
    const first = await t.runtime.modules.channels.bluebubbles.reconcile({ tenantId: user.tenantId, channelId: channel.id });
    expect(first.stored).toBe(1);
    // Running again (or overlapping with a late webhook) adds nothing.
    expect((await t.runtime.modules.channels.bluebubbles.reconcile({ tenantId: user.tenantId, channelId: channel.id })).stored).toBe(0);
    expect((await webhook(channel.webhook, { type: 'new-message', data: missed })).body.duplicate).toBe(true);
    const rows = await processAll(user.tenantId, channel.id);
    expect(rows.map((r) => r.providerEventId).sort()).toEqual([`new-message:${missed.guid}`, `new-message:${seenByWebhook.guid}`].sort());
    const messages = itemsOf(channel.id).filter((i) => i.kind === 'message');
    expect(messages.map((m) => m.kind === 'message' && [m.providerMessageId, m.service, m.text])).toEqual(
      expect.arrayContaining([
        [seenByWebhook.guid, 'imessage', 'llegó por webhook'],
        [missed.guid, 'sms', 'el webhook se perdió'],
      ]),
    );
    expect(messages).toHaveLength(2);
    const state = (await client.get(`/api/v1/channels/${channel.id}`)).body.providerState.reconcile;
    expect(state).toMatchObject({ found: 2, stored: 0 });
    await fake.close();
  });

  it('never writes the server password to logs, errors or stored state', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await bbChannel(client, 'wrong-password-canary-99');
    const good = await bbChannel(client);
    const bad = await client.post(`/api/v1/channels/${channel.id}/test`);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'bluebubbles_unauthorized' } });
    const ok = await client.post(`/api/v1/channels/${good.id}/test`);
    expect(ok.body).toMatchObject({ ok: true, info: { serverVersion: '1.9.9' } });
    // A failing poll, logged the way the job runner logs a failed job.
    const err = await t.runtime.modules.channels.bluebubbles.reconcile({ tenantId: user.tenantId, channelId: channel.id }).catch((e) => e);
    t.runtime.deps.logger.warn({ err }, 'job failed');
    const everything = [t.logs.join('\n'), JSON.stringify(bad.body), JSON.stringify(ok.body), JSON.stringify((await client.get('/api/v1/channels')).body), String(err?.stack)].join('\n');
    expect(everything).not.toContain('wrong-password-canary-99');
    expect(everything).not.toContain(PASSWORD);
    expect(t.logs.join('\n')).toContain('BlueBubbles refused the server password');
  });
});

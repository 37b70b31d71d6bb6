import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { FakeClock } from '../../../test/clock';
import { channelAccounts, inboundEvents } from '../channels/channels.tables';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { contacts } from '../contacts/contacts.tables';
import { messages } from './messaging.tables';

/**
 * The durable outbound path with the real WhatsApp Cloud adapter, over HTTP, against a local
 * server that speaks the Graph API: queued row first, one provider call per message, outcomes
 * (sent, retried, failed, ambiguous) recorded, statuses from webhooks applied.
 */
const TOKEN = 'EAAG-outbound-token';
const APP_SECRET = 'outbound-app-secret';
const PHONE_NUMBER_ID = '106540352242922';
const clock = new FakeClock(new Date());
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398' }, app: { clock } }));
});
afterAll(async () => {
  await close?.();
});

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

const webhook = (value: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID }, ...value } }] }] }));

async function deliver(tenantId: string, channelId: string, raw: Buffer) {
  const res = await t.client().request('POST', `/webhooks/whatsapp/${channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
  expect(res.status, res.text).toBe(200);
  const pending = await t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.status, 'pending'))));
  for (const e of pending) await t.runtime.modules.channels.inbound.process({ tenantId, eventId: e.id });
}

/** A contact who wrote a minute ago (inside WhatsApp's 24-hour window), and their conversation. */
async function conversationWithReply(client: TestClient, tenantId: string, channelId: string, from: string) {
  await deliver(tenantId, channelId, webhook({ contacts: [{ wa_id: from, profile: { name: 'Ana' } }], messages: [{ from, id: `wamid.in.${from}`, timestamp: String(Math.floor(clock.now().getTime() / 1000) - 60), type: 'text', text: { body: 'hola' } }] }));
  const list = await client.get('/api/v1/conversations');
  return list.body.items.find((c: { contact: { phoneE164: string } }) => c.contact.phoneE164 === `+${from}`) as { id: string; contact: { id: string } };
}

const load = (tenantId: string, id: string) => t.db.withTenant(tenantId, async (tx) => (await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))))[0]!);
const sendsTo = (to: string) => graph.requests.filter((r) => r.path.endsWith('/messages') && r.json?.to === to && r.json?.type === 'text');
/** Drains of the tenant's outbox waiting to run (at most one: pg-boss `stately` queue, keyed by tenant). */
const waitingDrains = async (tenantId: string) =>
  (await t.runtime.deps.database.sql<{ n: number; later: number }[]>`
    select count(*)::int as n, count(*) filter (where start_after > now())::int as later
      from pgboss.job where name = 'messaging.send-drain' and singleton_key = ${tenantId} and state = 'created'`)[0]!;

describe('outbound messages', () => {
  it('stores a reply before sending it, sends it once, and follows its statuses', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670001');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Hola Ana, sí tenemos ☕' }, { headers: { 'idempotency-key': 'reply-0001-abcdef' } });
    expect(reply.status, reply.text).toBe(202);
    expect(reply.body).toMatchObject({ direction: 'outbound', status: 'queued', body: 'Hola Ana, sí tenemos ☕', service: 'whatsapp' });
    // The same request again (a double click, a retried POST) is the same message.
    const again = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Hola Ana, sí tenemos ☕' }, { headers: { 'idempotency-key': 'reply-0001-abcdef' } });
    expect(again.body.id).toBe(reply.body.id);
    expect((await waitingDrains(user.tenantId)).n).toBe(1);
    expect(sendsTo('5491145670001')).toHaveLength(0);

    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toMatchObject({ outcome: 'sent' });
    // A second run of the job (pg-boss delivers at least once) sends nothing.
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toEqual({ outcome: 'not-claimed' });
    const sent = sendsTo('5491145670001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.json.text.body).toBe('Hola Ana, sí tenemos ☕');
    const row = await load(user.tenantId, reply.body.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, leaseUntil: null });
    expect(row.providerMessageId).toMatch(/^wamid\./);

    await deliver(user.tenantId, channel.id, webhook({ statuses: [{ id: row.providerMessageId, status: 'delivered', timestamp: String(Math.floor(clock.now().getTime() / 1000) + 5), recipient_id: '5491145670001' }] }));
    const thread = await client.get(`/api/v1/conversations/${conversation.id}/messages`);
    expect(thread.body.items[0]).toMatchObject({ id: reply.body.id, status: 'delivered' });
    expect(thread.body.items[1]).toMatchObject({ direction: 'inbound', body: 'hola' });
  });

  it('retries a throughput error after a pause, and sends once it clears', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670002');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'primer intento' });
    graph.failNext({ kind: 'error', status: 400, error: { code: 130429, message: '(#130429) Rate limit hit' } });
    const first = await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id);
    expect(first).toMatchObject({ outcome: 'retry', code: '130429' });
    const waiting = await load(user.tenantId, reply.body.id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, errorCode: '130429' });
    expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    // The drain that was waiting runs (a worker took it): nothing is due, and it books the next one for when the pause is over.
    await t.runtime.deps.database.sql`delete from pgboss.job where name = 'messaging.send-drain' and singleton_key = ${user.tenantId}`;
    expect((await t.runtime.modules.messaging.outbound.drain(user.tenantId)).outcomes).toEqual({});
    expect((await waitingDrains(user.tenantId)).later).toBe(1);
    await t.db.withTenant(user.tenantId, (tx) => tx.update(messages).set({ nextAttemptAt: null }).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, reply.body.id))));
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toMatchObject({ outcome: 'sent' });
    expect(await load(user.tenantId, reply.body.id)).toMatchObject({ status: 'sent', attempts: 2, errorCode: null });
  });

  it('fails an undeliverable number for good and marks it not on WhatsApp', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670003');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'hola?' });
    graph.failNext({ kind: 'error', status: 400, error: { code: 131026, message: 'Message undeliverable' } });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toMatchObject({ outcome: 'failed', code: '131026' });
    expect(await load(user.tenantId, reply.body.id)).toMatchObject({ status: 'failed', errorCode: '131026' });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toEqual({ outcome: 'not-claimed' });
    const [contact] = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(contacts).where(and(eq(contacts.tenantId, user.tenantId), eq(contacts.id, conversation.contact.id))));
    expect(contact!.whatsapp).toBe('no');
  });

  it('marks a send whose answer never came as ambiguous and never sends it again', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || '{"timeoutMs": 300}'::jsonb` })
        .where(and(eq(channelAccounts.tenantId, user.tenantId), eq(channelAccounts.id, channel.id))),
    );
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670004');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: '¿llegó?' });
    graph.failNext({ kind: 'hang' });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toMatchObject({ outcome: 'ambiguous' });
    expect(await load(user.tenantId, reply.body.id)).toMatchObject({ status: 'ambiguous', attempts: 1 });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toEqual({ outcome: 'not-claimed' });
    expect(sendsTo('5491145670004')).toHaveLength(1);
  });

  it('turns a send whose worker vanished into ambiguous', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670005');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'perdido' });
    // A worker claimed it and died: the lease ran out while it was `sending`.
    await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .update(messages)
        .set({ status: 'sending', attempts: 1, leaseUntil: sql`now() - interval '1 second'` })
        .where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, reply.body.id))),
    );
    const swept = await t.runtime.modules.messaging.outbound.sweep();
    expect(swept.marked).toBeGreaterThanOrEqual(1);
    expect(await load(user.tenantId, reply.body.id)).toMatchObject({ status: 'ambiguous', errorCode: 'worker_lost' });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toEqual({ outcome: 'not-claimed' });
    expect(sendsTo('5491145670005')).toHaveLength(0);
  });

  it('lets a worker that lost its lease commit nothing', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || '{"timeoutMs": 1500}'::jsonb` })
        .where(and(eq(channelAccounts.tenantId, user.tenantId), eq(channelAccounts.id, channel.id))),
    );
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670007');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'lento' });
    graph.failNext({ kind: 'hang' });
    const slow = t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id);
    await expect.poll(() => sendsTo('5491145670007').length, { timeout: 5000 }).toBe(1);
    // While the provider hangs, the lease runs out and the sweeper takes the message over.
    await t.db.withTenant(user.tenantId, (tx) => tx.update(messages).set({ leaseUntil: sql`now() - interval '1 second'` }).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, reply.body.id))));
    await t.runtime.modules.messaging.outbound.sweep();
    await slow;
    // The late worker's own outcome (a timeout) was not written over the sweeper's.
    expect(await load(user.tenantId, reply.body.id)).toMatchObject({ status: 'ambiguous', errorCode: 'worker_lost', attempts: 1 });
    expect(t.logs.join('\n')).toContain('after the lease was lost');
  });

  it('refuses to send on a disabled channel without calling the provider', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const conversation = await conversationWithReply(client, user.tenantId, channel.id, '5491145670006');
    const reply = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'no debería salir' });
    await client.patch(`/api/v1/channels/${channel.id}`, { status: 'disabled' });
    expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, reply.body.id)).toMatchObject({ outcome: 'failed', code: 'channel_unavailable' });
    expect(sendsTo('5491145670006')).toHaveLength(0);
  });

  it("keeps a WhatsApp number's messaging limit across campaigns: new recipients beyond the tier wait, unattempted, until a place frees", async () => {
    const { client, user } = await buildSignedInUser(t);
    const tenantId = user.tenantId;
    const channel = await cloudChannel(client);
    // 10/s: slices of one message, so two drains' four lanes ask for places at the same time.
    expect((await client.patch(`/api/v1/channels/${channel.id}`, { settings: { messagesPerSecond: 10 } })).status).toBe(200);
    // Meta told this number it may start conversations with 3 people a day.
    await t.db.withTenant(tenantId, (tx) =>
      tx.update(channelAccounts).set({ providerState: { business_capability_update: { max_daily_conversation_per_phone: 3, receivedAt: new Date().toISOString() } } }).where(eq(channelAccounts.id, channel.id)),
    );
    // Someone who wrote in a minute ago opened their own conversation: they take no place.
    const writer = await conversationWithReply(client, tenantId, channel.id, '5491145710001');
    const fresh = await buildGatePassingContacts(t, tenantId, { count: 5, numberPrefix: '+549116', from: 720001 });
    const { outbound } = t.runtime.modules.messaging;
    const template = { name: 'primer_contacto', language: 'es_AR', parameters: [] };
    graph.setTemplates([{ name: template.name, language: template.language, category: 'MARKETING', status: 'APPROVED' }]);
    // Two campaigns (and the inbox) on one number share its limit.
    const queued = await t.db.withTenant(tenantId, (tx) =>
      outbound.queueMany(tx, tenantId, [
        ...fresh.slice(0, 3).map((contactId) => ({ tenantId, contactId, channelId: channel.id, template, source: 'campaign' })),
        { tenantId, contactId: writer.contact.id, channelId: channel.id, template, source: 'inbox' },
        ...fresh.slice(3).map((contactId) => ({ tenantId, contactId, channelId: channel.id, template, source: 'campaign' })),
      ]),
    );
    const ids = queued.map((q) => ('id' in q ? q.id : ''));
    // Two drains at once (two workers): together they still start no more than 3.
    await Promise.all([outbound.drain(tenantId), outbound.drain(tenantId)]);
    const after = await Promise.all(ids.map((id) => load(tenantId, id)));
    expect(after.map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'queued', 'queued']);
    for (const waiting of after.slice(4)) {
      expect(waiting.attempts).toBe(0);
      expect(waiting.errorCode).toBe('messaging_limit');
      // The first place frees a day after the first start.
      expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    }
    const provider = graph.requests.filter((r) => r.path.endsWith('/messages') && r.json?.type === 'template');
    const started = new Set(provider.map((r) => r.json.to));
    expect(started.size).toBe(4);
    // Another drain (another worker) sends nothing more while the window is full.
    await outbound.drain(tenantId);
    expect((await load(tenantId, ids[4]!)).status).toBe('queued');
    // A day later (the starts and the wait moved back 24 h) the places free and the two go out, once each.
    await t.db.withTenant(tenantId, async (tx) => {
      await tx.execute(sql`update channel_conversation_starts set started_at = started_at - interval '24 hours' where tenant_id = ${tenantId}::uuid`);
      await tx.execute(sql`update messages set next_attempt_at = now() where tenant_id = ${tenantId}::uuid and status = 'queued'`);
    });
    await outbound.drain(tenantId);
    const done = await Promise.all(ids.slice(4).map((id) => load(tenantId, id)));
    expect(done.map((m) => [m.status, m.attempts])).toEqual([['sent', 1], ['sent', 1]]);
    expect(graph.requests.filter((r) => r.path.endsWith('/messages') && r.json?.type === 'template')).toHaveLength(6);
  });

  /** Meta told this number it may start conversations with `perDay` people a day. */
  const tier = (tenantId: string, channelId: string, perDay: number) =>
    t.db.withTenant(tenantId, (tx) =>
      tx.update(channelAccounts).set({ providerState: { business_capability_update: { max_daily_conversation_per_phone: perDay, receivedAt: new Date().toISOString() } } }).where(eq(channelAccounts.id, channelId)),
    );
  const placesTaken = async (tenantId: string, channelId: string) =>
    (await t.db.withTenant(tenantId, (tx) => tx.execute<{ n: number }>(sql`select count(*)::int as n from channel_conversation_starts where tenant_id = ${tenantId}::uuid and channel_id = ${channelId}::uuid`)))[0]!.n;

  it("keeps the messaging limit on the single-message path: a send that would start a conversation beyond the tier waits, unattempted", async () => {
    const { client, user } = await buildSignedInUser(t);
    const tenantId = user.tenantId;
    const channel = await cloudChannel(client);
    await tier(tenantId, channel.id, 1);
    const writer = await conversationWithReply(client, tenantId, channel.id, '5491145720001');
    const fresh = await buildGatePassingContacts(t, tenantId, { count: 2, numberPrefix: '+549116', from: 730001 });
    const template = { name: 'aviso_turno', language: 'es_AR', parameters: [] };
    graph.setTemplates([{ name: template.name, language: template.language, category: 'UTILITY', status: 'APPROVED' }]);
    const { outbound } = t.runtime.modules.messaging;
    const queued = await t.db.withTenant(tenantId, (tx) =>
      outbound.queueMany(tx, tenantId, [
        ...fresh.map((contactId) => ({ tenantId, contactId, channelId: channel.id, template, source: 'process' })),
        { tenantId, contactId: writer.contact.id, channelId: channel.id, body: 'gracias por escribir', source: 'process' },
      ]),
    );
    const [first, second, inWindow] = queued.map((q) => ('id' in q ? q.id : ''));
    expect(await outbound.send(tenantId, first!)).toMatchObject({ outcome: 'sent' });
    // The tier's one place is taken: the next new person waits for it to free, a day after the first start.
    const held = await outbound.send(tenantId, second!);
    expect(held).toMatchObject({ outcome: 'held', code: 'messaging_limit' });
    expect(Date.parse((held as { until: string }).until)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(await load(tenantId, second!)).toMatchObject({ status: 'queued', attempts: 0, errorCode: 'messaging_limit' });
    expect((await waitingDrains(tenantId)).n).toBe(1);
    // Someone who wrote in opened their own conversation: it goes out, and takes no place.
    expect(await outbound.send(tenantId, inWindow!)).toMatchObject({ outcome: 'sent' });
    expect(await placesTaken(tenantId, channel.id)).toBe(1);
    const numbers = ['5491145720001', ...(await Promise.all(fresh.map(async (id) => (await client.get(`/api/v1/contacts/${id}`)).body.phoneE164.slice(1) as string)))];
    expect(graph.requests.filter((r) => r.path.endsWith('/messages') && numbers.includes(r.json?.to))).toHaveLength(2);
    // A day later the place frees and the waiting one goes out, once.
    await t.db.withTenant(tenantId, (tx) => tx.execute(sql`update channel_conversation_starts set started_at = started_at - interval '24 hours' where tenant_id = ${tenantId}::uuid`));
    expect(await outbound.send(tenantId, second!)).toMatchObject({ outcome: 'sent' });
    expect(await load(tenantId, second!)).toMatchObject({ status: 'sent', attempts: 1, errorCode: null });
  });

  it('tells a person replying from the inbox at once when the messaging limit has no place for a new conversation, and counts no reply inside the window', async () => {
    const { client, user } = await buildSignedInUser(t);
    const tenantId = user.tenantId;
    const channel = await cloudChannel(client);
    await tier(tenantId, channel.id, 2);
    const template = { name: 'seguimiento_visita', language: 'es_AR', parameters: [] };
    graph.setTemplates([{ name: template.name, language: template.language, category: 'MARKETING', status: 'APPROVED' }]);
    expect((await client.post(`/api/v1/channels/${channel.id}/templates/sync`)).status).toBe(200);
    const writer = await conversationWithReply(client, tenantId, channel.id, '5491145730001');
    const fresh = await buildGatePassingContacts(t, tenantId, { count: 3, numberPrefix: '+549116', from: 740001 });
    const conversationsOf = await Promise.all(fresh.map(async (contactId) => (await client.post('/api/v1/conversations', { contactId, channelId: channel.id })).body.id as string));

    // Replies inside the customer service window start nothing: as many as the person wants.
    for (const body of ['hola', '¿te sirve el martes?', 'te mando la dirección']) expect((await client.post(`/api/v1/conversations/${writer.id}/messages`, { body })).status).toBe(202);
    expect((await client.post(`/api/v1/conversations/${writer.id}/messages`, { template })).status).toBe(202);
    expect(await placesTaken(tenantId, channel.id)).toBe(0);
    // Two new people take the tier's two places; writing again to one of them within the day takes none.
    expect((await client.post(`/api/v1/conversations/${conversationsOf[0]}/messages`, { template })).status).toBe(202);
    expect((await client.post(`/api/v1/conversations/${conversationsOf[1]}/messages`, { template })).status).toBe(202);
    expect((await client.post(`/api/v1/conversations/${conversationsOf[0]}/messages`, { template })).status).toBe(202);
    expect(await placesTaken(tenantId, channel.id)).toBe(2);
    // A third is refused with the reason and when a place frees; nothing is stored for it.
    const refused = await client.post(`/api/v1/conversations/${conversationsOf[2]}/messages`, { template });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { reason: 'whatsapp_messaging_limit', perDay: 2 } });
    expect(Date.parse(refused.body.error.details.retryAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect((await client.get(`/api/v1/conversations/${conversationsOf[2]}/messages`)).body.items).toHaveLength(0);
    expect(await placesTaken(tenantId, channel.id)).toBe(2);

    // What was accepted goes out: the places were taken with the messages, so none of them waits.
    await t.runtime.modules.messaging.outbound.drain(tenantId);
    const sent = await t.db.withTenant(tenantId, (tx) => tx.select({ status: messages.status }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.direction, 'outbound'))));
    expect(sent.map((m) => m.status)).toEqual(Array(sent.length).fill('sent'));
    expect(sent).toHaveLength(7);
  });

  it('sends what is queued through one drain per tenant, at the number\'s rate however many senders run', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const patched = await client.patch(`/api/v1/channels/${channel.id}`, { settings: { messagesPerSecond: 5 } });
    expect(patched.status, patched.text).toBe(200);
    const numbers = Array.from({ length: 12 }, (_, i) => `5491145${700010 + i}`);
    const replies: string[] = [];
    for (const number of numbers) {
      const conversation = await conversationWithReply(client, user.tenantId, channel.id, number);
      replies.push((await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: `hola ${number}` })).body.id);
    }
    const drains = await t.runtime.deps.database.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'messaging.send-drain' and singleton_key = ${user.tenantId} and state = 'created'`;
    expect(drains[0]!.n).toBe(1);
    // Two drains at once (two workers, or two processes): each message still goes out once, and the rate holds.
    const [a, b] = await Promise.all([t.runtime.modules.messaging.outbound.drain(user.tenantId), t.runtime.modules.messaging.outbound.drain(user.tenantId)]);
    expect((a.outcomes.sent ?? 0) + (b.outcomes.sent ?? 0)).toBe(12);
    const sends = graph.requests.filter((r) => r.path.endsWith('/messages') && numbers.includes(r.json?.to));
    expect(sends).toHaveLength(12);
    expect(new Set(sends.map((r) => r.json.to)).size).toBe(12);
    const times = sends.map((r) => r.at).sort((x, y) => x - y);
    // Tokens are spaced 200 ms apart (capacity one): 12 sends span at least 11 spacings.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(11 * 200 - 150);
    // At the provider a 1-second window holds 5, more only when a request was held up on its way
    // (a loaded machine) and arrives with the next one.
    const peak = Math.max(...times.map((start) => times.filter((at) => at >= start && at < start + 1000).length));
    expect(peak).toBeLessThanOrEqual(7);
    for (const id of replies) expect((await load(user.tenantId, id)).status).toBe('sent');
  });
});


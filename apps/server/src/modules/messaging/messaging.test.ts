import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import type { BusEvent } from '../../platform/events/bus';
import { inboundEvents } from '../channels/channels.tables';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { blacklist, consentStates, contacts } from '../contacts/contacts.tables';
import { contactIdentities, conversations, inboxUnreadTenants, messages, pendingStatuses } from './messaging.tables';

let t: TestApp;
const published: BusEvent[] = [];
beforeAll(async () => {
  t = await startTestApp();
  t.runtime.deps.bus.subscribe((e) => void published.push(e));
});
afterAll(async () => {
  await t?.close();
});

const APP_SECRET = 'meta-app-secret-msg';
const PHONE_NUMBER_ID = '106540352242922';

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: 'token-msg', appSecret: APP_SECRET, verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

type WaMessage = Record<string, unknown> & { id: string; from: string };
const webhook = (value: Record<string, unknown>) =>
  JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID }, ...value } }] }] });
const text = (id: string, from: string, body: string, seconds = 1767225600, name = 'Ana Pérez'): string =>
  webhook({ contacts: [{ wa_id: from, profile: { name } }], messages: [{ from, id, timestamp: String(seconds), type: 'text', text: { body } } satisfies WaMessage] });
const status = (id: string, value: 'sent' | 'delivered' | 'read' | 'failed', seconds: number, errors?: unknown[]) =>
  webhook({ statuses: [{ id, status: value, timestamp: String(seconds), recipient_id: '5491144445555', ...(errors ? { errors } : {}) }] });

/** Delivers a signed webhook and processes what it stored, as the worker would. */
async function deliver(tenantId: string, channelId: string, body: string) {
  const raw = Buffer.from(body);
  const res = await t.client().request('POST', `/webhooks/whatsapp/${channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
  expect(res.status, res.text).toBe(200);
  const pending = await t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId), eq(inboundEvents.status, 'pending'))));
  for (const e of pending) await t.runtime.modules.channels.inbound.process({ tenantId, eventId: e.id });
}

const rows = <T>(tenantId: string, fn: (tx: Parameters<Parameters<TestApp['db']['withTenant']>[1]>[0]) => Promise<T>) => t.db.withTenant(tenantId, fn);

describe('inbound messages', () => {
  it('creates the contact, the conversation and the message once, and announces them after the commit', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const body = text('wamid.in1', '5491144445555', 'Hola, ¿tienen stock? 👋');
    await deliver(user.tenantId, channel.id, body);
    // Meta retries the same delivery, and the same message can come in another delivery too.
    await deliver(user.tenantId, channel.id, body);
    await deliver(user.tenantId, channel.id, webhook({ messages: [{ from: '5491144445555', id: 'wamid.in1', timestamp: '1767225600', type: 'text', text: { body: 'Hola, ¿tienen stock? 👋' } }] }));

    const list = await client.get('/api/v1/conversations');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const conversation = list.body.items[0];
    expect(conversation).toMatchObject({
      channelId: channel.id,
      channelKind: 'whatsapp_cloud',
      status: 'active',
      unreadCount: 1,
      lastMessagePreview: 'Hola, ¿tienen stock? 👋',
      lastMessageDirection: 'inbound',
      contact: { firstName: 'Ana', lastName: 'Pérez', phoneE164: '+5491144445555' },
    });
    const thread = await client.get(`/api/v1/conversations/${conversation.id}/messages`);
    expect(thread.body.items).toHaveLength(1);
    expect(thread.body.items[0]).toMatchObject({ direction: 'inbound', status: 'received', body: 'Hola, ¿tienen stock? 👋', service: 'whatsapp', createdAt: '2026-01-01T00:00:00.000Z' });
    const [contact] = await rows(user.tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.tenantId, user.tenantId)));
    expect(contact!.source).toBe('channel:whatsapp');
    const created = published.filter((e) => e.tenantId === user.tenantId && e.type === 'message.created');
    expect(created).toHaveLength(1);
    expect(published.some((e) => e.tenantId === user.tenantId && e.type === 'conversation.updated')).toBe(true);
  });

  it('keeps one person one contact across number formats and WhatsApp ids', async () => {
    const { client, user } = await buildSignedInUser(t);
    // Imported the way people write numbers at home in Buenos Aires.
    const created = await client.post('/api/v1/contacts', { firstName: 'Carla', phone: '011 15-4444-6666' });
    expect(created.status, created.text).toBe(201);
    const channel = await cloudChannel(client);
    await deliver(user.tenantId, channel.id, text('wamid.f1', '5491144446666', 'hola', 1767225600, 'Carla'));
    // WhatsApp sometimes names Argentine mobiles without the 9.
    await deliver(user.tenantId, channel.id, text('wamid.f2', '541144446666', 'sigo acá', 1767225660, 'Carla'));
    const all = await rows(user.tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.tenantId, user.tenantId)));
    expect(all.map((c) => c.id)).toEqual([created.body.id]);
    const convs = await rows(user.tenantId, (tx) => tx.select().from(conversations).where(eq(conversations.tenantId, user.tenantId)));
    expect(convs).toHaveLength(1);
    expect(convs[0]!.inboundSeq).toBe(2);
    const ids = await rows(user.tenantId, (tx) => tx.select().from(contactIdentities).where(eq(contactIdentities.tenantId, user.tenantId)));
    expect(new Set(ids.map((i) => i.contactId))).toEqual(new Set([created.body.id]));
  });

  it('records an opt-out and blacklists the number when the reply says BAJA, and honours the tenant list', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await deliver(user.tenantId, channel.id, text('wamid.o1', '5491155556666', 'me interesa, ¿precio?'));
    let [contact] = await rows(user.tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.tenantId, user.tenantId)));
    expect(contact!.blacklisted).toBe(false);
    await deliver(user.tenantId, channel.id, text('wamid.o2', '5491155556666', 'BAJA.', 1767225700));
    [contact] = await rows(user.tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.tenantId, user.tenantId)));
    expect(contact!.blacklisted).toBe(true);
    const listed = await rows(user.tenantId, (tx) => tx.select().from(blacklist).where(eq(blacklist.tenantId, user.tenantId)));
    expect(listed.map((b) => b.phoneKey)).toEqual(['+541155556666']);
    const consent = await rows(user.tenantId, (tx) => tx.select().from(consentStates).where(eq(consentStates.tenantId, user.tenantId)));
    expect(Object.fromEntries(consent.map((c) => [c.channel, c.status]))).toEqual({ whatsapp: 'opted_out', any: 'opted_out' });

    // The tenant replaces the list: "basta" counts, "stop" no longer does.
    const set = await client.request('PUT', '/api/v1/messaging/opt-out-keywords', { body: { keywords: ['basta', 'no molestar'] } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ keywords: ['basta', 'no molestar'], isDefault: false });
    await deliver(user.tenantId, channel.id, text('wamid.o3', '5491145679876', 'stop'));
    await deliver(user.tenantId, channel.id, text('wamid.o4', '5491145671234', 'Basta!'));
    const blocked = await rows(user.tenantId, (tx) => tx.select().from(blacklist).where(eq(blacklist.tenantId, user.tenantId)));
    expect(blocked.map((b) => b.phoneKey).sort()).toEqual(['+541145671234', '+541155556666']);
    const reset = await client.request('PUT', '/api/v1/messaging/opt-out-keywords', { body: { keywords: null } });
    expect(reset.body.isDefault).toBe(true);
    expect(reset.body.keywords).toContain('baja');
  });

  it('reopens an archived conversation when the contact writes again', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await deliver(user.tenantId, channel.id, text('wamid.r1', '5491133334444', 'hola'));
    const [conversation] = (await client.get('/api/v1/conversations')).body.items;
    const archived = await client.patch(`/api/v1/conversations/${conversation.id}`, { status: 'archived', pinned: true });
    expect(archived.body).toMatchObject({ status: 'archived', pinned: true });
    expect((await client.post(`/api/v1/conversations/${conversation.id}/read`, {})).body.unreadCount).toBe(0);
    await deliver(user.tenantId, channel.id, text('wamid.r2', '5491133334444', '¿siguen ahí?', 1767229200));
    const again = await client.get(`/api/v1/conversations/${conversation.id}`);
    expect(again.body).toMatchObject({ status: 'active', unreadCount: 1, lastMessagePreview: '¿siguen ahí?', lastInboundAt: '2026-01-01T01:00:00.000Z' });
  });
});

describe('a conversation created by a batch', () => {
  /** Stores the bodies as the webhook route does and drains them: one batch, one transaction. */
  async function drainAsOneBatch(tenantId: string, channelId: string, bodies: string[]) {
    const base = Date.now();
    await rows(tenantId, (tx) => tx.insert(inboundEvents).values(bodies.map((body, i) => ({ tenantId, channelId, providerEventId: `batch:${base}:${i}`, body: Buffer.from(body), headers: {}, receivedAt: new Date(base + i) }))));
    return t.runtime.modules.channels.inbound.drain(tenantId, { budgetMs: 60_000 });
  }
  const unreadTotals = (tenantId: string) => rows(tenantId, async (tx) => (await tx.select().from(inboxUnreadTenants).where(eq(inboxUnreadTenants.tenantId, tenantId)))[0] ?? { waitingMessages: 0, waitingConversations: 0 });

  it('is written with its newest message, its inbound count and the unread totals of all its messages', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // The newer message first: the summary is the newest's, whatever the order of arrival.
    expect(await drainAsOneBatch(user.tenantId, channel.id, [text('wamid.b2', '5491155550001', 'y el precio?', 1767225700), text('wamid.b1', '5491155550001', 'hola', 1767225600)])).toEqual({ processed: 2, pending: 0 });
    const [conversation] = (await client.get('/api/v1/conversations')).body.items;
    expect(conversation).toMatchObject({ unreadCount: 2, lastMessagePreview: 'y el precio?', lastMessageDirection: 'inbound', lastMessageAt: '2026-01-01T00:01:40.000Z', lastInboundAt: '2026-01-01T00:01:40.000Z' });
    const [stored] = await rows(user.tenantId, (tx) => tx.select().from(conversations).where(and(eq(conversations.tenantId, user.tenantId), eq(conversations.id, conversation.id))));
    expect(stored!.inboundSeq).toBe(2);
    expect(await unreadTotals(user.tenantId)).toMatchObject({ waitingMessages: 2, waitingConversations: 1 });
  });

  it('holds nothing of a message that a concurrent transaction stored first (in another conversation)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // Between the batch's check for duplicates and its insert, wamid.race is stored under someone else
    // (what a concurrent drain's commit would do): the batch's message is then not written.
    let raced = false;
    t.runtime.deps.events.on('contacts.creating', async (tx, e) => {
      if (e.tenantId !== user.tenantId || raced) return;
      raced = true;
      const [other] = await tx.insert(contacts).values({ tenantId: user.tenantId, firstName: 'Otro', phoneE164: '+5491166660000', phoneKey: '+541166660000' }).returning();
      const [c] = await tx.insert(conversations).values({ tenantId: user.tenantId, channelId: channel.id, contactId: other!.id }).returning();
      await tx.insert(messages).values({ tenantId: user.tenantId, conversationId: c!.id, contactId: other!.id, channelId: channel.id, direction: 'inbound', body: 'antes', status: 'received', providerMessageId: 'wamid.race', source: 'contact', service: 'whatsapp' });
    });
    await drainAsOneBatch(user.tenantId, channel.id, [text('wamid.race', '5491155550002', 'hola')]);
    expect(raced).toBe(true);
    const contact = await rows(user.tenantId, async (tx) => (await tx.select().from(contacts).where(and(eq(contacts.tenantId, user.tenantId), eq(contacts.phoneE164, '+5491155550002'))))[0]!);
    const [conversation] = await rows(user.tenantId, (tx) => tx.select().from(conversations).where(and(eq(conversations.tenantId, user.tenantId), eq(conversations.contactId, contact.id))));
    expect(conversation).toMatchObject({ inboundSeq: 0, lastMessageAt: null, lastMessagePreview: null, lastMessageDirection: null, lastInboundAt: null });
    expect(await rows(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.conversationId, conversation!.id))))).toHaveLength(0);
    // The batch wrote no message, so nothing of it waits.
    expect(await unreadTotals(user.tenantId)).toMatchObject({ waitingMessages: 0, waitingConversations: 0 });
  });
});

describe('voice-note transcripts', () => {
  it('shows a recorded transcript under its audio, announces the message again, and refuses text messages and other tenants', async () => {
    const { client, user } = await buildSignedInUser(t);
    const other = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const from = '5491144449999';
    await deliver(user.tenantId, channel.id, webhook({ contacts: [{ wa_id: from, profile: { name: 'Eva' } }], messages: [{ from, id: 'wamid.voice1', timestamp: '1767225600', type: 'audio', audio: { id: 'media-v1', mime_type: 'audio/ogg; codecs=opus', voice: true } }] }));
    await deliver(user.tenantId, channel.id, text('wamid.text1', from, 'y otra cosa', 1767225700));
    const [conversation] = (await client.get('/api/v1/conversations')).body.items as { id: string }[];
    const thread = async () => (await client.get(`/api/v1/conversations/${conversation!.id}/messages`)).body.items as { id: string; type: string; media: { voice: boolean; transcript: string | null }[] }[];
    const before = await thread();
    const voice = before.find((m) => m.type === 'audio')!;
    const plain = before.find((m) => m.type === 'text')!;
    expect(voice.media).toEqual([expect.objectContaining({ voice: true, transcript: null })]);

    const said = 'Hola, quería saber el precio <img src=x onerror=alert(1)> del plan anual';
    const seen = published.length;
    const presented = await t.runtime.modules.messaging.recordTranscript({ tenantId: user.tenantId, messageId: voice.id, mediaIndex: 0, text: `  ${said}\n` });
    expect(presented.media[0]!.transcript).toBe(said);
    // Stored as the text it is (the thread renders it as text), and read back with the thread.
    expect((await thread()).find((m) => m.id === voice.id)!.media[0]!.transcript).toBe(said);
    const updated = published.slice(seen).filter((e) => e.type === 'message.updated');
    expect(updated).toEqual([expect.objectContaining({ tenantId: user.tenantId, data: expect.objectContaining({ id: voice.id, media: [expect.objectContaining({ transcript: said })] }) })]);

    await expect(t.runtime.modules.messaging.recordTranscript({ tenantId: user.tenantId, messageId: plain.id, mediaIndex: 0, text: 'x' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(t.runtime.modules.messaging.recordTranscript({ tenantId: user.tenantId, messageId: voice.id, mediaIndex: 1, text: 'x' })).rejects.toMatchObject({ code: 'validation_failed' });
    // Another tenant cannot see the message, let alone write on it.
    await expect(t.runtime.modules.messaging.recordTranscript({ tenantId: other.user.tenantId, messageId: voice.id, mediaIndex: 0, text: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await thread()).find((m) => m.id === voice.id)!.media[0]!.transcript).toBe(said);
  });
});

describe('statuses of sent messages', () => {
  async function sentMessage(tenantId: string, channelId: string, providerMessageId: string | null, status: 'sent' | 'sending' | 'ambiguous' = 'sent') {
    return rows(tenantId, async (tx) => {
      const [contact] = await tx.insert(contacts).values({ tenantId, firstName: 'Eva', phoneE164: '+5491144445555', phoneKey: `+5411${Math.random().toString().slice(2, 10)}` }).returning();
      const [conversation] = await tx.insert(conversations).values({ tenantId, channelId, contactId: contact!.id }).returning();
      const [message] = await tx
        .insert(messages)
        .values({ tenantId, conversationId: conversation!.id, contactId: contact!.id, channelId, direction: 'outbound', body: 'promo', status, providerMessageId, source: 'campaign', service: 'whatsapp', sentAt: new Date('2026-01-01T00:00:00Z') })
        .returning();
      return message!;
    });
  }
  const load = (tenantId: string, id: string) => rows(tenantId, async (tx) => (await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))))[0]!);

  it('lets read win over a late delivered, and fills in both times', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const message = await sentMessage(user.tenantId, channel.id, 'wamid.s1');
    const changes: string[] = [];
    t.runtime.deps.events.on('messages.status-changed', async (_tx, e) => void (e.messageId === message.id && changes.push(e.status)));
    await deliver(user.tenantId, channel.id, status('wamid.s1', 'read', 1767225700));
    await deliver(user.tenantId, channel.id, status('wamid.s1', 'delivered', 1767225650));
    const after = await load(user.tenantId, message.id);
    expect(after.status).toBe('read');
    expect(after.readAt!.toISOString()).toBe('2026-01-01T00:01:40.000Z');
    expect(after.deliveredAt!.toISOString()).toBe('2026-01-01T00:01:40.000Z');
    expect(changes).toEqual(['read']);
  });

  it('records a failure with its code and tells the scoring module', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const message = await sentMessage(user.tenantId, channel.id, 'wamid.s2');
    const failures: string[] = [];
    t.runtime.deps.events.on('messages.delivery-failed', async (_tx, e) => void (e.contactId === message.contactId && failures.push(e.code)));
    await deliver(user.tenantId, channel.id, status('wamid.s2', 'failed', 1767225700, [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'not on WhatsApp' } }]));
    const after = await load(user.tenantId, message.id);
    expect(after).toMatchObject({ status: 'failed', errorCode: '131026', errorMessage: 'Message undeliverable: not on WhatsApp' });
    expect(failures).toEqual(['131026']);
  });

  it('does not hold a pace or policy failure (131049, Meta\'s marketing limit for that person) against the contact', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const message = await sentMessage(user.tenantId, channel.id, 'wamid.s49');
    const failures: string[] = [];
    t.runtime.deps.events.on('messages.delivery-failed', async (_tx, e) => void (e.contactId === message.contactId && failures.push(e.code)));
    await deliver(user.tenantId, channel.id, status('wamid.s49', 'failed', 1767225700, [{ code: 131049, title: 'This message was not delivered to maintain healthy ecosystem engagement.' }]));
    expect(await load(user.tenantId, message.id)).toMatchObject({ status: 'failed', errorCode: '131049' });
    expect(failures).toEqual([]);
  });

  it('recognises its own id echoed by the provider, and ignores an id that is not one of ours', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const message = await sentMessage(user.tenantId, channel.id, null, 'ambiguous');
    const emit = (clientRef: string, providerMessageId: string) =>
      t.db.withTenant(user.tenantId, (tx) =>
        t.runtime.deps.events.emit(tx, 'channels.inbound-batch', {
          tenantId: user.tenantId,
          events: [
            {
              channelId: channel.id,
              kind: 'bluebubbles',
              eventId: clientRef,
              items: [{ kind: 'status', providerMessageId, clientRef, status: 'delivered', recipient: null, at: new Date('2026-01-01T00:02:00Z'), error: null }],
            },
          ],
        }),
      );
    await emit('temp-guid-from-another-client', 'p:0/other');
    await emit(message.id, 'p:0/ours');
    const after = await load(user.tenantId, message.id);
    expect(after).toMatchObject({ status: 'delivered', providerMessageId: 'p:0/ours' });
    const kept = await rows(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)));
    expect(kept.map((k) => k.providerMessageId)).toEqual(['p:0/other']);
  });

  it('keeps a status that beats the send and applies it when the message learns its provider id', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await deliver(user.tenantId, channel.id, status('wamid.early', 'delivered', 1767225700));
    const kept = await rows(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)));
    expect(kept.map((k) => [k.providerMessageId, k.status])).toEqual([['wamid.early', 'delivered']]);
    const message = await sentMessage(user.tenantId, channel.id, 'wamid.early');
    const { applyPendingStatuses } = await import('./inbound');
    await rows(user.tenantId, (tx) => applyPendingStatuses(tx, t.runtime.deps, message));
    expect((await load(user.tenantId, message.id)).status).toBe('delivered');
    expect(await rows(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)))).toEqual([]);
  });
});

describe('conversations API', () => {
  it('refuses free text on WhatsApp more than 24 hours after the contact last wrote', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // The contact wrote on 2026-01-01; the test clock is far later.
    await deliver(user.tenantId, channel.id, text('wamid.w1', '5491122223333', 'hola'));
    const [conversation] = (await client.get('/api/v1/conversations')).body.items;
    const res = await client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Hola Ana' });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ reason: 'outside_whatsapp_window' });
    expect(await rows(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.direction, 'outbound'))))).toEqual([]);
  });

  it('reads a thread newest first straight from its index, with no sort', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await deliver(user.tenantId, channel.id, text('wamid.plan1', '5491145002233', 'uno'));
    const [conversation] = (await client.get('/api/v1/conversations')).body.items;
    const plan = await t.db.withTenant(user.tenantId, async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const rows = await tx.execute<{ 'QUERY PLAN': string }>(
        sql`explain select * from messages where tenant_id = ${user.tenantId} and conversation_id = ${conversation.id} order by created_at desc, id desc limit 51`,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('messages_tenant_conversation_idx');
    expect(plan).not.toMatch(/\bSort\b/);
  });

  it('validates bodies and pages conversations with a cursor', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    for (let i = 0; i < 3; i++) await deliver(user.tenantId, channel.id, text(`wamid.p${i}`, `54911600000${i}0`, `m${i}`, 1767225600 + i * 60));
    const first = await client.get('/api/v1/conversations?limit=2');
    expect(first.body.items.map((c: { lastMessagePreview: string }) => c.lastMessagePreview)).toEqual(['m2', 'm1']);
    const second = await client.get(`/api/v1/conversations?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((c: { lastMessagePreview: string }) => c.lastMessagePreview)).toEqual(['m0']);
    expect(second.body.nextCursor).toBeNull();
    expect((await client.get('/api/v1/conversations?cursor=bm9wZQ')).status).toBe(400);
    const id = first.body.items[0].id;
    const empty = await client.post(`/api/v1/conversations/${id}/messages`, { body: '   ' });
    expect(empty.status).toBe(400);
    expect((await client.patch(`/api/v1/conversations/${id}`, {})).status).toBe(400);
  });
});

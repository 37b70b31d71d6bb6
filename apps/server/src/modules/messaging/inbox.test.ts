import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { FakeClock } from '../../../test/clock';
import { buildSignedInUser } from '../../../test/factories';
import type { BusEvent } from '../../platform/events/bus';
import type { Tx } from '../../platform/db/database';
import { channelAccounts, inboundEvents } from '../channels/channels.tables';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { blacklist, consentStates } from '../contacts/contacts.tables';
import { conversations, messages } from './messaging.tables';

const clock = new FakeClock(new Date());
let t: TestApp;
const published: BusEvent[] = [];
beforeAll(async () => {
  t = await startTestApp({ clock });
  t.runtime.deps.bus.subscribe((e) => void published.push(e));
});
afterAll(async () => {
  await t?.close();
});

const APP_SECRET = 'meta-app-secret-inbox';
const PHONE_NUMBER_ID = '106540352249999';
let numbers = 0;

async function cloudChannel(client: TestClient, name = 'Ventas') {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name,
    config: { phoneNumberId: `${PHONE_NUMBER_ID}${numbers++}`, businessAccountId: '102290129340398', accessToken: 'token-inbox', appSecret: APP_SECRET, verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

/** A contact writes on a Cloud API channel `secondsAgo` before the test clock; processed as the worker would. */
async function inbound(options: { tenantId: string; channelId: string; from: string; text: string; id: string; name?: string; secondsAgo?: number }) {
  const seconds = Math.floor(clock.now().getTime() / 1000) - (options.secondsAgo ?? 60);
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID }, contacts: [{ wa_id: options.from, profile: { name: options.name ?? 'Ana Pérez' } }], messages: [{ from: options.from, id: options.id, timestamp: String(seconds), type: 'text', text: { body: options.text } }] } }] }],
  });
  const raw = Buffer.from(body);
  const res = await t.client().request('POST', `/webhooks/whatsapp/${options.channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
  expect(res.status, res.text).toBe(200);
  const pending = await t.db.withTenant(options.tenantId, (tx) =>
    tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, options.tenantId), eq(inboundEvents.channelId, options.channelId), eq(inboundEvents.status, 'pending'))),
  );
  for (const e of pending) await t.runtime.modules.channels.inbound.process({ tenantId: options.tenantId, eventId: e.id });
}

const unreadOf = async (client: TestClient, id: string) => (await client.get(`/api/v1/conversations/${id}`)).body.unreadCount as number;

/** The sidebar total counted the slow way, over every conversation (what the kept totals must equal). */
async function recomputedUnread(tenantId: string, userId: string) {
  const [row] = await t.db.withTenant(tenantId, (tx) =>
    tx.execute<{ messages: string; conversations: string }>(sql`
      select coalesce(sum(c.inbound_seq - greatest(c.answered_seq, coalesce(r.read_seq, 0))), 0) as messages, count(*) as conversations
      from conversations c
      left join conversation_reads r on r.tenant_id = c.tenant_id and r.user_id = ${userId} and r.conversation_id = c.id
      where c.tenant_id = ${tenantId} and c.inbound_seq > c.answered_seq and c.inbound_seq > coalesce(r.read_seq, 0)`),
  );
  return { messages: Number(row!.messages), conversations: Number(row!.conversations) };
}

describe('unread per user', () => {
  it('counts per user, keeps the later read mark, and drops for everyone once the team answers', async () => {
    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' });
    const channel = await cloudChannel(a.client);
    for (let i = 1; i <= 3; i++) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144440001', text: `mensaje ${i}`, id: `wamid.u${i}` });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    expect(conversation).toMatchObject({ unreadCount: 3, inboundSeq: 3, answeredSeq: 0, readSeq: 0 });
    expect((await b.client.get('/api/v1/inbox/unread')).body).toEqual({ messages: 3, conversations: 1 });

    // A saw up to the second message; a later "read" from an older tab cannot move the mark back.
    expect((await a.client.post(`/api/v1/conversations/${conversation.id}/read`, { upToSeq: 2 })).body.unreadCount).toBe(1);
    expect((await a.client.post(`/api/v1/conversations/${conversation.id}/read`, { upToSeq: 1 })).body.unreadCount).toBe(1);
    expect(await unreadOf(b.client, conversation.id)).toBe(3);
    const event = published.findLast((e) => e.type === 'unread.updated' && e.tenantId === a.user.tenantId);
    expect(event).toMatchObject({ userId: a.user.id, data: { conversationId: conversation.id, unreadCount: 1, readSeq: 2, total: { messages: 1, conversations: 1 } } });
    expect(published.filter((e) => e.type === 'unread.updated' && e.userId === b.user.id)).toEqual([]);

    // B answers: nothing is waiting on anyone any more, for A either.
    const sent = await b.client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Hola, ¡sí!' });
    expect(sent.status, sent.text).toBe(202);
    expect(await unreadOf(a.client, conversation.id)).toBe(0);
    expect((await a.client.get('/api/v1/inbox/unread')).body).toEqual({ messages: 0, conversations: 0 });
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144440001', text: 'gracias', id: 'wamid.u4' });
    expect(await unreadOf(a.client, conversation.id)).toBe(1);
    expect(await unreadOf(b.client, conversation.id)).toBe(1);
  });

  it('stays exact when reads and new messages race', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144440002', text: 'primero', id: 'wamid.r0' });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    const work: Promise<unknown>[] = [];
    for (let i = 1; i <= 12; i++) {
      work.push(inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144440002', text: `carrera ${i}`, id: `wamid.r${i}` }));
      work.push(a.client.post(`/api/v1/conversations/${conversation.id}/read`, {}));
    }
    await Promise.all(work);
    const [row] = await t.db.withTenant(a.user.tenantId, (tx) => tx.select().from(conversations).where(and(eq(conversations.tenantId, a.user.tenantId), eq(conversations.id, conversation.id))));
    const stored = await t.db.withTenant(a.user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, a.user.tenantId), eq(messages.conversationId, conversation.id))));
    expect(row!.inboundSeq).toBe(stored.length);
    const now = (await a.client.get(`/api/v1/conversations/${conversation.id}`)).body;
    expect(now.unreadCount).toBe(now.inboundSeq - now.readSeq);
    expect(now.readSeq).toBeLessThanOrEqual(now.inboundSeq);
    expect((await a.client.get('/api/v1/inbox/unread')).body).toEqual(await recomputedUnread(a.user.tenantId, a.user.id));
    expect((await a.client.post(`/api/v1/conversations/${conversation.id}/read`, {})).body.unreadCount).toBe(0);
    expect((await a.client.get('/api/v1/inbox/unread')).body).toEqual({ messages: 0, conversations: 0 });
  });

  it('keeps every user\'s total exact when several users read while messages and answers arrive at once', async () => {
    const a = await buildSignedInUser(t);
    const users = [a, await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' }), await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' })];
    const channel = await cloudChannel(a.client);
    const phones = ['5491144480001', '5491144480002'];
    for (const phone of phones) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: phone, text: 'hola', id: `wamid.c${phone}` });
    const list = (await a.client.get('/api/v1/conversations')).body.items as { id: string }[];
    const work: Promise<unknown>[] = [];
    for (let i = 1; i <= 10; i++) {
      work.push(inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: phones[i % 2]!, text: `a la vez ${i}`, id: `wamid.c${i}` }));
      for (const u of users) work.push(u.client.post(`/api/v1/conversations/${list[(i + users.indexOf(u)) % 2]!.id}/read`, i % 3 ? {} : { upToSeq: i }));
      if (i % 4 === 0) work.push(users[i % 3]!.client.post(`/api/v1/conversations/${list[i % 2]!.id}/messages`, { body: `respuesta ${i}` }));
    }
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const u of users) expect((await u.client.get('/api/v1/inbox/unread')).body).toEqual(await recomputedUnread(a.user.tenantId, u.user.id));
    // One more message after the race: everyone's total moves by exactly one.
    const before = await Promise.all(users.map(async (u) => (await u.client.get('/api/v1/inbox/unread')).body.messages as number));
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: phones[0]!, text: 'después', id: 'wamid.c-after' });
    for (const [i, u] of users.entries()) expect((await u.client.get('/api/v1/inbox/unread')).body.messages).toBe(before[i]! + 1);
  });

  it('keeps every user\'s total equal to a recount through a random mix of messages, reads, assignments, answers and an erased contact', async () => {
    const a = await buildSignedInUser(t);
    const users = [a, await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' }), await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' })];
    const channel = await cloudChannel(a.client);
    const phones = ['5491144470001', '5491144470002', '5491144470003', '5491144470004'];
    let seed = 20_261_122;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    let sent = 0;
    const conversationIds = async () => ((await a.client.get('/api/v1/conversations?limit=100')).body.items as { id: string; inboundSeq: number; contact: { id: string } }[]);
    const seen = new Set<string>();
    const check = async (step: string) => {
      for (const u of users) {
        const total = (await u.client.get('/api/v1/inbox/unread')).body;
        expect(total, `${step}, user ${users.indexOf(u)}`).toEqual(await recomputedUnread(a.user.tenantId, u.user.id));
        seen.add(JSON.stringify(total));
      }
    };
    for (const phone of phones) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: phone, text: 'hola', id: `wamid.mix${sent++}` });
    let erased = false;
    for (let step = 0; step < 40; step++) {
      const list = await conversationIds();
      const conversation = list[random(list.length)]!;
      const user = users[random(users.length)]!;
      const op = random(6);
      if (op <= 1) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: phones[random(phones.length)]!, text: `mensaje ${step}`, id: `wamid.mix${sent++}` });
      else if (op === 2) expect((await user.client.post(`/api/v1/conversations/${conversation.id}/read`, { upToSeq: random(conversation.inboundSeq + 1) })).status).toBe(200);
      else if (op === 3) expect((await a.client.patch(`/api/v1/conversations/${conversation.id}`, { assigneeId: random(2) ? user.user.id : null })).status).toBe(200);
      else if (op === 4) expect((await user.client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: `respuesta ${step}` })).status).toBe(202);
      else expect((await user.client.post(`/api/v1/conversations/${conversation.id}/read`, {})).status).toBe(200);
      if (step === 30 && !erased) {
        // A contact erased: its conversation, and every read mark in it, go.
        expect((await a.client.delete(`/api/v1/contacts/${conversation.contact.id}`)).status).toBe(200);
        erased = true;
      }
      await check(`step ${step} (op ${op})`);
    }
    // The mix went through many different totals (not zero all along).
    expect(seen.size).toBeGreaterThan(5);
  });
});

describe('search folds accents', () => {
  it('finds José by "jose", "acción" by "accion" and the other way round, in names and message text', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    const people = [
      { from: '5491144460001', name: 'José Núñez', text: 'hola' },
      { from: '5491144460002', name: 'Marta Soto', text: 'Consulta por la acción de marketing' },
      { from: '5491144460003', name: 'Jorge Lima', text: 'la accion del mes, sin tilde' },
      { from: '5491144460004', name: 'Eva Paz', text: 'Can I get more INFORMATION?' },
    ];
    for (const [i, p] of people.entries()) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, ...p, id: `wamid.acc${i}`, secondsAgo: 600 - i * 60 });
    const search = async (q: string) =>
      ((await a.client.get(`/api/v1/conversations?search=${encodeURIComponent(q)}`)).body.items as { contact: { firstName: string } }[]).map((c) => c.contact.firstName).sort();
    expect(await search('jose')).toEqual(['José']);
    expect(await search('JOSÉ núñez')).toEqual(['José']);
    expect(await search('accion')).toEqual(['Jorge', 'Marta']);
    expect(await search('acción')).toEqual(['Jorge', 'Marta']);
    expect(await search('ACCIÓ')).toEqual(['Jorge', 'Marta']);
    expect(await search('informat')).toEqual(['Eva']);
    expect(await search('accionista')).toEqual([]);
    // Words before the last are whole words, the last one may be a beginning.
    expect(await search('accion del me')).toEqual(['Jorge']);
    expect(await search('acci del')).toEqual([]);
  });

  it('matches message words only in the tenant of the transaction (the search function runs as the platform role)', async () => {
    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t);
    const channelA = await cloudChannel(a.client);
    const channelB = await cloudChannel(b.client);
    await inbound({ tenantId: a.user.tenantId, channelId: channelA.id, from: '5491144470001', text: 'palabraunica de A', id: 'wamid.iso.a' });
    await inbound({ tenantId: b.user.tenantId, channelId: channelB.id, from: '5491144470002', text: 'palabraunica de B', id: 'wamid.iso.b' });
    const matches = (tenantId: string | null) =>
      (tenantId ? (f: (tx: Tx) => Promise<{ conversation_id: string }[]>) => t.db.withTenant(tenantId, f) : (f: (tx: Tx) => Promise<{ conversation_id: string }[]>) => t.db.withoutTenant(f))((tx) =>
        tx.execute<{ conversation_id: string }>(sql`select conversation_id from app_inbox_message_matches(to_tsquery('public.leadmaster_text'::regconfig, 'palabraunica:*'))`),
      );
    const conversationOf = async (tenantId: string) =>
      (await t.db.withTenant(tenantId, (tx) => tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.tenantId, tenantId))))[0]!.id;
    expect((await matches(a.user.tenantId)).map((r) => r.conversation_id)).toEqual([await conversationOf(a.user.tenantId)]);
    expect((await matches(b.user.tenantId)).map((r) => r.conversation_id)).toEqual([await conversationOf(b.user.tenantId)]);
    // No tenant in the transaction: nothing, however the function is called.
    expect(await matches(null)).toEqual([]);
  });
});

describe('conversation list', () => {
  it('pages a message-word search in the list\'s order, newest conversations checked one by one and older ones through the index, without gap or repeat', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    // 14 conversations, the newest last; the word in #0, #1, #11 and #13. With limit=1 a search probes 2
    // conversations, walks on up to 16 when one of them matched and asks the full-text index for the
    // rest, so its pages take every way (the third page finds nothing in its probe).
    const having = new Set([0, 1, 11, 13]);
    for (let i = 0; i < 14; i++) {
      const text = having.has(i) ? `Consulta ${i}: la garantía extendida` : `Consulta ${i}: sin novedades`;
      await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: `54911444900${String(i).padStart(2, '0')}`, name: `N${i} Prueba`, text, id: `wamid.walk${i}`, secondsAgo: 3000 - i * 60 });
    }
    const pages = async (q: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { contact: { firstName: string } }[]; nextCursor: string | null } } = await a.client.get(`/api/v1/conversations?limit=${limit}&search=${encodeURIComponent(q)}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.items.map((c) => c.contact.firstName));
        cursor = res.body.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await pages('garantia', 1)).toEqual(['N13', 'N11', 'N1', 'N0']);
    expect(await pages('garant', 3)).toEqual(['N13', 'N11', 'N1', 'N0']);
    expect(await pages('consulta', 5)).toEqual(Array.from({ length: 14 }, (_, i) => `N${13 - i}`));
    expect(await pages('garantia sin', 1)).toEqual([]);
  });

  it('puts pinned conversations first, pages by keyset, filters and searches names, numbers and message text', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    const people = [
      { from: '5491144450001', name: 'Ana Pérez', text: 'Quiero una cotización del plan anual' },
      { from: '5491144450002', name: 'Bruno Díaz', text: 'hola' },
      { from: '5491144450003', name: 'Carla Gómez', text: 'what is the price?' },
      { from: '5491144450004', name: 'Diego Ruiz', text: 'buenas' },
    ];
    for (const [i, p] of people.entries()) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, ...p, id: `wamid.l${i}`, secondsAgo: 600 - i * 60 });
    const all = (await a.client.get('/api/v1/conversations?limit=100')).body.items as { id: string; contact: { firstName: string } }[];
    expect(all.map((c) => c.contact.firstName)).toEqual(['Diego', 'Carla', 'Bruno', 'Ana']);
    const ana = all.find((c) => c.contact.firstName === 'Ana')!;
    await a.client.patch(`/api/v1/conversations/${ana.id}`, { pinned: true });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { contact: { firstName: string } }[]; nextCursor: string | null } } = await a.client.get(`/api/v1/conversations?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.body.items.map((c) => c.contact.firstName));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Ana', 'Diego', 'Carla', 'Bruno']);

    const search = async (q: string) => ((await a.client.get(`/api/v1/conversations?search=${encodeURIComponent(q)}`)).body.items as { contact: { firstName: string } }[]).map((c) => c.contact.firstName);
    expect(await search('perez')).toEqual(['Ana']);
    expect(await search('011 15-4445-0002')).toEqual(['Bruno']);
    expect(await search('+54 9 11 4445 0003')).toEqual(['Carla']);
    expect(await search('cotiz')).toEqual(['Ana']);
    expect(await search('PRICE')).toEqual(['Carla']);
    expect(await search('nadie')).toEqual([]);

    const [label] = (await a.client.get('/api/v1/inbox/labels')).body.items;
    await a.client.request('PUT', `/api/v1/conversations/${ana.id}/labels`, { body: { labelIds: [label.id] } });
    expect(((await a.client.get(`/api/v1/conversations?labelId=${label.id}`)).body.items as { id: string }[]).map((c) => c.id)).toEqual([ana.id]);
    await a.client.post(`/api/v1/conversations/${ana.id}/take`, {});
    expect(((await a.client.get('/api/v1/conversations?assignee=me')).body.items as { id: string }[]).map((c) => c.id)).toEqual([ana.id]);
    expect((await a.client.get('/api/v1/conversations?assignee=unassigned')).body.items).toHaveLength(3);
  });
});

describe('conversation list filters', () => {
  it('filters by status, channel, contact and assignee with each caller\'s own values (the same filters reuse one prepared query)', async () => {
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((c) => c.id).toSorted();
    const tenants = [];
    for (const n of [1, 2]) {
      const a = await buildSignedInUser(t);
      const agent = await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' });
      const [ventas, soporte] = [await cloudChannel(a.client, 'Ventas'), await cloudChannel(a.client, 'Soporte')];
      await inbound({ tenantId: a.user.tenantId, channelId: ventas.id, from: `5491144470${n}01`, text: 'hola', id: `wamid.filters.${n}.1` });
      await inbound({ tenantId: a.user.tenantId, channelId: ventas.id, from: `5491144470${n}02`, text: 'hola', id: `wamid.filters.${n}.2` });
      await inbound({ tenantId: a.user.tenantId, channelId: soporte.id, from: `5491144470${n}03`, text: 'hola', id: `wamid.filters.${n}.3` });
      const all = (await a.client.get('/api/v1/conversations')).body.items as { id: string; channelId: string; contact: { id: string } }[];
      expect(all).toHaveLength(3);
      const [first, second] = all.filter((c) => c.channelId === ventas.id);
      await a.client.patch(`/api/v1/conversations/${first!.id}`, { status: 'archived' });
      await a.client.patch(`/api/v1/conversations/${second!.id}`, { assigneeId: agent.user.id });
      tenants.push({ a, agent, ventas, soporte, all, first: first!, second: second! });
    }
    for (const { a, agent, ventas, soporte, all, first, second } of tenants) {
      const soporteIds = all.filter((c) => c.channelId === soporte.id).map((c) => c.id);
      expect(ids(await a.client.get('/api/v1/conversations?status=archived'))).toEqual([first.id]);
      expect(ids(await a.client.get('/api/v1/conversations?status=active'))).toEqual([second.id, ...soporteIds].toSorted());
      expect(ids(await a.client.get(`/api/v1/conversations?channelId=${soporte.id}`))).toEqual(soporteIds);
      expect(ids(await a.client.get(`/api/v1/conversations?channelId=${ventas.id}&status=active`))).toEqual([second.id]);
      expect(ids(await a.client.get(`/api/v1/conversations?contactId=${second.contact.id}`))).toEqual([second.id]);
      expect(ids(await a.client.get(`/api/v1/conversations?assignee=${agent.user.id}`))).toEqual([second.id]);
      expect(ids(await agent.client.get('/api/v1/conversations?assignee=me'))).toEqual([second.id]);
      expect(ids(await a.client.get('/api/v1/conversations?assignee=me'))).toEqual([]);
    }
  });
});

describe('labels, notes, quick replies, taking and opting out', () => {
  it('creates default labels once (in the workspace language), suggests them from what the contact wrote, and removes a deleted label everywhere', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    const labels = (await a.client.get('/api/v1/inbox/labels')).body.items as { id: string; name: string }[];
    expect(labels.map((l) => l.name)).toEqual(['Interesado', 'No interesado', 'Seguimiento', 'Cita', 'Cliente']);
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144460001', text: 'No me interesa, gracias', id: 'wamid.s1' });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    const suggested = await a.client.get(`/api/v1/conversations/${conversation.id}/suggested-labels`);
    expect(suggested.body.items.map((s: { label: { name: string } }) => s.label.name)).toEqual(['No interesado']);

    const notInterested = labels.find((l) => l.name === 'No interesado')!;
    expect((await a.client.request('PUT', `/api/v1/conversations/${conversation.id}/labels`, { body: { labelIds: [notInterested.id] } })).body.labelIds).toEqual([notInterested.id]);
    expect((await a.client.get(`/api/v1/conversations/${conversation.id}/suggested-labels`)).body.items).toEqual([]);
    expect((await a.client.request('PUT', `/api/v1/conversations/${conversation.id}/labels`, { body: { labelIds: ['00000000-0000-7000-8000-000000000000'] } })).status).toBe(400);
    expect((await a.client.request('DELETE', `/api/v1/inbox/labels/${notInterested.id}`)).status).toBe(204);
    expect((await a.client.get(`/api/v1/conversations/${conversation.id}`)).body.labelIds).toEqual([]);
    // Deleted defaults stay deleted.
    expect((await a.client.get('/api/v1/inbox/labels')).body.items).toHaveLength(4);
    expect((await a.client.post('/api/v1/inbox/labels', { name: 'interesado' })).status).toBe(409);
  });

  it('keeps internal notes in the thread without sending them', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144470001', text: 'hola', id: 'wamid.n1' });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    const note = await a.client.post(`/api/v1/conversations/${conversation.id}/notes`, { body: 'Llamó por teléfono, quiere el plan anual' });
    expect(note.status, note.text).toBe(201);
    expect(note.body).toMatchObject({ direction: 'note', status: 'note', createdBy: a.user.id });
    const thread = (await a.client.get(`/api/v1/conversations/${conversation.id}/messages`)).body.items as { direction: string }[];
    expect(thread.map((m) => m.direction)).toEqual(['note', 'inbound']);
    const jobs = await t.db.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'messaging.send' and data->>'messageId' = ${note.body.id}`;
    expect(jobs[0]!.n).toBe(0);
    // A note answers nobody: the contact's message is still unread for the team.
    expect((await a.client.get(`/api/v1/conversations/${conversation.id}`)).body.unreadCount).toBe(1);
  });

  it('manages quick replies with unique shortcuts', async () => {
    const a = await buildSignedInUser(t);
    const created = await a.client.post('/api/v1/inbox/quick-replies', { shortcut: 'hola', body: 'Hola {{firstName|}}, gracias por escribir' });
    expect(created.status, created.text).toBe(201);
    expect((await a.client.post('/api/v1/inbox/quick-replies', { shortcut: 'HOLA', body: 'otra' })).status).toBe(409);
    expect((await a.client.patch(`/api/v1/inbox/quick-replies/${created.body.id}`, { body: 'Hola {{firstName|amigo}}' })).body.body).toBe('Hola {{firstName|amigo}}');
    expect((await a.client.get('/api/v1/inbox/quick-replies')).body.items).toHaveLength(1);
    const agent = await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' });
    expect((await agent.client.post('/api/v1/inbox/quick-replies', { shortcut: 'x', body: 'y' })).status).toBe(403);
  });

  it('lets an agent take a free conversation but not one someone else has', async () => {
    const owner = await buildSignedInUser(t);
    const agent = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'agent' });
    const other = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'agent' });
    const viewer = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'viewer' });
    const channel = await cloudChannel(owner.client);
    await inbound({ tenantId: owner.user.tenantId, channelId: channel.id, from: '5491144480001', text: 'hola', id: 'wamid.t1' });
    const [conversation] = (await owner.client.get('/api/v1/conversations')).body.items;
    expect((await viewer.client.post(`/api/v1/conversations/${conversation.id}/take`, {})).status).toBe(403);
    expect((await agent.client.post(`/api/v1/conversations/${conversation.id}/take`, {})).body.assigneeId).toBe(agent.user.id);
    expect((await other.client.post(`/api/v1/conversations/${conversation.id}/take`, {})).status).toBe(403);
    expect((await other.client.patch(`/api/v1/conversations/${conversation.id}`, { assigneeId: other.user.id })).status).toBe(403);
    expect((await owner.client.post(`/api/v1/conversations/${conversation.id}/take`, {})).body.assigneeId).toBe(owner.user.id);
  });

  it('records a manual opt-out from the conversation and blacklists the number', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144490001', text: 'hola', id: 'wamid.o1' });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    const res = await a.client.post(`/api/v1/conversations/${conversation.id}/opt-out`, { reason: 'Pidió por teléfono que no le escribamos' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.contact.blacklisted).toBe(true);
    const listed = await t.db.withTenant(a.user.tenantId, (tx) => tx.select().from(blacklist).where(eq(blacklist.tenantId, a.user.tenantId)));
    expect(listed.map((b) => b.phoneKey)).toEqual(['+541144490001']);
    const consent = await t.db.withTenant(a.user.tenantId, (tx) => tx.select().from(consentStates).where(eq(consentStates.tenantId, a.user.tenantId)));
    expect(Object.fromEntries(consent.map((c) => [c.channel, c.status]))).toEqual({ whatsapp: 'opted_out', any: 'opted_out' });
  });
});

describe('composer rules', () => {
  async function withTemplates(tenantId: string, channelId: string) {
    await t.db.withTenant(tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({
          providerState: {
            templates: {
              syncedAt: clock.now().toISOString(),
              items: [
                { name: 'seguimiento', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', quality: null, providerTemplateId: '1' },
                { name: 'borrador', language: 'es_AR', category: 'MARKETING', status: 'PENDING', quality: null, providerTemplateId: '2' },
              ],
            },
          },
        })
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId))),
    );
  }

  it('offers free text inside the 24-hour window and only approved templates after it', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    await withTemplates(a.user.tenantId, channel.id);
    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144500001', text: 'hola', id: 'wamid.w1', secondsAgo: 25 * 3600 });
    const [conversation] = (await a.client.get('/api/v1/conversations')).body.items;
    const rules = (await a.client.get(`/api/v1/conversations/${conversation.id}/composer`)).body;
    expect(rules).toMatchObject({ mode: 'template', windowClosesAt: null, templates: [{ name: 'seguimiento', language: 'es_AR' }], answerFrom: [] });
    const text = await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'hola' });
    expect(text.status).toBe(409);
    expect(text.body.error.details.reason).toBe('outside_whatsapp_window');
    expect((await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { template: { name: 'borrador', language: 'es_AR' } })).status).toBe(400);
    const sent = await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { template: { name: 'seguimiento', language: 'es_AR', parameters: ['Ana'] } });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body).toMatchObject({ type: 'template', status: 'queued', template: { name: 'seguimiento', parameters: ['Ana'] } });

    await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: '5491144500001', text: 'sí, contame', id: 'wamid.w2', secondsAgo: 60 });
    const open = (await a.client.get(`/api/v1/conversations/${conversation.id}/composer`)).body;
    expect(open.mode).toBe('text');
    expect(Date.parse(open.windowClosesAt) - clock.now().getTime()).toBeGreaterThan(23 * 3600 * 1000);
  });

  it('answers a WhatsApp Web conversation only from a Cloud API number of the workspace', async () => {
    const a = await buildSignedInUser(t);
    const cloud = await cloudChannel(a.client, 'Cloud');
    await withTemplates(a.user.tenantId, cloud.id);
    const web = await a.client.post('/api/v1/channels', { kind: 'whatsapp_web', name: 'Listener' });
    const contact = await a.client.post('/api/v1/contacts', { firstName: 'Eva', phone: '+54 9 11 4451 0001' });
    const conversation = (await a.client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: web.body.id })).body;
    const rules = (await a.client.get(`/api/v1/conversations/${conversation.id}/composer`)).body;
    expect(rules).toMatchObject({ mode: 'listen_only', answerFrom: [{ channelId: cloud.id, name: 'Cloud', mode: 'template', templates: [{ name: 'seguimiento' }] }] });
    const refused = await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'hola' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('listen_only');
    expect((await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'hola', fromChannelId: web.body.id })).status).toBe(409);
    const sent = await a.client.post(`/api/v1/conversations/${conversation.id}/messages`, { template: { name: 'seguimiento', language: 'es_AR', parameters: [] }, fromChannelId: cloud.id });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body.channelId).toBe(cloud.id);
    expect(sent.body.conversationId).not.toBe(conversation.id);
  });
});

describe('keyset pages when times share a millisecond', () => {
  // A JavaScript Date holds milliseconds. Were the database to keep microseconds, a cursor built
  // from a row's time would fall before its own row and skip (or repeat) the rows of that millisecond.
  it('lists every conversation and every message of a thread exactly once', async () => {
    const a = await buildSignedInUser(t);
    const channel = await cloudChannel(a.client);
    for (const i of [1, 2, 3, 4, 5]) await inbound({ tenantId: a.user.tenantId, channelId: channel.id, from: `54911444600${i}0`, text: `hola ${i}`, id: `wamid.ms${i}`, name: `Persona ${i}` });
    const ids = ((await a.client.get('/api/v1/conversations?limit=100')).body.items as { id: string }[]).map((c) => c.id);
    expect(ids).toHaveLength(5);
    const [first] = ids;
    await t.db.withTenant(a.user.tenantId, async (tx) => {
      for (const [i, id] of ids.entries()) await tx.execute(sql`update conversations set last_message_at = ${`2026-03-01T10:00:00.1234${i}Z`}::timestamptz where id = ${id}`);
      for (const i of [1, 2, 3, 4, 5, 6, 7])
        await tx.execute(sql`insert into messages (tenant_id, id, conversation_id, contact_id, channel_id, direction, body, status, created_at)
          select tenant_id, gen_random_uuid(), id, contact_id, channel_id, 'inbound', ${`extra ${i}`}, 'received', ${`2026-03-01T09:00:00.5678${i}Z`}::timestamptz
          from conversations where id = ${first}`);
    });

    const pages = async (path: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await a.client.get(`${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.items.map((item) => item.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      return seen;
    };
    const listed = await pages('/api/v1/conversations');
    expect(listed.toSorted()).toEqual(ids.toSorted());
    const thread = await pages(`/api/v1/conversations/${first}/messages`);
    expect(thread).toHaveLength(8);
    expect(new Set(thread).size).toBe(8);
  });
});

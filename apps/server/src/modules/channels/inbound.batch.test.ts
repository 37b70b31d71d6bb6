import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import type { BusEvent } from '../../platform/events/bus';
import { blacklist, consentStates, contacts } from '../contacts/contacts.tables';
import { contactIdentities, conversations, messages, pendingStatuses } from '../messaging/messaging.tables';
import { contactSignals } from '../scoring/scoring.tables';
import { inboundEvents } from './channels.tables';

/**
 * The drain processes a batch of stored webhooks set-based, in one transaction: these tests put
 * several kinds of event in one batch and check the outcome is the one of processing them one
 * after the other (and that the batch costs a handful of statements, not a dozen per message).
 */
let t: TestApp;
const published: BusEvent[] = [];
beforeAll(async () => {
  t = await startTestApp();
  t.runtime.deps.bus.subscribe((e) => void published.push(e));
});
afterAll(async () => {
  await t?.close();
});

const PHONE_NUMBER_ID = '106540352242922';
async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Lote',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: 'batch-token', appSecret: 'batch-app-secret', verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

const webhook = (value: Record<string, unknown>) =>
  JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: PHONE_NUMBER_ID }, ...value } }] }] });
const text = (id: string, from: string, body: string, seconds = 1767225600, name = 'Ana Pérez') =>
  webhook({ contacts: [{ wa_id: from, profile: { name } }], messages: [{ from, id, timestamp: String(seconds), type: 'text', text: { body } }] });
const status = (id: string, value: 'sent' | 'delivered' | 'read' | 'failed', seconds: number) => webhook({ statuses: [{ id, status: value, timestamp: String(seconds), recipient_id: '5491144445555' }] });

/** Stores bodies as the webhook route does (one row each, in this order of arrival), then drains them. */
async function storeAndDrain(tenantId: string, channelId: string, bodies: string[]) {
  const base = Date.now();
  const rows = bodies.map((body, i) => ({ tenantId, channelId, providerEventId: `test:${base}:${i}`, body: Buffer.from(body), headers: {}, receivedAt: new Date(base + i) }));
  await t.db.withTenant(tenantId, (tx) => tx.insert(inboundEvents).values(rows));
  return t.runtime.modules.channels.inbound.drain(tenantId, { budgetMs: 600_000 });
}

const all = <T>(tenantId: string, fn: (tx: Parameters<Parameters<TestApp['db']['withTenant']>[1]>[0]) => Promise<T>) => t.db.withTenant(tenantId, fn);

async function sentMessage(tenantId: string, channelId: string, providerMessageId: string) {
  return all(tenantId, async (tx) => {
    const [contact] = await tx.insert(contacts).values({ tenantId, firstName: 'Eva', phoneE164: '+5491144445555', phoneKey: '+541144445555' }).returning();
    const [conversation] = await tx.insert(conversations).values({ tenantId, channelId, contactId: contact!.id }).returning();
    const [message] = await tx
      .insert(messages)
      .values({ tenantId, conversationId: conversation!.id, contactId: contact!.id, channelId, direction: 'outbound', body: 'promo', status: 'sent', providerMessageId, source: 'campaign', service: 'whatsapp', sentAt: new Date('2026-01-01T00:00:00Z') })
      .returning();
    return message!;
  });
}

/** Counts the statements the app sends while `fn` runs. */
async function countingQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const options = t.runtime.deps.database.sql.options as unknown as { debug: unknown };
  let queries = 0;
  options.debug = () => void queries++;
  try {
    return { result: await fn(), queries };
  } finally {
    options.debug = false;
  }
}

describe('a batch of inbound webhooks', () => {
  it('handles messages, statuses, duplicates, a malformed payload and an opt-out in one batch as one by one would', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const sent = await sentMessage(user.tenantId, channel.id, 'wamid.out1');
    const changes: string[] = [];
    t.runtime.deps.events.on('messages.status-changed', async (_tx, e) => void (e.messageId === sent.id && changes.push(e.status)));
    const result = await storeAndDrain(user.tenantId, channel.id, [
      text('wamid.in1', '5491145678001', 'Hola, ¿precio?'),
      // Meta delivers the same message again in another webhook.
      webhook({ messages: [{ from: '5491145678001', id: 'wamid.in1', timestamp: '1767225600', type: 'text', text: { body: 'Hola, ¿precio?' } }] }),
      status('wamid.out1', 'read', 1767225700),
      // A late "delivered" after "read": fills in nothing, moves nothing.
      status('wamid.out1', 'delivered', 1767225650),
      '{"object": "whatsapp_business_account", "entry": [',
      text('wamid.in2', '5491145678002', 'BAJA', 1767225800, 'Beto'),
      // The status of a message not stored (yet): kept for when its send learns the id.
      status('wamid.unknown', 'delivered', 1767225900),
      text('wamid.in3', '5491145678001', 'sigo acá', 1767225660),
    ]);
    expect(result).toEqual({ processed: 8, pending: 0 });

    const stored = await all(user.tenantId, (tx) => tx.select().from(inboundEvents).where(eq(inboundEvents.tenantId, user.tenantId)).orderBy(inboundEvents.receivedAt));
    expect(stored.map((e) => e.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'dead', 'processed', 'processed', 'processed']);
    expect(stored[4]!.error).toBeTruthy();
    expect(stored.map((e) => e.attempts)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);

    const inbound = await all(user.tenantId, (tx) =>
      tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.direction, 'inbound'))).orderBy(messages.createdAt),
    );
    expect(inbound.map((m) => [m.providerMessageId, m.body])).toEqual([
      ['wamid.in1', 'Hola, ¿precio?'],
      ['wamid.in3', 'sigo acá'],
      ['wamid.in2', 'BAJA'],
    ]);
    // One message, one event: the duplicate announced nothing.
    // (On PostgreSQL the events come back through LISTEN, a moment after the commit.)
    const created = () => published.filter((e) => e.tenantId === user.tenantId && e.type === 'message.created').map((e) => (e.data as { id: string }).id);
    await expect.poll(() => created().length).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(created().sort()).toEqual(inbound.map((m) => m.id).sort());

    // Ana wrote twice: one contact, one conversation, both messages counted, the newest as preview.
    const ana = inbound[0]!;
    expect(inbound[1]!.contactId).toBe(ana.contactId);
    const [conversation] = await all(user.tenantId, (tx) => tx.select().from(conversations).where(and(eq(conversations.tenantId, user.tenantId), eq(conversations.id, ana.conversationId))));
    expect(conversation).toMatchObject({ inboundSeq: 2, lastMessagePreview: 'sigo acá', lastMessageDirection: 'inbound', status: 'active' });
    expect(conversation!.lastInboundAt!.toISOString()).toBe('2026-01-01T00:01:00.000Z');

    const after = (await all(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, sent.id)))))[0]!;
    expect(after.status).toBe('read');
    expect(after.readAt!.toISOString()).toBe('2026-01-01T00:01:40.000Z');
    expect(after.deliveredAt!.toISOString()).toBe('2026-01-01T00:01:40.000Z');
    expect(changes).toEqual(['read']);
    const kept = await all(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)));
    expect(kept.map((k) => [k.providerMessageId, k.status])).toEqual([['wamid.unknown', 'delivered']]);

    // "BAJA": an opt-out and the number on the do-not-contact list, in the same transaction.
    const beto = (await all(user.tenantId, (tx) => tx.select().from(contacts).where(and(eq(contacts.tenantId, user.tenantId), eq(contacts.id, inbound[2]!.contactId)))))[0]!;
    expect(beto.blacklisted).toBe(true);
    const listed = await all(user.tenantId, (tx) => tx.select().from(blacklist).where(eq(blacklist.tenantId, user.tenantId)));
    expect(listed.map((b) => b.phoneKey)).toEqual([beto.phoneKey]);
    const consent = await all(user.tenantId, (tx) => tx.select().from(consentStates).where(and(eq(consentStates.tenantId, user.tenantId), eq(consentStates.contactId, beto.id))));
    expect(Object.fromEntries(consent.map((c) => [c.channel, c.status]))).toEqual({ whatsapp: 'opted_out', any: 'opted_out' });
  });

  it('makes one contact of one person written in several formats within the same batch', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await storeAndDrain(user.tenantId, channel.id, [
      text('wamid.p1', '5491144446666', 'hola', 1767225600, 'Carla Gómez'),
      // WhatsApp sometimes names Argentine mobiles without the 9.
      text('wamid.p2', '541144446666', 'sigo acá', 1767225660, 'Carla Gómez'),
      text('wamid.p3', '5491144446666', '¿me leen?', 1767225720, 'Carla Gómez'),
      text('wamid.p4', '5491144447777', 'otra persona', 1767225780, 'Dario'),
    ]);
    const people = await all(user.tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.tenantId, user.tenantId)));
    expect(people.map((c) => `${c.firstName} ${c.lastName}`).sort()).toEqual(['Carla Gómez', 'Dario ']);
    const carla = people.find((c) => c.firstName === 'Carla')!;
    const convs = await all(user.tenantId, (tx) => tx.select().from(conversations).where(eq(conversations.tenantId, user.tenantId)));
    expect(convs.find((c) => c.contactId === carla.id)!.inboundSeq).toBe(3);
    expect(convs).toHaveLength(2);
    const ids = await all(user.tenantId, (tx) => tx.select().from(contactIdentities).where(eq(contactIdentities.tenantId, user.tenantId)));
    expect(ids.filter((i) => i.contactId === carla.id).map((i) => i.value).sort()).toEqual(['541144446666', '5491144446666']);
    // New contacts are scored as they are written.
    expect(carla.scoredAt).not.toBeNull();
  });

  it('keeps statuses that come before their message and applies them, read winning, once the send knows its id', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await storeAndDrain(user.tenantId, channel.id, [status('wamid.early', 'read', 1767225700), status('wamid.early', 'delivered', 1767225650)]);
    const kept = await all(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)));
    expect(kept.map((k) => k.status).sort()).toEqual(['delivered', 'read']);
    const message = await sentMessage(user.tenantId, channel.id, 'wamid.early');
    const { applyPendingStatuses } = await import('../messaging/inbound');
    await all(user.tenantId, (tx) => applyPendingStatuses(tx, t.runtime.deps, message));
    const after = (await all(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), eq(messages.id, message.id)))))[0]!;
    expect(after.status).toBe('read');
    expect(after.deliveredAt!.toISOString()).toBe('2026-01-01T00:00:50.000Z');
    expect(after.readAt!.toISOString()).toBe('2026-01-01T00:01:40.000Z');
    expect(await all(user.tenantId, (tx) => tx.select().from(pendingStatuses).where(eq(pendingStatuses.tenantId, user.tenantId)))).toEqual([]);
  });

  it('counts a reply for scoring at once and rescores the contact in the background step', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const contact = (await client.post('/api/v1/contacts', { firstName: 'Eve', phone: '+54 9 11 4444 8888' })).body;
    const before = contact.scores.contactability;
    await storeAndDrain(user.tenantId, channel.id, [text('wamid.sc1', '5491144448888', 'hola'), text('wamid.sc2', '5491144448888', 'sigo')]);
    const [signals] = await all(user.tenantId, (tx) => tx.select().from(contactSignals).where(and(eq(contactSignals.tenantId, user.tenantId), eq(contactSignals.contactId, contact.id))));
    expect(signals).toMatchObject({ replies: 2, rescorePending: true });
    // The background job is booked in the processing transaction (one per tenant, however many replies).
    const jobs = await t.runtime.deps.database.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'scoring.rescore-signalled' and singleton_key = ${user.tenantId} and state = 'created'`;
    expect(jobs[0]!.n).toBe(1);
    expect(await t.runtime.modules.scoring.scoring.rescoreSignalled(user.tenantId)).toBe(1);
    const now = (await client.get(`/api/v1/contacts/${contact.id}`)).body;
    expect(now.scores.contactability).toBeGreaterThan(before);
    expect(now.scoreDetails.contactability.map((p: { label: string }) => p.label)).toContain('has replied');
    const [cleared] = await all(user.tenantId, (tx) => tx.select().from(contactSignals).where(and(eq(contactSignals.tenantId, user.tenantId), eq(contactSignals.contactId, contact.id))));
    expect(cleared!.rescorePending).toBe(false);
  });

  it("announces each conversation as the batch committed it, read in the batch's transaction", async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const options = t.runtime.deps.database.sql.options as unknown as { debug: unknown };
    const statements: string[] = [];
    options.debug = (_connection: number, query: string) => void statements.push(query.replace(/\s+/g, ' ').trim().toLowerCase());
    let result: Awaited<ReturnType<typeof storeAndDrain>>;
    try {
      result = await storeAndDrain(user.tenantId, channel.id, [
        text('wamid.conv.1', '5491145670001', 'primero', 1767225600),
        text('wamid.conv.2', '5491145670001', 'segundo', 1767225601),
        text('wamid.conv.3', '5491145670002', 'otra persona', 1767225602),
      ]);
    } finally {
      options.debug = false;
    }
    expect(result.processed).toBe(3);
    const updated = published.filter((e) => e.tenantId === user.tenantId && e.type === 'conversation.updated').map((e) => e.data as { lastMessagePreview: string; inboundSeq: number; unreadCount: number; contact: { phoneE164: string } });
    expect(updated.map((c) => [c.contact.phoneE164, c.lastMessagePreview, c.inboundSeq, c.unreadCount]).sort()).toEqual([
      ['+5491145670001', 'segundo', 2, 2],
      ['+5491145670002', 'otra persona', 1, 1],
    ]);
    // Read once, after the conversations' update and before the batch's commit: no transaction after it to load them.
    const insert = statements.findIndex((q) => q.startsWith('insert into "messages"'));
    const update = statements.findIndex((q) => q.startsWith('update "conversations"'));
    const reads = statements.flatMap((q, i) => (q.startsWith('select') && q.includes('from "conversations" inner join "contacts"') ? [i] : []));
    const commit = statements.findIndex((q, i) => i > insert && q === 'commit');
    expect(insert).toBeGreaterThan(-1);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toBeGreaterThan(update);
    expect(reads[0]).toBeLessThan(commit);
  });

  it('costs a handful of statements per batch, not a dozen per message', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // 200 messages from 50 people, some known already from an earlier batch.
    await storeAndDrain(user.tenantId, channel.id, Array.from({ length: 20 }, (_, i) => text(`wamid.warm.${i}`, `54911450000${String(i).padStart(2, '0')}`, 'hola')));
    const bodies = Array.from({ length: 200 }, (_, i) => text(`wamid.q.${i}`, `54911450000${String(i % 50).padStart(2, '0')}`, `mensaje ${i}`, 1767225600 + i));
    const { result, queries } = await countingQueries(() => storeAndDrain(user.tenantId, channel.id, bodies));
    expect(result.processed).toBe(200);
    const [count] = await all(user.tenantId, (tx) => tx.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.tenantId, user.tenantId)));
    expect(count!.n).toBe(220);
    // One by one it took about 21 per message (4,000 here); set-based, about 25 per batch of 100.
    expect(queries).toBeLessThan(100);
  });

  it("finds a batch's messages, people, conversations and events without reading the tenant's other rows", async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // 1,000 stored webhooks from 1,000 people: their events, messages, contacts, identities and conversations.
    const number = (i: number) => `5491147${String(i).padStart(6, '0')}`;
    await storeAndDrain(user.tenantId, channel.id, Array.from({ length: 1000 }, (_, i) => text(`wamid.old.${i}`, number(i), `hola ${i}`, 1767225600 + i)));
    // Then a batch of 60: known people writing again, a redelivered message each, new people, statuses of stored messages.
    const batch = [
      ...Array.from({ length: 20 }, (_, i) => text(`wamid.new.${i}`, number(i * 7), `otra ${i}`, 1767230000 + i)),
      ...Array.from({ length: 20 }, (_, i) => text(`wamid.old.${i * 11}`, number(i * 11), `hola ${i * 11}`, 1767225600 + i * 11)),
      ...Array.from({ length: 10 }, (_, i) => text(`wamid.first.${i}`, number(5000 + i), 'primera vez', 1767230100 + i)),
      ...Array.from({ length: 10 }, (_, i) => status(`wamid.old.${i * 13}`, 'read', 1767230200 + i)),
    ];
    const options = t.runtime.deps.database.sql.options as unknown as { debug: unknown };
    // The statements of the batch's transaction: from its claim to its commit, on the claim's connection
    // (its realtime publishing comes after the commit: not processing).
    const sent: { query: string; params: unknown[] }[] = [];
    let processing: unknown = null;
    let committed = false;
    options.debug = (connection: unknown, query: string, params: unknown[]) => {
      if (committed) return;
      if (processing === null && query.includes('inbound_events') && /for update\b.*\bskip locked/is.test(query)) processing = connection;
      if (connection !== processing) return;
      if (/^\s*commit/i.test(query)) committed = true;
      else sent.push({ query, params });
    };
    try {
      expect((await storeAndDrain(user.tenantId, channel.id, batch)).processed).toBe(60);
    } finally {
      options.debug = false;
    }
    // Each look-up of the batch's rows by their keys, explained with its own parameters (analyzed in a
    // transaction rolled back): no scan goes through more rows than the batch has. (Not checked: rows
    // found by primary key with `id = any`, which a table without statistics yet may plan as a scan
    // of the tenant's rows; decision 0033.)
    const tables = ['inbound_events', 'messages', 'conversations', 'contact_identities', 'contacts'];
    const reads = sent.filter(({ query }) => /^\s*select\b/i.test(query) && tables.some((name) => query.includes(name)) && !/pg_notify|set_config|"id" = any\(/.test(query));
    expect(reads.length).toBeGreaterThanOrEqual(4);
    type Node = { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; 'Rows Removed by Join Filter'?: number; Plans?: Node[] };
    const wide: string[] = [];
    const walk = (node: Node, query: string) => {
      const read = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] + (node['Rows Removed by Join Filter'] ?? 0);
      if ((node['Relation Name'] && tables.includes(node['Relation Name']) && read > 200) || (node['Rows Removed by Join Filter'] ?? 0) > 200) {
        wide.push(`${node['Node Type']} on ${node['Relation Name'] ?? '-'} went through ${read} rows: ${query.replace(/\s+/g, ' ').slice(0, 120)}`);
      }
      for (const child of node.Plans ?? []) walk(child, query);
    };
    const connection = await t.runtime.deps.database.sql.reserve();
    try {
      for (const { query, params } of reads) {
        await connection.unsafe('begin');
        await connection.unsafe("select set_config('app.tenant_id', $1, true)", [user.tenantId]);
        const [row] = await connection.unsafe(`explain (analyze, format json) ${query}`, params as never[]);
        await connection.unsafe('rollback');
        const plan = (row as Record<string, unknown>)['QUERY PLAN'] as { Plan: Node }[];
        walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0]!.Plan, query);
      }
      // The claim, run again and again, may get the plan PostgreSQL makes for any parameters (a
      // generic plan): that plan still walks the pending index instead of every stored event.
      const claim = reads.find(({ query }) => /skip locked/i.test(query))!;
      const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
      await connection.unsafe('begin');
      await connection.unsafe("select set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)", [user.tenantId]);
      await connection.unsafe(`prepare lm_claim as ${claim.query}`);
      const [row] = await connection.unsafe(`explain (analyze, format json) execute lm_claim(${claim.params.map(literal).join(', ')})`);
      await connection.unsafe('deallocate lm_claim');
      await connection.unsafe('rollback');
      const plan = (row as Record<string, unknown>)['QUERY PLAN'] as { Plan: Node }[];
      walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0]!.Plan, `generic plan: ${claim.query}`);
    } finally {
      connection.release();
    }
    expect(wide).toEqual([]);
    // Storing and processing 1,000 webhooks first takes a while on the embedded database.
  }, 180_000);
});

describe('a reply in a working process', () => {
  let w: TestApp;
  beforeAll(async () => {
    w = await startTestApp({ work: true });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('raises the contact score a moment later, through the background rescore', async () => {
    const { client, user } = await buildSignedInUser(w);
    const channel = await cloudChannel(client);
    const contact = (await client.post('/api/v1/contacts', { firstName: 'Eve', phone: '+54 9 11 4444 9999' })).body;
    const raw = Buffer.from(text('wamid.live.score', '5491144449999', 'hola'));
    await w.db.withTenant(user.tenantId, (tx) => tx.insert(inboundEvents).values({ tenantId: user.tenantId, channelId: channel.id, providerEventId: 'live-score', body: raw, headers: {} }));
    // Nobody calls the rescore here: the workers run it, as after a webhook.
    await w.runtime.modules.channels.inbound.drain(user.tenantId);
    await expect
      .poll(async () => (await client.get(`/api/v1/contacts/${contact.id}`)).body.scores.contactability, { timeout: 20_000, interval: 250 })
      .toBeGreaterThan(contact.scores.contactability);
  });
});

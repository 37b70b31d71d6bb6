import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from './harness';
import { buildSignedInUser, buildUser, type TestTenant, type TestUser } from './factories';
import { apiKeys, roles, users } from '../src/modules/identity/identity.tables';
import { backgroundTasks } from '../src/platform/jobs/tasks.tables';
import { googleConnections } from '../src/modules/contacts/google/google.tables';
import { channelAccounts } from '../src/modules/channels/channels.tables';
import { whatsappWebSessions } from '../src/modules/channels/whatsapp-web/whatsapp-web.tables';
import { conversations, inboxLabels, messages, quickReplies } from '../src/modules/messaging/messaging.tables';
import { putBlob } from '../src/platform/storage/blobs';
import { blobs } from '../src/platform/storage/blobs.tables';
import { blacklist, consentEvents, contactImports, contacts, householdMembers, segments, validationEvents } from '../src/modules/contacts/contacts.tables';
import { campaignRecipients, campaigns, messageTemplates } from '../src/modules/campaigns/campaigns.tables';
import { appointments, calendars } from '../src/modules/calendar/calendar.tables';

/**
 * Every API route with an id in its path, called by another tenant's owner with this tenant's id:
 * it must answer 404, like a missing object, and change nothing. The routes come from the app's own
 * route table, so a new route without a fixture here fails this test until one is added.
 */
type Fixture = {
  params: Record<string, string>;
  body?: unknown;
  /** Bodies for routes below the resource, by the rest of their path (e.g. `/consent`). */
  bodies?: Record<string, unknown>;
  snapshot(): Promise<unknown>;
};
type FixtureFactory = (owner: TestUser & { tenant: TestTenant }, client: TestClient) => Promise<Fixture>;

const row = async <T>(rows: Promise<T[]>) => (await rows)[0] ?? null;

const FIXTURES: Record<string, FixtureFactory> = {
  '/api/v1/users/:id': async (owner) => {
    const victim = await buildUser(t, { tenant: owner.tenant, role: 'agent' });
    return {
      params: { id: victim.id },
      body: { name: 'Hijacked' },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(users).where(and(eq(users.tenantId, owner.tenantId), eq(users.id, victim.id))))),
    };
  },
  '/api/v1/roles/:id': async (owner, client) => {
    const created = await client.post('/api/v1/roles', { name: 'Victim role', permissions: ['contacts.read'] });
    return {
      params: { id: created.body.id },
      body: { name: 'Hijacked' },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(roles).where(and(eq(roles.tenantId, owner.tenantId), eq(roles.id, created.body.id))))),
    };
  },
  '/api/v1/api-keys/:id': async (owner, client) => {
    const created = await client.post('/api/v1/api-keys', { name: 'victim key', permissions: ['users.read'] });
    return {
      params: { id: created.body.apiKey.id },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) =>
          row(tx.select().from(apiKeys).where(and(eq(apiKeys.tenantId, owner.tenantId), eq(apiKeys.id, created.body.apiKey.id)))),
        ),
    };
  },
  '/api/v1/tasks/:id': async (owner) => {
    const [task] = await t.db.withTenant(owner.tenantId, (tx) =>
      tx.insert(backgroundTasks).values({ tenantId: owner.tenantId, kind: 'test' }).returning(),
    );
    return {
      params: { id: task!.id },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) =>
          row(tx.select().from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, owner.tenantId), eq(backgroundTasks.id, task!.id)))),
        ),
    };
  },
  '/api/v1/contacts/:id': async (owner, client) => {
    const created = await client.post('/api/v1/contacts', { firstName: 'Victim', phone: `+54 9 11 ${4000 + Math.floor(Math.random() * 5000)} 5555` });
    const member = await client.post(`/api/v1/contacts/${created.body.id}/household`, { name: 'Victim spouse' });
    return {
      params: { id: created.body.id, memberId: member.body.id },
      body: { firstName: 'Hijacked' },
      bodies: {
        '/consent': { channel: 'whatsapp', status: 'opted_out', source: 'attack' },
        '/household': { name: 'Intruder' },
        '/household/:memberId': { name: 'Hijacked' },
      },
      snapshot: () => contactSnapshot(owner.tenantId, created.body.id),
    };
  },
  '/api/v1/validation-queue/:contactId': async (owner, client) => {
    const created = await client.post('/api/v1/contacts', { firstName: 'Queued' });
    return {
      params: { contactId: created.body.id },
      bodies: { '/approve': {}, '/reject': { reason: 'attack' }, '/note': { note: 'attack' } },
      snapshot: () => contactSnapshot(owner.tenantId, created.body.id),
    };
  },
  '/api/v1/segments/:id': async (owner, client) => {
    const created = await client.post('/api/v1/segments', { name: 'Victim segment', filter: { tags: ['vip'] } });
    return {
      params: { id: created.body.id },
      body: { name: 'Hijacked' },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(segments).where(and(eq(segments.tenantId, owner.tenantId), eq(segments.id, created.body.id))))),
    };
  },
  '/api/v1/blacklist/:phoneKey': async (owner, client) => {
    const created = await client.post('/api/v1/blacklist', { phone: `+54 9 351 ${500 + Math.floor(Math.random() * 400)} 1234`, reason: 'victim' });
    return {
      params: { phoneKey: encodeURIComponent(created.body.phoneKey) },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) =>
          row(tx.select().from(blacklist).where(and(eq(blacklist.tenantId, owner.tenantId), eq(blacklist.phoneKey, created.body.phoneKey)))),
        ),
    };
  },
  '/api/v1/contacts/imports/:id': async (owner) => {
    const principal = { tenantId: owner.tenantId, userId: owner.id } as Parameters<typeof t.runtime.modules.contacts.imports.create>[0]['principal'];
    const preview = await t.runtime.modules.contacts.imports.create({
      principal,
      fileName: 'victim.csv',
      source: [Buffer.from('Nombre;Celular\nAna;11 4444 5555\n')],
    });
    return {
      params: { id: preview.import.id },
      body: { mapping: { Nombre: 'fullName', Celular: 'phone' } },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) =>
          row(tx.select().from(contactImports).where(and(eq(contactImports.tenantId, owner.tenantId), eq(contactImports.id, preview.import.id)))),
        ),
    };
  },
  '/api/v1/google/connections/:id': async (owner) => {
    const [conn] = await t.db.withTenant(owner.tenantId, (tx) =>
      tx.insert(googleConnections).values({ tenantId: owner.tenantId, userId: owner.id, email: 'victim@gmail.com', refreshToken: 'x' }).returning(),
    );
    return {
      params: { id: conn!.id },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(googleConnections).where(and(eq(googleConnections.tenantId, owner.tenantId), eq(googleConnections.id, conn!.id))))),
    };
  },
  // Before '/api/v1/channels/:id': the first matching prefix wins. A session waiting for a scan, so
  // its own tenant gets the QR and the other gets 404.
  '/api/v1/channels/:id/session': async (owner, client) => {
    const created = await client.post('/api/v1/channels', { kind: 'whatsapp_web', name: 'Victim listener' });
    await t.db.withTenant(owner.tenantId, (tx) =>
      tx.insert(whatsappWebSessions).values({ tenantId: owner.tenantId, channelId: created.body.id, state: 'QR_REQUIRED', qr: t.runtime.deps.secrets.encrypt('2@victim-qr') }),
    );
    return {
      params: { id: created.body.id },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, async (tx) => ({
          channel: await row(tx.select().from(channelAccounts).where(and(eq(channelAccounts.tenantId, owner.tenantId), eq(channelAccounts.id, created.body.id)))),
          session: await row(tx.select().from(whatsappWebSessions).where(and(eq(whatsappWebSessions.tenantId, owner.tenantId), eq(whatsappWebSessions.channelId, created.body.id)))),
        })),
    };
  },
  '/api/v1/conversations/:id': async (owner, client) => {
    const contact = await client.post('/api/v1/contacts', { firstName: 'Victim', phone: `+54 9 11 4${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` });
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Victim inbox' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
    expect(conversation.status, conversation.text).toBe(201);
    const id = conversation.body.id as string;
    return {
      params: { id },
      body: { pinned: true, status: 'closed' },
      bodies: { '/messages': { body: 'hijacked reply' }, '/read': {}, '/take': {}, '/notes': { body: 'hijacked note' }, '/opt-out': { reason: 'attack' }, '/labels': { labelIds: [] } },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, async (tx) => ({
          conversation: await row(tx.select().from(conversations).where(and(eq(conversations.tenantId, owner.tenantId), eq(conversations.id, id)))),
          messages: await tx.select().from(messages).where(and(eq(messages.tenantId, owner.tenantId), eq(messages.conversationId, id))),
        })),
    };
  },
  '/api/v1/messages/:id': async (owner, client) => {
    const contact = await client.post('/api/v1/contacts', { firstName: 'Victim', phone: `+54 9 11 5${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` });
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Victim media' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
    const blob = await putBlob(t.db, { tenantId: owner.tenantId, name: 'photo.jpg', contentType: 'image/jpeg', source: [Buffer.from('victim photo')] });
    const [message] = await t.db.withTenant(owner.tenantId, (tx) =>
      tx
        .insert(messages)
        .values({
          tenantId: owner.tenantId,
          conversationId: conversation.body.id,
          contactId: contact.body.id,
          channelId: channel.body.id,
          direction: 'inbound',
          type: 'image',
          status: 'received',
          media: [{ blobId: blob.id, providerMediaId: null, mimeType: 'image/jpeg', fileName: 'photo.jpg', caption: null, voice: false }],
        })
        .returning(),
    );
    return {
      params: { id: message!.id, blobId: blob.id },
      snapshot: () => t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(messages).where(and(eq(messages.tenantId, owner.tenantId), eq(messages.id, message!.id))))),
    };
  },
  '/api/v1/files/:id': async (owner) => {
    const blob = await putBlob(t.db, { tenantId: owner.tenantId, name: 'flyer.png', contentType: 'image/png', source: [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])] });
    return {
      params: { id: blob.id },
      snapshot: () => t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(blobs).where(and(eq(blobs.tenantId, owner.tenantId), eq(blobs.id, blob.id))))),
    };
  },
  '/api/v1/inbox/labels/:id': async (owner, client) => {
    const created = await client.post('/api/v1/inbox/labels', { name: `Victim label ${Math.random()}`, keywords: ['victim'] });
    return {
      params: { id: created.body.id },
      body: { name: 'Hijacked' },
      snapshot: () => t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(inboxLabels).where(and(eq(inboxLabels.tenantId, owner.tenantId), eq(inboxLabels.id, created.body.id))))),
    };
  },
  '/api/v1/inbox/quick-replies/:id': async (owner, client) => {
    const created = await client.post('/api/v1/inbox/quick-replies', { shortcut: `victim${Math.floor(Math.random() * 1e9)}`, body: 'Hola {{firstName}}' });
    return {
      params: { id: created.body.id },
      body: { body: 'Hijacked' },
      snapshot: () => t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(quickReplies).where(and(eq(quickReplies.tenantId, owner.tenantId), eq(quickReplies.id, created.body.id))))),
    };
  },
  '/api/v1/templates/:id': async (owner, client) => {
    const contact = await client.post('/api/v1/contacts', { firstName: 'Victim' });
    const created = await client.post('/api/v1/templates', { name: 'Victim template', body: 'Hola {{firstName}}' });
    return {
      params: { id: created.body.id },
      body: { name: 'Hijacked' },
      bodies: { '/preview': { contactId: contact.body.id } },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(messageTemplates).where(and(eq(messageTemplates.tenantId, owner.tenantId), eq(messageTemplates.id, created.body.id))))),
    };
  },
  '/api/v1/campaigns/:id': async (owner, client) => {
    const contact = await client.post('/api/v1/contacts', { firstName: 'Victim', phone: `+54 9 11 6${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` });
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Victim campaign channel' });
    const template = await client.post('/api/v1/templates', { name: 'Victim template', body: 'Hola' });
    const created = await client.post('/api/v1/campaigns', { name: 'Victim campaign', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds: [contact.body.id] } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    return {
      params: { id },
      body: { name: 'Hijacked' },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, async (tx) => ({
          campaign: await row(tx.select().from(campaigns).where(and(eq(campaigns.tenantId, owner.tenantId), eq(campaigns.id, id)))),
          recipients: await tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, owner.tenantId), eq(campaignRecipients.campaignId, id))),
        })),
    };
  },
  '/api/v1/channels/:id': async (owner, client) => {
    const created = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Victim sandbox' });
    return {
      params: { id: created.body.id },
      body: { name: 'Hijacked' },
      bodies: { '/sandbox/inbound': { from: '+5491144445555', text: 'attack' } },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(channelAccounts).where(and(eq(channelAccounts.tenantId, owner.tenantId), eq(channelAccounts.id, created.body.id))))),
    };
  },
};

/** A UTC calendar open 09:00–12:00 every day, a contact, and a free slot two days ahead. */
async function calendarSetting(client: TestClient) {
  const availability = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, from: '09:00', to: '12:00' }));
  const calendar = await client.post('/api/v1/calendars', { name: 'Victim calendar', timeZone: 'UTC', slotMinutes: 60, availability });
  expect(calendar.status, calendar.text).toBe(201);
  const contact = await client.post('/api/v1/contacts', { firstName: 'Victim' });
  const startsAt = `${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}T10:00:00.000Z`;
  return { calendarId: calendar.body.id as string, contactId: contact.body.id as string, startsAt };
}

const CALENDAR_FIXTURES: Record<string, FixtureFactory> = {
  '/api/v1/calendars/:id': async (owner, client) => {
    const { calendarId, contactId, startsAt } = await calendarSetting(client);
    return {
      params: { id: calendarId },
      body: { name: 'Hijacked' },
      bodies: { '/holds': { contactId, startsAt } },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, async (tx) => ({
          calendar: await row(tx.select().from(calendars).where(and(eq(calendars.tenantId, owner.tenantId), eq(calendars.id, calendarId)))),
          appointments: await tx.select().from(appointments).where(and(eq(appointments.tenantId, owner.tenantId), eq(appointments.calendarId, calendarId))),
        })),
    };
  },
  '/api/v1/appointments/:id': async (owner, client) => {
    const { calendarId, contactId, startsAt } = await calendarSetting(client);
    const hold = await client.post(`/api/v1/calendars/${calendarId}/holds`, { contactId, startsAt });
    expect(hold.status, hold.text).toBe(201);
    return {
      params: { id: hold.body.id },
      snapshot: () =>
        t.db.withTenant(owner.tenantId, (tx) => row(tx.select().from(appointments).where(and(eq(appointments.tenantId, owner.tenantId), eq(appointments.id, hold.body.id))))),
    };
  },
};
Object.assign(FIXTURES, CALENDAR_FIXTURES);

/** Later routes below an id (`/users/:id/reset-2fa`) reuse the fixture of their resource. */
function fixtureFor(url: string): { prefix: string; build: FixtureFactory } | undefined {
  const prefix = Object.keys(FIXTURES).find((p) => url === p || url.startsWith(`${p}/`));
  return prefix ? { prefix, build: FIXTURES[prefix]! } : undefined;
}

/** A contact and everything hanging off it that a route could change. */
async function contactSnapshot(tenantId: string, contactId: string) {
  return t.db.withTenant(tenantId, async (tx) => {
    const contact = await row(tx.select().from(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId))));
    if (!contact) return null;
    const byContact = <T extends typeof consentEvents | typeof householdMembers | typeof validationEvents>(table: T) =>
      tx.select().from(table as typeof consentEvents).where(and(eq((table as typeof consentEvents).tenantId, tenantId), eq((table as typeof consentEvents).contactId, contactId)));
    return { contact, consent: await byContact(consentEvents), household: await byContact(householdMembers), validation: await byContact(validationEvents) };
  });
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('cross-tenant access', () => {
  it('answers 404 and changes nothing for every route with an id, called by another tenant', async () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/') && r.url.includes('/:') && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const missing = routes.filter((r) => !fixtureFor(r.url)).map((r) => `${r.method} ${r.url}`);
    expect(missing, 'routes without a cross-tenant fixture').toEqual([]);

    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t);
    // A step that never answers fails naming its route, not as the whole test's timeout (seen once in CI).
    const within = <T>(what: string, work: Promise<T>) =>
      Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in 20 s`)), 20_000).unref())]);
    for (const route of routes) {
      const { prefix, build } = fixtureFor(route.url)!;
      const name = `${route.method} ${route.url}`;
      const fixture = await within(`${name} fixture`, build(a.user, a.client));
      const before = await within(`${name} snapshot`, fixture.snapshot());
      expect(before, `${route.url} fixture exists`).not.toBeNull();
      const suffix = route.url.slice(prefix.length);
      const body = fixture.bodies?.[suffix] ?? fixture.body ?? {};
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => fixture.params[name] ?? 'missing');
      const res = await within(`${name} by another tenant`, b.client.request(route.method as 'GET', url, route.method === 'GET' || route.method === 'DELETE' ? {} : { body }));
      expect({ route: `${route.method} ${route.url}`, status: res.status, code: res.body?.error?.code }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 404,
        code: 'not_found',
      });
      expect(await within(`${name} snapshot after`, fixture.snapshot()), `${route.method} ${route.url} changed another tenant's data`).toEqual(before);
      // The same call by the owning tenant reaches the object (so the 404 above is about the tenant).
      const own = await within(`${name} by its own tenant`, a.client.request(route.method as 'GET', url, route.method === 'GET' || route.method === 'DELETE' ? {} : { body }));
      expect(own.status, `${route.method} ${route.url} by its own tenant`).not.toBe(404);
    }
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { auditEvents } from '../../audit/audit.tables';
import { channelAccounts, inboundEvents } from '../channels.tables';
import { ChannelSendError } from '../adapters/adapter';
import type { BusEvent } from '../../../platform/events/bus';
import { whatsappWebKeys, whatsappWebSessions } from './whatsapp-web.tables';
import { ScriptedWhatsApp } from './scripted-socket';
import type { SessionManager } from './whatsapp-web.manager';
import { backoffDelay, type SessionTimings } from './whatsapp-web.session';
import { canTransition, presentStatus } from './whatsapp-web.state';
import type { WaWebMessage } from './socket';

let t: TestApp;
const events: BusEvent[] = [];
const inboundItems: { channelId: string; items: unknown[] }[] = [];
beforeAll(async () => {
  t = await startTestApp();
  t.runtime.deps.bus.subscribe((e) => void events.push(e));
  t.runtime.deps.events.on('channels.inbound', async (_tx, e) => void inboundItems.push({ channelId: e.channelId, items: e.items }));
});
afterAll(async () => {
  await t?.close();
});

const FAST: Partial<SessionTimings> = { backoffInitialMs: 20, backoffMaxMs: 200, probeIntervalMs: 20, silenceMs: 60, pingTimeoutMs: 40, checkBatchSize: 2, checkIntervalMs: 40 };
const managers: SessionManager[] = [];
const created: { tenantId: string; channelId: string }[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
  t.runtime.modules.channels.whatsappWeb.useManager(null);
  // A manager runs every session of the database: the next test's must not pick up this one's.
  for (const c of created.splice(0)) {
    await t.db.withTenant(c.tenantId, (tx) => tx.delete(channelAccounts).where(and(eq(channelAccounts.tenantId, c.tenantId), eq(channelAccounts.id, c.channelId))));
  }
});

/** A manager for this "process", running on a scripted socket, and the one the API nudges. */
function manager(hub: ScriptedWhatsApp, timings: Partial<SessionTimings> = FAST) {
  const m = t.runtime.modules.channels.whatsappWeb.createManager({ factory: hub.factory, timings, tickMs: 60_000 });
  managers.push(m);
  t.runtime.modules.channels.whatsappWeb.useManager(m);
  return m;
}

async function listener() {
  const { client, user } = await buildSignedInUser(t);
  const res = await client.post('/api/v1/channels', { kind: 'whatsapp_web', name: 'Recepción' });
  expect(res.status, res.text).toBe(201);
  created.push({ tenantId: user.tenantId, channelId: res.body.id });
  return { client, tenantId: user.tenantId, channelId: res.body.id as string };
}

const sessionRow = (tenantId: string, channelId: string) =>
  t.db.withTenant(tenantId, async (tx) => (await tx.select().from(whatsappWebSessions).where(and(eq(whatsappWebSessions.tenantId, tenantId), eq(whatsappWebSessions.channelId, channelId))))[0]);

const statesOf = (channelId: string) => events.filter((e) => e.type === 'session.state_changed' && (e.data as { channelId: string }).channelId === channelId).map((e) => (e.data as { state: string }).state);

async function until<T>(fn: () => Promise<T> | T, timeout = 3_000) {
  return vi.waitFor(async () => {
    const value = await fn();
    if (!value) throw new Error('not yet');
    return value;
  }, { timeout, interval: 10 });
}

async function stateIs(client: Awaited<ReturnType<typeof listener>>['client'], channelId: string, state: string) {
  return until(async () => {
    const res = await client.get(`/api/v1/channels/${channelId}/session`);
    return res.body.state === state ? res.body : null;
  });
}

/** Runs a session up to READY: first QR, scan, restart, open. */
async function linked(hub: ScriptedWhatsApp) {
  const l = await listener();
  const m = manager(hub);
  await m.tick();
  await stateIs(l.client, l.channelId, 'QR_REQUIRED');
  await hub.last.scan();
  await stateIs(l.client, l.channelId, 'READY');
  return { ...l, m };
}

const message = (overrides: Partial<WaWebMessage>): WaWebMessage => ({
  id: 'MSG-1',
  chatJid: '5491144445555@s.whatsapp.net',
  chatAltJid: null,
  fromMe: false,
  pushName: 'Ana',
  at: new Date('2026-11-22T12:00:00Z'),
  type: 'text',
  text: 'Hola, ¿tienen turnos?',
  media: null,
  replyTo: null,
  reaction: null,
  location: null,
  ...overrides,
});

describe('the session state machine', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('INITIALIZING', 'QR_REQUIRED')).toBe(true);
    expect(canTransition('QR_REQUIRED', 'READY')).toBe(true);
    expect(canTransition('READY', 'RECONNECTING')).toBe(true);
    expect(canTransition('LOGGED_OUT', 'READY')).toBe(false);
    expect(canTransition('DISCONNECTED', 'QR_REQUIRED')).toBe(false);
    expect(canTransition('FAILED', 'RECONNECTING')).toBe(false);
    expect(canTransition('LOGGED_OUT', 'INITIALIZING')).toBe(true);
  });

  it('presents exactly the status contract', () => {
    const status = presentStatus({ state: 'READY', since: new Date('2026-11-22T12:00:00Z'), qrDataUrl: 'data:image/png;base64,xx' });
    expect(status).toStrictEqual({ state: 'READY', connected: true, can_send_messages: false, needs_qr: false, is_recoverable: true, recommended_action: 'none', qr: null, since: '2026-11-22T12:00:00.000Z' });
    expect(presentStatus({ state: 'LOGGED_OUT', since: new Date(), qrDataUrl: null })).toMatchObject({ needs_qr: true, is_recoverable: false, recommended_action: 'relink', connected: false });
  });

  it('backs off exponentially with jitter, up to the cap', () => {
    const timings = { backoffInitialMs: 1000, backoffMaxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, timings, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(3, timings, () => 0)).toBe(3200);
    expect(backoffDelay(3, timings, () => 1)).toBe(4800);
  });
});

describe('a WhatsApp Web session', () => {
  it('goes INITIALIZING → QR_REQUIRED → READY, with the QR as PNG pushed live and refreshed, and stores the credentials encrypted', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, tenantId, channelId } = await listener();
    const initial = await client.get(`/api/v1/channels/${channelId}/session`);
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ state: 'INITIALIZING', connected: false, can_send_messages: false, needs_qr: false, recommended_action: 'wait', qr: null });

    const m = manager(hub);
    await m.tick();
    const waiting = await stateIs(client, channelId, 'QR_REQUIRED');
    expect(Object.keys(waiting).sort()).toEqual(['can_send_messages', 'connected', 'is_recoverable', 'needs_qr', 'qr', 'recommended_action', 'since', 'state']);
    expect(waiting).toMatchObject({ needs_qr: true, recommended_action: 'scan_qr', is_recoverable: true });
    expect(waiting.qr).toMatch(/^data:image\/png;base64,/);
    const png = await client.get(`/api/v1/channels/${channelId}/session/qr`);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(Buffer.from(png.text, 'latin1').subarray(1, 4).toString()).toBe('PNG');
    const pushed = await until(() => events.find((e) => e.type === 'session.state_changed' && (e.data as { channelId: string }).channelId === channelId && (e.data as { state: string }).state === 'QR_REQUIRED'));
    expect(pushed?.tenantId).toBe(tenantId);
    expect((pushed?.data as { qr: string }).qr).toBe(waiting.qr);
    // Whole through a PostgreSQL NOTIFY (under 8,000 bytes with the bus envelope).
    expect(Buffer.byteLength(JSON.stringify(pushed))).toBeLessThan(7_900);

    // The code expires: a new one replaces it, pushed too; the state (and its since) stay.
    hub.last.showQr();
    const refreshed = await until(async () => {
      const res = await client.get(`/api/v1/channels/${channelId}/session`);
      return res.body.qr !== waiting.qr ? res.body : null;
    });
    expect(refreshed.since).toBe(waiting.since);
    const refreshedEvents = () => events.filter((e) => e.type === 'session.state_changed' && (e.data as { channelId: string }).channelId === channelId && (e.data as { qr: string | null }).qr === refreshed.qr);
    await until(() => refreshedEvents().length > 0);
    expect(refreshedEvents()).toHaveLength(1);

    await hub.last.scan();
    const ready = await stateIs(client, channelId, 'READY');
    expect(ready).toMatchObject({ connected: true, can_send_messages: false, needs_qr: false, recommended_action: 'none', qr: null });
    // On PostgreSQL events travel through NOTIFY: they may land a moment after the row.
    await until(() => statesOf(channelId).includes('READY'));
    expect(statesOf(channelId)).toEqual(expect.arrayContaining(['INITIALIZING', 'QR_REQUIRED', 'READY']));
    expect((await client.get(`/api/v1/channels/${channelId}/session/qr`)).status).toBe(404);

    const row = await sessionRow(tenantId, channelId);
    expect(row!.creds).toMatch(/^v1\./);
    expect(row!.creds).not.toContain('Ventas');
    expect(JSON.parse(t.runtime.deps.secrets.decrypt(row!.creds!)).me.name).toBe('Ventas');
    const keys = await t.db.withTenant(tenantId, (tx) => tx.select().from(whatsappWebKeys).where(eq(whatsappWebKeys.tenantId, tenantId)));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.value).not.toContain('scripted');
  });

  it('returns to READY after a restart of the process without a new QR (credentials from the database)', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, tenantId, channelId, m } = await linked(hub);
    await m.stop();
    events.length = 0;

    // Another process (a new manager, a new socket library instance) takes the session over.
    const hub2 = new ScriptedWhatsApp();
    const m2 = manager(hub2);
    await m2.tick();
    await stateIs(client, channelId, 'READY');
    expect(hub2.sockets).toHaveLength(1);
    expect(hub2.last.loadedCreds.value).toContain('Ventas');
    expect(statesOf(channelId)).not.toContain('QR_REQUIRED');

    // And through the API: restart → READY again, still no QR.
    const res = await client.post(`/api/v1/channels/${channelId}/session/restart`);
    expect(res.status).toBe(202);
    await m2.tick();
    await until(() => hub2.sockets.length === 2);
    await stateIs(client, channelId, 'READY');
    expect(statesOf(channelId)).not.toContain('QR_REQUIRED');
    expect((await sessionRow(tenantId, channelId))!.command).toBeNull();
  });

  it('reconnects with backoff after a drop, and gives up as FAILED after too many attempts', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, channelId, m } = await linked(hub);
    hub.failNextConnects = 2;
    const started = performance.now();
    hub.last.drop();
    await stateIs(client, channelId, 'RECONNECTING');
    await stateIs(client, channelId, 'READY');
    // 3 attempts: ~20 + ~40 + ~80 ms (±20 %).
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(m.session((await client.get('/api/v1/auth/me')).body.tenant.id, channelId)!.reconnectAttempts).toBe(0);

    hub.failNextConnects = 100;
    hub.last.drop();
    const failed = await until(async () => {
      const res = await client.get(`/api/v1/channels/${channelId}/session`);
      return res.body.state === 'FAILED' ? res.body : null;
    }, 10_000);
    expect(failed).toMatchObject({ is_recoverable: false, recommended_action: 'restart' });
  });

  it('detects a connection that says it is open but delivers nothing, and reconnects', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, channelId } = await linked(hub);
    const first = hub.last;
    first.silent = true;
    await until(() => hub.sockets.length === 3, 5_000);
    expect(first.pings).toBeGreaterThan(0);
    expect(first.ended).toBe(true);
    await stateIs(client, channelId, 'READY');
    await until(() => statesOf(channelId).includes('RECONNECTING'));
  });

  it('keeps a healthy connection: a quiet but answering link is not reconnected', async () => {
    const hub = new ScriptedWhatsApp();
    await linked(hub);
    await new Promise((r) => setTimeout(r, 300));
    // The first socket closed for the restart WhatsApp asks after a scan; the second one stays.
    expect(hub.sockets).toHaveLength(2);
    expect(hub.last.pings).toBeGreaterThan(0);
  });

  it('logged out from the phone: LOGGED_OUT, credentials forgotten, admins alerted, a new QR on restart', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, tenantId, channelId, m } = await linked(hub);
    hub.last.loggedOutByPhone();
    const out = await stateIs(client, channelId, 'LOGGED_OUT');
    expect(out).toMatchObject({ needs_qr: true, is_recoverable: false, recommended_action: 'relink', connected: false });
    const row = await sessionRow(tenantId, channelId);
    expect(row!.creds).toBeNull();
    expect(await t.db.withTenant(tenantId, (tx) => tx.select().from(whatsappWebKeys).where(eq(whatsappWebKeys.tenantId, tenantId)))).toEqual([]);
    const audit = await t.db.withTenant(tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, 'channel.whatsapp_web.logged_out'))));
    expect(audit).toHaveLength(1);
    const alert = await until(() => events.find((e) => e.type === 'channel.alert' && e.tenantId === tenantId));
    expect(alert.data).toMatchObject({ channelId, kind: 'whatsapp_web_logged_out' });

    // Parked: ticks leave it alone until someone restarts it.
    await m.tick();
    expect(hub.sockets).toHaveLength(2);
    await client.post(`/api/v1/channels/${channelId}/session/restart`);
    await m.tick();
    const again = await stateIs(client, channelId, 'QR_REQUIRED');
    expect(again.qr).toMatch(/^data:image\/png/);
  });

  it('logs out through the API', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, tenantId, channelId, m } = await linked(hub);
    const res = await client.post(`/api/v1/channels/${channelId}/session/logout`);
    expect(res.status).toBe(202);
    await m.tick();
    await stateIs(client, channelId, 'LOGGED_OUT');
    expect(hub.last.ended).toBe(true);
    expect((await sessionRow(tenantId, channelId))!.creds).toBeNull();
  });

  it('parks as DISCONNECTED when nobody scans the QR codes in time', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, channelId } = await listener();
    const m = manager(hub, { ...FAST, maxQrSeries: 2 });
    await m.tick();
    const first = await stateIs(client, channelId, 'QR_REQUIRED');
    hub.last.qrExpired();
    // A new connection, a new series of codes.
    await until(async () => hub.sockets.length === 2 && (await client.get(`/api/v1/channels/${channelId}/session`)).body.qr !== first.qr);
    hub.last.qrExpired();
    const parked = await stateIs(client, channelId, 'DISCONNECTED');
    expect(parked).toMatchObject({ recommended_action: 'restart', needs_qr: false, qr: null });
  });

  it('stops and parks the session when its channel is disabled, and starts it again when enabled', async () => {
    const hub = new ScriptedWhatsApp();
    const { client, channelId, m } = await linked(hub);
    await client.patch(`/api/v1/channels/${channelId}`, { status: 'disabled' });
    await m.tick();
    await stateIs(client, channelId, 'DISCONNECTED');
    expect(hub.last.ended).toBe(true);

    // Enabled again: it starts by itself, from the stored credentials.
    await client.patch(`/api/v1/channels/${channelId}`, { status: 'active' });
    await m.tick();
    await stateIs(client, channelId, 'READY');
    expect(hub.sockets).toHaveLength(3);
  });

  it('stores inbound messages through the durable inbound store: @lid and phone identities, no groups, once per message', async () => {
    const hub = new ScriptedWhatsApp();
    const { tenantId, channelId } = await linked(hub);
    hub.last.deliver([
      message({ id: 'A1' }),
      message({ id: 'A2', chatJid: '123456789012345@lid', chatAltJid: '5491166667777@s.whatsapp.net', pushName: 'Beto', text: 'Buenas' }),
      message({ id: 'A3', chatJid: '987654321@lid', pushName: null, text: 'sin número' }),
      message({ id: 'G1', chatJid: '120363025246125888@g.us', text: 'grupo' }),
      message({ id: 'S1', chatJid: 'status@broadcast', text: 'estado' }),
    ]);
    hub.last.deliver([message({ id: 'A1' })]);
    const stored = await until(async () => {
      const rows = await t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId))));
      return rows.length === 3 ? rows : null;
    });
    await new Promise((r) => setTimeout(r, 50));
    for (const e of stored) expect(await t.runtime.modules.channels.inbound.process({ tenantId, eventId: e.id })).toBe('processed');
    const items = inboundItems.filter((i) => i.channelId === channelId).flatMap((i) => i.items) as { providerMessageId: string; from: Record<string, unknown>; at: Date; text: string }[];
    const byId = Object.fromEntries(items.map((i) => [i.providerMessageId, i]));
    expect(Object.keys(byId).sort()).toEqual(['A1', 'A2', 'A3']);
    expect(byId.A1!.from).toMatchObject({ phone: '+5491144445555', waId: '5491144445555', lid: null, name: 'Ana' });
    expect(byId.A2!.from).toMatchObject({ phone: '+5491166667777', lid: '123456789012345@lid', name: 'Beto' });
    expect(byId.A3!.from).toMatchObject({ phone: null, lid: '987654321@lid' });
    expect(byId.A1!.at).toEqual(new Date('2026-11-22T12:00:00Z'));
    expect(byId.A1!.text).toBe('Hola, ¿tienen turnos?');
  });

  it('refuses to send, naming the Cloud API', async () => {
    const { tenantId, channelId } = await listener();
    const adapter = t.runtime.modules.channels.whatsappWeb.adapterFor({ tenantId, channelId });
    expect(adapter.capabilities).toMatchObject({ sendText: false, sendMedia: false, receive: true, reachabilityCheck: true });
    const error = await adapter.send({ messageId: 'm1', to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'hola' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ code: 'whatsapp_web_receive_only', retryable: false });
    expect((error as Error).message).toMatch(/Cloud API/);
    expect(await adapter.testConnection()).toMatchObject({ state: 'INITIALIZING', can_send_messages: false });
  });

  it('checks numbers on WhatsApp in rate-limited batches', async () => {
    const hub = new ScriptedWhatsApp();
    hub.onWhatsAppNumbers.add('5491144445555');
    hub.onWhatsAppNumbers.add('5491166667777');
    const { tenantId, channelId } = await linked(hub);
    const started = performance.now();
    const results = await t.runtime.modules.channels.whatsappWeb.service.checkOnWhatsApp({
      tenantId,
      channelId,
      numbers: ['+54 9 11 4444-5555', '+5491166667777', '+5491100000000', '+5491100000001', '+5491100000002', '+5491144445555'],
    });
    expect(hub.last.checks).toEqual([['5491144445555', '5491166667777'], ['5491100000000', '5491100000001'], ['5491100000002']]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(results.filter((r) => r.exists).map((r) => r.jid)).toEqual(['5491144445555@s.whatsapp.net', '5491166667777@s.whatsapp.net']);
  });

  it('answers 404 for a channel that is not a WhatsApp Web session', async () => {
    const { client } = await buildSignedInUser(t);
    const sandbox = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
    for (const path of ['session', 'session/qr']) expect((await client.get(`/api/v1/channels/${sandbox.body.id}/${path}`)).status).toBe(404);
    expect((await client.post(`/api/v1/channels/${sandbox.body.id}/session/restart`)).status).toBe(404);
    const rows = await t.db.withTenant((await client.get('/api/v1/auth/me')).body.tenant.id, (tx) => tx.select().from(channelAccounts));
    expect(rows).toHaveLength(1);
  });
});

describe('the WhatsApp Web adapter in the channels module', () => {
  it('is what channels.adapterFor and the connection test answer for this kind', async () => {
    const { client, tenantId, channelId } = await listener();
    const adapter = await t.runtime.modules.channels.channels.adapterFor(tenantId, channelId);
    await expect(adapter.send({ messageId: 'm2', to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'hola' } })).rejects.toMatchObject({ code: 'whatsapp_web_receive_only' });
    const tested = await client.post(`/api/v1/channels/${channelId}/test`);
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, info: { state: 'INITIALIZING', can_send_messages: false } });
  });
});

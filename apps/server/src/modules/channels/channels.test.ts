import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { channelAccounts, inboundEvents } from './channels.tables';
import { signMetaBody } from './whatsapp-cloud/signature';

let t: TestApp;
const seen: { channelId: string; items: unknown[] }[] = [];
beforeAll(async () => {
  t = await startTestApp();
  t.runtime.deps.events.on('channels.inbound', async (_tx, e) => void seen.push({ channelId: e.channelId, items: e.items }));
});
afterAll(async () => {
  await t?.close();
});

const APP_SECRET = 'meta-app-secret-9f2c';
const ACCESS_TOKEN = 'EAAG-secret-access-token-canary';

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const textPayload = (id: string, body: string) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: '106540352242922' }, contacts: [{ wa_id: '5491144445555', profile: { name: 'Ana' } }], messages: [{ from: '5491144445555', id, timestamp: '1767225600', type: 'text', text: { body } }] } }] }],
  });

function post(channelId: string, body: Buffer | string, signature: string | null) {
  return t.client().request('POST', `/webhooks/whatsapp/${channelId}`, {
    rawBody: body,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
  });
}

async function stored(tenantId: string, channelId: string) {
  return t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId))));
}

/** Runs the queued processing of every pending event, as a worker would. */
async function processAll(tenantId: string, channelId: string) {
  for (const e of await stored(tenantId, channelId)) if (e.status === 'pending') await t.runtime.modules.channels.inbound.process({ tenantId, eventId: e.id });
  return stored(tenantId, channelId);
}

describe('channel accounts', () => {
  it('stores provider secrets encrypted and never returns them', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    expect(channel).toMatchObject({ kind: 'whatsapp_cloud', status: 'active', webhookUrl: `http://localhost:80/webhooks/whatsapp/${channel.id}` });
    expect(channel.settings).toEqual({ phoneNumberId: '106540352242922', businessAccountId: '102290129340398', messagesPerSecond: 80, sharedWithBusinessApp: false });
    const listed = JSON.stringify((await client.get('/api/v1/channels')).body);
    for (const secret of [ACCESS_TOKEN, APP_SECRET, 'verify-me-please']) expect(listed).not.toContain(secret);
    const [row] = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(channelAccounts).where(eq(channelAccounts.id, channel.id)));
    expect(row!.secrets).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(ACCESS_TOKEN);
    expect(t.logs.join('\n')).not.toContain(ACCESS_TOKEN);
  });

  it('gives BlueBubbles a secret webhook URL, shown once, and refuses a wrong secret', async () => {
    const { client, user } = await buildSignedInUser(t);
    const res = await client.post('/api/v1/channels', { kind: 'bluebubbles', name: 'iMessage', config: { serverUrl: 'http://127.0.0.1:1234', password: 'bb-password-canary' } });
    expect(res.status).toBe(201);
    const secret = res.body.webhookUrl.split('/').at(-1);
    expect(Buffer.from(secret, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect((await client.get(`/api/v1/channels/${res.body.id}`)).body.webhookUrl).not.toContain(secret);
    const body = JSON.stringify({ type: 'new-message', data: { guid: 'bb-1', text: 'hola' } });
    const wrong = await t.client().request('POST', `/webhooks/bluebubbles/${res.body.id}/${'x'.repeat(32)}`, { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(wrong.status).toBe(401);
    expect(await stored(user.tenantId, res.body.id)).toHaveLength(0);
    const right = await t.client().request('POST', `/webhooks/bluebubbles/${res.body.id}/${secret}`, { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(right.status).toBe(200);
    const again = await t.client().request('POST', `/webhooks/bluebubbles/${res.body.id}/${secret}`, { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(again.body.duplicate).toBe(true);
    expect((await stored(user.tenantId, res.body.id)).map((e) => e.providerEventId)).toEqual(['new-message:bb-1']);
    expect(t.logs.join('\n')).not.toContain('bb-password-canary');
  });
});

describe('WhatsApp webhooks', () => {
  it('answers the verification handshake only with the right token', async () => {
    const { client } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const ok = await t.client().get(`/webhooks/whatsapp/${channel.id}?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    expect((await t.client().get(`/webhooks/whatsapp/${channel.id}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
    expect((await t.client().get(`/webhooks/whatsapp/00000000-0000-4000-8000-000000000000?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1`)).status).toBe(404);
  });

  it('stores a correctly signed body with accents, emoji and Arabic, and refuses every bad signature', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const body = Buffer.from(textPayload('wamid.sig', 'café ☕ 👋🏽 مرحبا'));
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))).replace(/é/g, '\\u00e9'));
    const attempts: [string, Buffer, string | null][] = [
      ['re-serialised', reserialised, signMetaBody(body, APP_SECRET)],
      ['missing', body, null],
      ['short', body, 'sha256=abc'],
      ['sha1', body, `sha1=${'a'.repeat(40)}`],
      ['wrong secret', body, signMetaBody(body, 'not-the-secret')],
    ];
    for (const [name, bytes, signature] of attempts) {
      const res = await post(channel.id, bytes, signature);
      expect(res.status, name).toBe(401);
    }
    expect(await stored(user.tenantId, channel.id)).toHaveLength(0);
    const ok = await post(channel.id, body, signMetaBody(body, APP_SECRET));
    expect(ok.status).toBe(200);
    const [row] = await stored(user.tenantId, channel.id);
    expect(row!.body.equals(body)).toBe(true);
  });

  it('keeps one event for duplicates, sent one after another or ten at once', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const body = Buffer.from(textPayload('wamid.dup', 'hola'));
    const sig = signMetaBody(body, APP_SECRET);
    expect((await post(channel.id, body, sig)).status).toBe(200);
    expect((await post(channel.id, body, sig)).body.duplicate).toBe(true);
    const other = Buffer.from(textPayload('wamid.dup2', 'otra'));
    const results = await Promise.all(Array.from({ length: 10 }, () => post(channel.id, other, signMetaBody(other, APP_SECRET))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    const events = await processAll(user.tenantId, channel.id);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.status === 'processed')).toBe(true);
    const forChannel = seen.filter((s) => s.channelId === channel.id);
    expect(forChannel).toHaveLength(2);
    const first = forChannel.map((f) => f.items[0] as { providerMessageId: string }).find((i) => i.providerMessageId === 'wamid.dup');
    expect(first).toMatchObject({ kind: 'message', providerMessageId: 'wamid.dup', text: 'hola', from: { phone: '+5491144445555', waId: '5491144445555', name: 'Ana' } });
  });

  it('stores and dead-letters signed payloads it cannot read, without a crash or a retry loop', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const bodies = [
      '{"object":"whatsapp_business_account","entry":[',
      textPayload('wamid.nul', 'a\u0000b'),
      textPayload('wamid.sur', 'x').replace('"x"', '"\\ud800"'),
    ];
    for (const b of bodies) expect((await post(channel.id, b, signMetaBody(b, APP_SECRET))).status).toBe(200);
    const events = await processAll(user.tenantId, channel.id);
    expect(events.map((e) => e.status)).toEqual(['dead', 'dead', 'dead']);
    const errors = events.map((e) => e.error!).sort();
    expect(errors).toEqual([expect.stringMatching(/NUL/), expect.stringMatching(/lone surrogate/), expect.stringMatching(/not valid UTF-8 JSON/)]);
    // Processing a dead event again changes nothing.
    await t.runtime.modules.channels.inbound.process({ tenantId: user.tenantId, eventId: events[0]!.id });
    const problems = await client.get('/api/v1/channels/inbound-problems');
    expect(problems.body.items).toHaveLength(3);
    expect(problems.body.items.every((p: { status: string }) => p.status === 'dead')).toBe(true);
  });

  it('ignores unknown event types and records account updates on the channel', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const unknown = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'some_new_field', value: { x: 1 } }] }] });
    const quality = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'phone_number_quality_update', value: { display_phone_number: '15550001111', event: 'DOWNGRADE', current_limit: 'TIER_250' } }] }] });
    for (const b of [unknown, quality]) expect((await post(channel.id, b, signMetaBody(b, APP_SECRET))).status).toBe(200);
    const events = await processAll(user.tenantId, channel.id);
    expect(events.map((e) => e.status).sort()).toEqual(['ignored', 'processed']);
    const after = (await client.get(`/api/v1/channels/${channel.id}`)).body;
    expect(after.providerState.phone_number_quality_update).toMatchObject({ event: 'DOWNGRADE', current_limit: 'TIER_250' });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildUser, type TestUser } from '../../../test/factories';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';
import { httpClient, startServerProcess, type ServerProcess } from '../../../test/processes';
import { until } from '../../../test/until';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';

/**
 * Realtime across processes (issue #6): two `leadmaster start` processes on one PostgreSQL, a
 * browser-like WebSocket client on each. What arrives through process A reaches the tenant's client
 * on process B through LISTEN/NOTIFY, and never another tenant's client.
 */
const SECRET_KEY = 'r'.repeat(43);
const APP_SECRET = 'two-process-app-secret';
const PHONE_NUMBER_ID = '106540352288001';

const onPostgres = usingRealPostgres();
if (!onPostgres) console.warn('two-process realtime test skipped: it needs a PostgreSQL server (TEST_DATABASE_URL); the embedded database belongs to one process');

type Socket = { ws: WebSocket; events: { type: string; data: any }[] };

/** Signs in over the process's own HTTP API and opens its realtime socket with that session. */
async function browserOn(server: ServerProcess, user: TestUser): Promise<Socket> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { origin: server.url, 'content-type': 'application/json' },
    body: JSON.stringify({ login: user.email, password: user.password }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/v1/realtime`, { headers: { cookie, origin: server.url } });
  const events: Socket['events'] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const event = JSON.parse(String(raw));
      events.push(event);
      if (event.type === 'ready') resolve();
    });
    ws.on('unexpected-response', (_req, r) => reject(new Error(`HTTP ${r.statusCode}`)));
    ws.on('error', reject);
  });
  return { ws, events };
}

describe.skipIf(!onPostgres)('realtime across two server processes on PostgreSQL', () => {
  let db: TestDatabase;
  let t: TestApp;
  let dataDir: string;
  const servers: ServerProcess[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await openTestDatabase();
    t = await startTestApp({ db, env: { SECRET_KEY } });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-two-processes-'));
    const env = { DATABASE_URL: (db.ownerUrlOrSocket as { url: string }).url, DATA_DIR: dataDir, SECRET_KEY, NODE_ENV: 'test' };
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await t?.close();
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows a message that arrived through process A live in the client on process B, and not to another tenant', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const owner = await buildUser(t);
    const colleague = await buildUser(t, { tenant: owner.tenant, role: 'agent' });
    const stranger = await buildUser(t);

    // The owner connects a WhatsApp Cloud API number through process A.
    const api = httpClient(a.url);
    expect((await api.post('/api/v1/auth/login', { login: owner.email, password: owner.password })).status).toBe(200);
    const channel = await api.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: 'token', appSecret: APP_SECRET, verifyToken: 'verify-token-two-processes' },
    });
    expect(channel.status, channel.text).toBe(201);

    const onA = await browserOn(a, owner);
    const colleagueOnB = await browserOn(b, colleague);
    const strangerOnB = await browserOn(b, stranger);
    sockets.push(onA, colleagueOnB, strangerOnB);

    // A contact writes: Meta posts the webhook to process A.
    const body = Buffer.from(
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
                  contacts: [{ wa_id: '5491155550001', profile: { name: 'Lucía Fernández' } }],
                  messages: [{ from: '5491155550001', id: 'wamid.two-processes.1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'Hola, ¿siguen abiertos?' } }],
                },
              },
            ],
          },
        ],
      }),
    );
    const hook = await fetch(`${a.url}/webhooks/whatsapp/${channel.body.id}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(body, APP_SECRET) } });
    expect(hook.status).toBe(200);

    const created = (s: Socket) => s.events.filter((e) => e.type === 'message.created').map((e) => e.data.body as string);
    await until('the message in the client on process B', () => created(colleagueOnB).includes('Hola, ¿siguen abiertos?'));
    await until('the message in the client on process A', () => created(onA).includes('Hola, ¿siguen abiertos?'));
    const inbound = colleagueOnB.events.find((e) => e.type === 'message.created')!.data;

    // The owner answers with a note through process A's API: the colleague on B sees it too, once.
    const note = await api.post(`/api/v1/conversations/${inbound.conversationId}/notes`, { body: 'Lo llamo yo' });
    expect(note.status, note.text).toBe(201);
    await until('the note in the client on process B', () => created(colleagueOnB).includes('Lo llamo yo'));
    await until('conversation.updated on B', () => colleagueOnB.events.some((e) => e.type === 'conversation.updated' && e.data.id === inbound.conversationId));
    await new Promise((r) => setTimeout(r, 500));
    expect(created(colleagueOnB).filter((b) => b === 'Lo llamo yo')).toHaveLength(1);
    expect(created(colleagueOnB).filter((b) => b === 'Hola, ¿siguen abiertos?')).toHaveLength(1);

    // The other tenant's client on the same process heard nothing of it.
    expect(strangerOnB.events.map((e) => e.type)).toEqual(['ready']);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { usingRealPostgres } from '../../../test/db';
import type { TestClient } from '../../../test/harness';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
});

type Socket = { ws: WebSocket; messages: { type: string; data: any }[]; closed: Promise<number> };

function connect(url: string, client: TestClient | null, headers: Record<string, string> = {}): Promise<Socket> {
  const cookie = client ? [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/v1/realtime', { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  const messages: Socket['messages'] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      messages.push(m);
      if (m.type === 'ready') resolve({ ws, messages, closed });
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('realtime socket', () => {
  it('refuses a connection without a session', async () => {
    await expect(connect(base, null)).rejects.toThrow('HTTP 401');
  });

  it('refuses a connection opened by another site', async () => {
    const { client } = await buildSignedInUser(t);
    await expect(connect(base, client, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('delivers a tenant’s events to its sockets only, and user events to that user only', async () => {
    const a = await buildSignedInUser(t);
    const a2 = await buildSignedInUser(t, { tenant: a.user.tenant, role: 'agent' });
    const b = await buildSignedInUser(t);
    const [sa, sa2, sb] = await Promise.all([connect(base, a.client), connect(base, a2.client), connect(base, b.client)]);
    const bus = t.runtime.deps.bus;
    await bus.publish({ type: 'demo.tenant', tenantId: a.user.tenantId, data: { n: 1 } });
    await bus.publish({ type: 'demo.private', tenantId: a.user.tenantId, userId: a2.user.id, data: { n: 2 } });
    await bus.publish({ type: 'demo.tenant', tenantId: b.user.tenantId, data: { n: 3 } });
    await settle();
    const types = (s: Socket) => s.messages.filter((m) => m.type !== 'ready').map((m) => `${m.type}:${m.data.n}`);
    expect(types(sa)).toEqual(['demo.tenant:1']);
    expect(types(sa2)).toEqual(['demo.tenant:1', 'demo.private:2']);
    expect(types(sb)).toEqual(['demo.tenant:3']);
    for (const s of [sa, sa2, sb]) s.ws.close();
  });

  it.skipIf(!usingRealPostgres())('crosses processes through LISTEN/NOTIFY', async () => {
    const second = await startTestApp({ db: t.db });
    try {
      const secondBase = await second.app.listen({ port: 0, host: '127.0.0.1' });
      const a = await buildSignedInUser(t);
      const b = await buildSignedInUser(t);
      const [onSecond, otherTenant] = await Promise.all([connect(secondBase, a.client), connect(secondBase, b.client)]);
      await t.runtime.deps.bus.publish({ type: 'demo.cross', tenantId: a.user.tenantId, data: { n: 7 } });
      await settle();
      expect(onSecond.messages.filter((m) => m.type === 'demo.cross')).toEqual([{ type: 'demo.cross', data: { n: 7 } }]);
      expect(otherTenant.messages.filter((m) => m.type === 'demo.cross')).toEqual([]);
      // One delivery per process: the publisher's own sockets get it once too.
      const onFirst = await connect(base, a.client);
      await t.runtime.deps.bus.publish({ type: 'demo.once', tenantId: a.user.tenantId, data: { n: 8 } });
      await settle();
      expect(onFirst.messages.filter((m) => m.type === 'demo.once')).toHaveLength(1);
      for (const s of [onSecond, otherTenant, onFirst]) s.ws.close();
    } finally {
      await second.close();
    }
  });
});

describe('realtime socket whose session ends', () => {
  it('is closed at the next session re-check after a logout; sockets of live sessions stay open', async () => {
    // Only the app's intervals (heartbeat, session re-check) run on a fake clock: sockets, database and timeouts are real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const app = await startTestApp({ db: t.db });
    try {
      const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
      const leaving = await buildSignedInUser(app);
      const staying = await buildSignedInUser(app, { tenant: leaving.user.tenant });
      // Two tabs of the leaving session share one credential (and one re-check).
      const [tab1, tab2, other] = await Promise.all([connect(url, leaving.client), connect(url, leaving.client), connect(url, staying.client)]);
      expect((await leaving.client.post('/api/v1/auth/logout', {})).status).toBeLessThan(300);
      let code: number | null = null;
      void tab1.closed.then((c) => (code = c));
      // Half a re-check period: nothing is due yet (and each heartbeat is answered between the steps).
      await vi.advanceTimersByTimeAsync(30_000);
      await settle();
      expect(code).toBeNull();
      for (let waited = 30_000; waited < 70_000 && code === null; waited += 5_000) {
        await vi.advanceTimersByTimeAsync(5_000);
        await settle();
      }
      expect(await tab1.closed).toBe(4401);
      expect(await tab2.closed).toBe(4401);
      expect(other.ws.readyState).toBe(WebSocket.OPEN);
      // The live session's socket still gets its tenant's events after its own re-check.
      await app.runtime.deps.bus.publish({ type: 'demo.after', tenantId: staying.user.tenantId, data: { n: 9 } });
      await settle();
      expect(other.messages.filter((m) => m.type === 'demo.after')).toHaveLength(1);
      other.ws.close();
    } finally {
      vi.useRealTimers();
      await app.close();
    }
  });
});

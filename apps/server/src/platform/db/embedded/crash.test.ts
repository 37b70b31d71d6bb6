import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpClient, startServerProcess, type ServerProcess } from '../../../../test/processes';

/**
 * The embedded default must survive `kill -9` at any moment: every write the server acknowledged
 * before it died is there after a restart on the same DATA_DIR.
 */
let server: ServerProcess | null = null;
afterAll(async () => {
  await server?.kill();
});

describe('embedded database crash safety', () => {
  it('keeps every acknowledged write when the server is killed with SIGKILL under write load', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-crash-'));
    const env = { DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '100000' };
    server = await startServerProcess(env);
    const owner = { email: 'owner@crash.test', password: 'crash test password' };
    const setup = await httpClient(server.url).post('/api/v1/setup', {
      tenant: { name: 'Crash', slug: 'crash', timezone: 'UTC', country: 'AR', locale: 'en' },
      owner: { ...owner, name: 'Owner' },
    });
    expect(setup.status).toBe(201);

    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const client = httpClient(server.url);
      expect((await client.post('/api/v1/auth/login', { login: owner.email, password: owner.password })).status).toBe(200);
      let stop = false;
      const writers = Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const name = `r${round}-w${w}-${i}`;
          try {
            const res = await client.post('/api/v1/roles', { name, permissions: ['contacts.read'] });
            if (res.status === 201) acknowledged.push(name);
          } catch {
            return; // the server died mid-request: this write was never acknowledged
          }
        }
      });
      // Enough writes to matter however loaded the machine is, then a kill at a random moment.
      const before = acknowledged.length;
      const deadline = Date.now() + 60_000;
      while (acknowledged.length - before < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      await server.kill();
      stop = true;
      await Promise.all(writers);
      server = await startServerProcess(env);
    }

    const client = httpClient(server.url);
    expect((await client.post('/api/v1/auth/login', { login: owner.email, password: owner.password })).status).toBe(200);
    const roles = await client.get('/api/v1/roles');
    const stored = new Set<string>(roles.body.items.map((r: { name: string }) => r.name));
    const lost = acknowledged.filter((name) => !stored.has(name));
    expect(acknowledged.length).toBeGreaterThanOrEqual(45);
    expect(lost).toEqual([]);
  }, 240_000);
});

import { describe, expect, it } from 'vitest';
import { startTestApp } from '../test/harness';

describe('graceful shutdown', () => {
  it('lets in-flight requests finish and refuses new ones while closing', async () => {
    const t = await startTestApp({
      routes: (app) =>
        app.get('/slow', { schema: { hide: true } }, async () => {
          await new Promise((r) => setTimeout(r, 800));
          return { finished: true };
        }),
    });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const inFlight = fetch(`${base}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 100));
    const closing = t.close();
    await new Promise((r) => setTimeout(r, 50));
    const late = await fetch(`${base}/health`).then((r) => r.status, () => 'refused');
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    await closing;
    expect(late === 503 || late === 'refused').toBe(true);
  });
});

describe('readiness', () => {
  it('answers /ready 503 while the database is not migrated, /health 200 regardless', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { startPgliteHost } = await import('./platform/db/embedded/embedded');
    const { createDatabase } = await import('./platform/db/database');
    const { createLocalBus } = await import('./platform/events/bus');
    const { JobQueue } = await import('./platform/jobs/queue');
    const { createLogger } = await import('./platform/logger');
    const { createSecrets } = await import('./platform/crypto/secrets');
    const { loadConfig } = await import('./platform/config');
    const { systemClock } = await import('./platform/clock');
    const { buildApp } = await import('./app');
    const socketPath = path.join(await mkdtemp(path.join(os.tmpdir(), 'lm-ready-')), 'db.sock');
    const host = await startPgliteHost({ dataDir: null, socketPath });
    const database = createDatabase({ target: { socketPath }, poolSize: 1 });
    const logger = createLogger({ level: 'silent' });
    const bus = createLocalBus();
    const deps = {
      config: loadConfig({}),
      logger,
      database,
      secrets: createSecrets(Buffer.alloc(32, 1)),
      bus,
      jobs: new JobQueue({ database, bus, logger }, []),
      clock: systemClock,
      events: new (await import('./platform/events/domain-events')).DomainEvents(),
    };
    const { createModules } = await import('./modules');
    const { app } = await buildApp(deps, createModules(deps), { webDist: null });
    try {
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'not_ready' });
    } finally {
      await app.close();
      await database.close();
      await host.stop();
    }
  });
});

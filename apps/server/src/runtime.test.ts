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

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { inboundEvents } from '../channels.tables';
import { ChannelSendError } from '../adapters/adapter';
import type { InboundItem } from '../inbound-items';

let t: TestApp;
const emitted: { channelId: string; items: InboundItem[] }[] = [];
beforeAll(async () => {
  // Workers on: the Sandbox's delayed reports and the processing job run as in production.
  t = await startTestApp({ work: true });
  t.runtime.deps.events.on('channels.inbound', async (_tx, e) => void emitted.push({ channelId: e.channelId, items: e.items as InboundItem[] }));
});
afterAll(async () => {
  await t?.close();
});

const itemsOf = (channelId: string) => emitted.filter((e) => e.channelId === channelId).flatMap((e) => e.items);
async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function sandboxChannel(client: TestClient, config: Record<string, unknown>) {
  const res = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo', config });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
const rows = (tenantId: string, channelId: string) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId))));

describe('Sandbox channel', () => {
  it('reports delivered, then read, then a reply, through the durable inbound store', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandboxChannel(client, { deliveredAfterMs: 200, readAfterMs: 700, replies: ['¡Gracias! Me interesa 🙌'] });
    const adapter = await t.runtime.modules.channels.channels.adapterFor(user.tenantId, channelId);
    const messageId = randomUUID();
    const receipt = await adapter.send({ messageId, to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'Hola' } });
    expect(receipt).toEqual({ providerMessageId: `sandbox.${messageId}`, service: 'sandbox' });
    const items = await waitFor(() => itemsOf(channelId), (i) => i.length >= 3);
    const delivered = items.find((i) => i.kind === 'status' && i.status === 'delivered');
    const read = items.find((i) => i.kind === 'status' && i.status === 'read');
    const reply = items.find((i) => i.kind === 'message');
    expect(delivered).toMatchObject({ providerMessageId: `sandbox.${messageId}`, clientRef: messageId, service: 'sandbox', recipient: '+5491144445555' });
    expect(read).toMatchObject({ providerMessageId: `sandbox.${messageId}`, clientRef: messageId });
    expect(delivered!.kind === 'status' && read!.kind === 'status' && delivered!.at < read!.at).toBe(true);
    expect(reply).toMatchObject({ kind: 'message', direction: 'inbound', from: { phone: '+5491144445555' }, text: '¡Gracias! Me interesa 🙌', replyTo: `sandbox.${messageId}`, service: 'sandbox' });
    // The items are heard inside the processing transaction: the rows read as processed once it commits.
    const stored = await waitFor(() => rows(user.tenantId, channelId), (r) => r.length === 3 && r.every((e) => e.status === 'processed'));
    expect(stored.map((r) => r.providerEventId).sort()).toEqual([`reply:sandbox.${messageId}`, `status:sandbox.${messageId}:delivered`, `status:sandbox.${messageId}:read`]);
    expect(stored.every((r) => r.status === 'processed')).toBe(true);

    // Resending the same message (a retry) reports nothing new.
    await adapter.send({ messageId, to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'Hola' } });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await rows(user.tenantId, channelId)).toHaveLength(3);
    expect(itemsOf(channelId)).toHaveLength(3);
  });

  it('fails a share of sends with the given codes: retryable ones at once, the others as a failed status', async () => {
    const { client, user } = await buildSignedInUser(t);
    const failing = await sandboxChannel(client, { deliveredAfterMs: 0, failRate: 1, failCodes: ['131026'] });
    const adapter = await t.runtime.modules.channels.channels.adapterFor(user.tenantId, failing);
    const messageId = randomUUID();
    await adapter.send({ messageId, to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'x' } });
    const items = await waitFor(() => itemsOf(failing), (i) => i.length >= 1);
    expect(items).toEqual([expect.objectContaining({ kind: 'status', status: 'failed', clientRef: messageId, error: expect.objectContaining({ code: '131026' }) })]);

    const throttled = await sandboxChannel(client, { failRate: 1, failCodes: ['130429'] });
    const err = await (await t.runtime.modules.channels.channels.adapterFor(user.tenantId, throttled))
      .send({ messageId: randomUUID(), to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'x' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    expect(err).toMatchObject({ code: '130429', retryable: true, action: 'backoff' });
  });

  it('simulates an inbound message from the API, stored and processed like a webhook', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandboxChannel(client, {});
    const res = await client.post(`/api/v1/channels/${channelId}/sandbox/inbound`, { from: '+5491155556666', text: 'Quiero info' });
    expect(res.status, res.text).toBe(202);
    const items = await waitFor(() => itemsOf(channelId), (i) => i.length >= 1);
    expect(items).toEqual([expect.objectContaining({ kind: 'message', providerMessageId: res.body.providerMessageId, from: { phone: '+5491155556666', name: null }, text: 'Quiero info' })]);
    expect((await waitFor(() => rows(user.tenantId, channelId), (r) => r[0]?.status === 'processed'))[0]).toMatchObject({ status: 'processed' });
    expect((await client.post(`/api/v1/channels/${channelId}/sandbox/inbound`, { from: 'nope', text: 'x' })).status).toBe(400);
    expect((await client.post(`/api/v1/channels/${channelId}/test`)).body).toMatchObject({ ok: true, info: { sandbox: true } });
  });
});

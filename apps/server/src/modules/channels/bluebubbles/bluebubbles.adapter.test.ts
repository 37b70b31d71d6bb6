import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../../platform/http/guarded-fetch';
import { startFakeBlueBubbles } from '../../../../test/fakes/bluebubbles';
import { ChannelSendError } from '../adapters/adapter';
import { createBlueBubblesAdapter } from './bluebubbles.adapter';

const PASSWORD = 'bb-server-password-canary';
const http = (policy: Parameters<typeof createGuardedFetch>[0]) => createGuardedFetch({ ...policy, allowPrivateHosts: ['127.0.0.1'] });
let fake: Awaited<ReturnType<typeof startFakeBlueBubbles>> | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setup(options: Parameters<typeof startFakeBlueBubbles>[0] extends infer O ? Partial<O> : never = {}, adapterOptions: { password?: string; timeoutMs?: number; privateApi?: boolean } = {}) {
  fake = await startFakeBlueBubbles({ password: PASSWORD, ...options });
  const adapter = createBlueBubblesAdapter({
    settings: { serverUrl: fake.serverUrl, ...(adapterOptions.timeoutMs ? { timeoutMs: adapterOptions.timeoutMs } : {}) },
    secrets: { password: adapterOptions.password ?? PASSWORD },
    http,
    privateApi: adapterOptions.privateApi ?? false,
  });
  return { fake, adapter };
}
const text = (messageId: string, to: string, body = 'Hola') => ({ messageId, to: { phoneE164: to }, content: { type: 'text' as const, body } });
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
};

describe('BlueBubbles adapter', () => {
  it('sends over iMessage when the handle is on iMessage, with our id as tempGuid and the password as a query parameter', async () => {
    const { fake, adapter } = await setup({ imessageHandles: ['+15550001111'] });
    const receipt = await adapter.send(text('msg-1', '+15550001111'));
    expect(receipt).toEqual({ providerMessageId: fake.messages[0]!.guid, service: 'imessage' });
    const sent = fake.requests.find((r) => r.path === '/api/v1/message/text')!;
    expect(sent.json).toEqual({ chatGuid: 'iMessage;-;+15550001111', tempGuid: 'msg-1', message: 'Hola', method: 'apple-script' });
    expect(sent.query.password).toBe(PASSWORD);
    expect(fake.requests[0]).toMatchObject({ path: '/api/v1/handle/availability/imessage', query: { address: '+15550001111' } });
  });

  it('goes straight to SMS when the availability check says the handle is not on iMessage', async () => {
    const { fake, adapter } = await setup({ imessageHandles: [] });
    const receipt = await adapter.send(text('msg-2', '+5491144445555'));
    expect(receipt.service).toBe('sms');
    expect(fake.requests.filter((r) => r.path === '/api/v1/message/text').map((r) => r.json.chatGuid)).toEqual(['SMS;-;+5491144445555']);
  });

  it('falls back to SMS when the server cannot check availability and the iMessage send fails', async () => {
    const { fake, adapter } = await setup({ supportsAvailability: false });
    const receipt = await adapter.send(text('msg-3', '+5491144445555'));
    expect(receipt.service).toBe('sms');
    expect(fake.requests.filter((r) => r.path === '/api/v1/message/text').map((r) => [r.json.chatGuid, r.json.tempGuid])).toEqual([
      ['iMessage;-;+5491144445555', 'msg-3'],
      ['SMS;-;+5491144445555', 'msg-3'],
    ]);
    expect(fake.messages).toHaveLength(1);
  });

  it('does not fall back to SMS when the iMessage send timed out after it was written (it may have gone)', async () => {
    const { fake, adapter } = await setup({ supportsAvailability: false }, { timeoutMs: 300 });
    fake.failNext('hang', '/api/v1/message/text');
    const err = await failure(adapter.send(text('msg-4', '+5491144445555')));
    expect(err).toMatchObject({ ambiguous: true, code: 'timeout_after_send' });
    expect(fake.requests.filter((r) => r.path === '/api/v1/message/text')).toHaveLength(1);
    // A hung availability check is not a send: safe to retry, nothing was sent.
    fake.failNext('hang', '/api/v1/handle/availability/imessage');
    expect(await failure(adapter.send(text('msg-5', '+5491144445555')))).toMatchObject({ ambiguous: false, retryable: true });
    expect(fake.requests.filter((r) => r.path === '/api/v1/message/text')).toHaveLength(1);
  });

  it('sends media and voice notes as multipart attachments', async () => {
    const { fake, adapter } = await setup({ imessageHandles: ['ana@icloud.com'] });
    const voice = Buffer.from('caf-audio');
    await adapter.send({ messageId: 'v1', to: { phoneE164: null, address: 'ana@icloud.com' }, content: { type: 'media', media: { data: voice, mimeType: 'audio/x-caf', fileName: 'nota.caf', voice: true } } });
    const req = fake.requests.find((r) => r.path === '/api/v1/message/attachment')!;
    expect(req.form).toMatchObject({ chatGuid: 'iMessage;-;ana@icloud.com', tempGuid: 'v1', name: 'nota.caf', isAudioMessage: 'true' });
    expect(fake.messages[0]!.attachments[0]).toMatchObject({ transferName: 'nota.caf', totalBytes: voice.length });
    const back = await adapter.downloadMedia({ providerMediaId: fake.messages[0]!.attachments[0]!.guid, mimeType: 'audio/x-caf', fileName: null, caption: null, voice: true });
    expect(back.data.equals(voice)).toBe(true);
    // An e-mail handle that is not on iMessage cannot fall back to SMS.
    expect(await failure(adapter.send({ messageId: 'v2', to: { phoneE164: null, address: 'bob@example.com' }, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'not_on_imessage' });
  });

  it('tests the connection with the server info, and never puts the password in an error', async () => {
    const { adapter } = await setup({ privateApi: true });
    expect(await adapter.testConnection()).toEqual({ serverVersion: '1.9.9', osVersion: '14.5', privateApi: true, helperConnected: true });
    const wrong = createBlueBubblesAdapter({ settings: { serverUrl: fake!.serverUrl }, secrets: { password: 'wrong-password-canary' }, http });
    const err = await failure(wrong.testConnection());
    expect(err).toMatchObject({ code: 'bluebubbles_unauthorized', action: 'pause_campaign' });
    const unreachable = createBlueBubblesAdapter({ settings: { serverUrl: 'http://127.0.0.1:9' }, secrets: { password: PASSWORD }, http });
    const down = await failure(unreachable.send(text('m', '+15550001111')));
    for (const e of [err, down]) {
      expect(`${e.message} ${e.stack}`).not.toContain('canary');
      expect(JSON.stringify(e)).not.toContain('canary');
    }
  });

  it('marks chats read and shows typing through the Private API', async () => {
    const { fake, adapter } = await setup({ privateApi: true }, { privateApi: true });
    expect(adapter.capabilities).toMatchObject({ typing: true, readReceipts: true });
    await adapter.markRead({ providerMessageId: 'g', chat: 'iMessage;-;+15550001111' });
    await adapter.typing({ to: { phoneE164: '+15550001111' }, on: true });
    await adapter.typing({ to: { phoneE164: '+15550001111' }, on: false });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/chat/iMessage%3B-%3B%2B15550001111/read',
      'POST /api/v1/chat/iMessage%3B-%3B%2B15550001111/typing',
      'DELETE /api/v1/chat/iMessage%3B-%3B%2B15550001111/typing',
    ]);
  });
});

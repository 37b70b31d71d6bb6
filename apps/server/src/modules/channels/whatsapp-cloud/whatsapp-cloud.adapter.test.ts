import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../../platform/http/guarded-fetch';
import { startFakeGraph } from '../../../../test/fakes/graph';
import { ChannelSendError } from '../adapters/adapter';
import { createWhatsAppCloudAdapter } from './whatsapp-cloud.adapter';

const TOKEN = 'EAAG-test-token';
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
beforeAll(async () => {
  graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId: '106540352242922', businessAccountId: '102290129340398' });
});
afterAll(async () => {
  await graph?.close();
});

// The fake listens on loopback: allowed here explicitly, as production never does.
const http = (policy: Parameters<typeof createGuardedFetch>[0]) => createGuardedFetch({ ...policy, allowPrivateHosts: ['127.0.0.1'] });
const adapter = (overrides: { token?: string; timeoutMs?: number } = {}) =>
  createWhatsAppCloudAdapter({
    settings: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', apiBaseUrl: graph.baseUrl, ...(overrides.timeoutMs ? { timeoutMs: overrides.timeoutMs } : {}) },
    secrets: { accessToken: overrides.token ?? TOKEN },
    http,
  });
const to = { phoneE164: '+5491144445555' };
const sendError = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
};

describe('WhatsApp Cloud adapter', () => {
  it('sends text with the bearer token and answers the wamid', async () => {
    const receipt = await adapter().send({ messageId: 'm1', to, content: { type: 'text', body: 'Hola café ☕' } });
    expect(receipt).toEqual({ providerMessageId: expect.stringMatching(/^wamid\./), service: 'whatsapp' });
    const req = graph.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: '/v23.0/106540352242922/messages', authorization: `Bearer ${TOKEN}` });
    expect(req.json).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '5491144445555', type: 'text', text: { preview_url: false, body: 'Hola café ☕' } });
  });

  it('uploads media as multipart, then sends it by id with its caption', async () => {
    const data = Buffer.from('%PDF-1.4 fake');
    await adapter().send({ messageId: 'm2', to, content: { type: 'media', media: { data, mimeType: 'application/pdf', fileName: 'presupuesto.pdf' }, caption: 'Su presupuesto' } });
    const [upload, send] = graph.requests.slice(-2);
    expect(upload).toMatchObject({ path: '/v23.0/106540352242922/media', form: { messaging_product: 'whatsapp', type: 'application/pdf' }, file: { name: 'presupuesto.pdf', size: data.length } });
    expect(send!.json).toMatchObject({ type: 'document', document: { id: expect.any(String), caption: 'Su presupuesto', filename: 'presupuesto.pdf' } });
    // What was uploaded is what a download of that id returns.
    const back = await adapter().downloadMedia({ providerMediaId: send!.json.document.id, mimeType: null, fileName: null, caption: null, voice: false });
    expect(back.data.equals(data)).toBe(true);
  });

  it("sends a template's header file by the id of one upload, reused for the next recipient, and refuses audio (no header takes it) before calling Meta", async () => {
    graph.setTemplates([{ name: 'presupuesto_listo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED' }]);
    const cloud = adapter();
    const file = { data: Buffer.from('%PDF-1.4 presupuesto'), mimeType: 'application/pdf', fileName: 'presupuesto.pdf' };
    const template = { name: 'presupuesto_listo', language: 'es_AR', parameters: ['Ana'] };
    const before = graph.requests.length;
    await cloud.send({ messageId: 'h1', to, content: { type: 'template', template, headerMedia: file } });
    await cloud.send({ messageId: 'h2', to: { phoneE164: '+5491144446666' }, content: { type: 'template', template, headerMedia: file } });
    const calls = graph.requests.slice(before);
    expect(calls.map((r) => r.path)).toEqual(['/v23.0/106540352242922/media', '/v23.0/106540352242922/messages', '/v23.0/106540352242922/messages']);
    const id = calls[1]!.json.template.components[0].parameters[0].document.id;
    expect(id).toEqual(expect.any(String));
    expect(calls[1]!.json.template).toEqual({
      name: 'presupuesto_listo',
      language: { code: 'es_AR' },
      components: [
        { type: 'header', parameters: [{ type: 'document', document: { id, filename: 'presupuesto.pdf' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
      ],
    });
    expect(calls[2]!.json.template.components[0]).toEqual({ type: 'header', parameters: [{ type: 'document', document: { id, filename: 'presupuesto.pdf' } }] });
    const audio = { data: Buffer.from('OggS'), mimeType: 'audio/ogg', fileName: 'nota.ogg' };
    const err = await sendError(cloud.send({ messageId: 'h3', to, content: { type: 'template', template, headerMedia: audio } }));
    expect(err).toMatchObject({ code: 'template_header_media', retryable: false, ambiguous: false });
    expect(graph.requests.length).toBe(before + 3);
  });

  it('sends an approved template with its body parameters, and maps an unknown one to a non-retryable error', async () => {
    graph.setTemplates([{ name: 'promo_otono', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' }]);
    await adapter().send({ messageId: 'm3', to, content: { type: 'template', template: { name: 'promo_otono', language: 'es_AR', parameters: ['Ana', '20%'] } } });
    expect(graph.requests.at(-1)!.json.template).toEqual({
      name: 'promo_otono',
      language: { code: 'es_AR' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '20%' }] }],
    });
    const err = await sendError(adapter().send({ messageId: 'm4', to, content: { type: 'template', template: { name: 'nope', language: 'es', parameters: [] } } }));
    expect(err).toMatchObject({ code: '132001', retryable: false, ambiguous: false, action: 'fail' });
    expect(err.message).toContain('template name or language not found');
  });

  it('maps Graph error codes to the campaign engine’s actions', async () => {
    const cases: [number, number, Partial<ChannelSendError>][] = [
      [400, 130429, { action: 'backoff', retryable: true }],
      [400, 131056, { action: 'pace_recipient', retryable: true }],
      [400, 131049, { action: 'cooldown_recipient', retryable: false, retryAfterSeconds: 24 * 3600 }],
      [400, 131048, { action: 'pause_campaign', retryable: false }],
      [400, 131026, { action: 'not_on_whatsapp', retryable: false }],
      [400, 131047, { action: 'needs_template', retryable: false }],
      [401, 190, { action: 'pause_campaign', retryable: false }],
      [500, 131000, { action: 'backoff', retryable: true }],
      [400, 100, { action: 'fail', retryable: false }],
    ];
    for (const [status, code, expected] of cases) {
      graph.failNext({ kind: 'error', status, error: { code, message: `(#${code}) scripted`, error_data: { details: 'scripted details' } } });
      const err = await sendError(adapter().send({ messageId: `e${code}`, to, content: { type: 'text', body: 'x' } }));
      expect({ code: err.code, ...expected }, String(code)).toEqual({ code: String(code), ...Object.fromEntries(Object.keys(expected).map((k) => [k, err[k as keyof ChannelSendError]])) });
      expect(err.ambiguous).toBe(false);
    }
    graph.failNext({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
    expect(await sendError(adapter().send({ messageId: 'r', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'http_429', retryable: true, retryAfterSeconds: 7 });
    graph.failNext({ kind: 'error', status: 503 });
    expect(await sendError(adapter().send({ messageId: 'r', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'http_503', retryable: true, ambiguous: false });
    graph.failNext({ kind: 'error', status: 504 });
    expect(await sendError(adapter().send({ messageId: 'r', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'http_504', ambiguous: true, retryable: false });
  });

  it('reports a wrong token as an error that pauses sending', async () => {
    const err = await sendError(adapter({ token: 'wrong' }).send({ messageId: 'w', to, content: { type: 'text', body: 'x' } }));
    expect(err).toMatchObject({ code: '190', action: 'pause_campaign' });
    expect(err.message).not.toContain('wrong');
  });

  it('marks a send ambiguous when the request was written and then timed out or the connection dropped', async () => {
    graph.failNext({ kind: 'hang' });
    expect(await sendError(adapter({ timeoutMs: 300 }).send({ messageId: 'h', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'timeout_after_send', ambiguous: true, retryable: false });
    graph.failNext({ kind: 'reset' });
    expect(await sendError(adapter().send({ messageId: 'x', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'connection_lost_after_send', ambiguous: true });
    // Nobody listening: the request never left, so a retry is safe.
    const closed = createWhatsAppCloudAdapter({ settings: { phoneNumberId: '1', businessAccountId: '2', apiBaseUrl: 'http://127.0.0.1:9' }, secrets: { accessToken: TOKEN }, http });
    expect(await sendError(closed.send({ messageId: 'c', to, content: { type: 'text', body: 'x' } }))).toMatchObject({ code: 'unreachable', ambiguous: false, retryable: true });
  });

  it('tests the connection by reading the number’s profile, and marks messages read', async () => {
    expect(await adapter().testConnection()).toEqual({ displayPhoneNumber: '+1 555-010-0199', verifiedName: 'LeadMaster Demo', qualityRating: 'GREEN' });
    expect(graph.requests.at(-1)!.query.fields).toBe('display_phone_number,verified_name,quality_rating');
    await adapter().markRead({ providerMessageId: 'wamid.IN1' });
    expect(graph.requests.at(-1)!.json).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN1' });
  });

  it('lists every template across pages', async () => {
    graph.setTemplates(
      Array.from({ length: 230 }, (_, i) => ({ name: `t${i}`, language: i % 2 ? 'es' : 'en_US', category: 'UTILITY', status: i % 10 === 0 ? 'PAUSED' : 'APPROVED', quality_score: { score: 'GREEN' } })),
    );
    const before = graph.requests.length;
    const list = await adapter().listTemplates();
    expect(list).toHaveLength(230);
    expect(list[10]).toEqual({ name: 't10', language: 'en_US', category: 'UTILITY', status: 'PAUSED', quality: 'GREEN', providerTemplateId: '9010' });
    expect(graph.requests.slice(before).map((r) => r.query.after ?? null)).toHaveLength(3);
  });

  it('downloads inbound media only from where Graph says, with the token, checking its checksum', async () => {
    graph.addMedia('777', Buffer.from('voice-note-bytes'), 'audio/ogg');
    const media = await adapter().downloadMedia({ providerMediaId: '777', mimeType: 'audio/ogg', fileName: null, caption: null, voice: true });
    expect(media).toEqual({ data: Buffer.from('voice-note-bytes'), mimeType: 'audio/ogg' });
    const download = graph.requests.at(-1)!;
    expect(download.path).toBe('/media-download/777');
    expect(download.authorization).toBe(`Bearer ${TOKEN}`);
    graph.addMedia('778', Buffer.from('<html>'), 'text/html');
    expect(await sendError(adapter().downloadMedia({ providerMediaId: '778', mimeType: null, fileName: null, caption: null, voice: false }))).toMatchObject({ code: 'content_type_refused' });
  });
});

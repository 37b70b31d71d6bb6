import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { until } from '../../../test/until';
import type { BusEvent } from '../../platform/events/bus';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';

/**
 * Inbound media is copied from Meta by a background job (their links expire); a voice note's
 * transcript can be recorded at any time, also while that copy is being made.
 */
const TOKEN = 'EAAG-inbound-media-token';
const PHONE_NUMBER_ID = '106540352243222';
const WABA_ID = '102290129340422';
const APP_SECRET = 'inbound-media-secret';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
const published: BusEvent[] = [];
beforeAll(async () => {
  // The workers run: the webhook is processed and the media fetched as in production.
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID }, app: { work: true } }));
  t.runtime.deps.bus.subscribe((e) => void published.push(e));
});
afterAll(async () => {
  await close?.();
});

type ThreadMessage = { id: string; type: string; media: { voice: boolean; transcript: string | null; url: string | null; mimeType: string | null }[] };

describe('inbound media', () => {
  it('copies a voice note from Meta in the background, announces it, and keeps a transcript recorded during the download', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(channel.status, channel.text).toBe(201);
    const voice = Buffer.from('OggS voice note bytes');
    graph.addMedia('media-voice-1', voice, 'audio/ogg');
    // Meta answers the media lookup slowly: the transcript below is recorded while the job waits for it.
    graph.failNext({ kind: 'delay', ms: 1500 });
    const from = '5491144448888';
    const raw = Buffer.from(
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID }, contacts: [{ wa_id: from, profile: { name: 'Eva' } }], messages: [{ from, id: 'wamid.voice-bg', timestamp: String(Math.floor(Date.now() / 1000)), type: 'audio', audio: { id: 'media-voice-1', mime_type: 'audio/ogg; codecs=opus', voice: true } }] } }] }],
      }),
    );
    const res = await t.client().request('POST', `/webhooks/whatsapp/${channel.body.id}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
    expect(res.status, res.text).toBe(200);

    const conversation = await until('the conversation', async () => ((await client.get('/api/v1/conversations')).body.items as { id: string }[])[0]);
    const thread = async () => ((await client.get(`/api/v1/conversations/${conversation.id}/messages`)).body.items as ThreadMessage[]).find((m) => m.type === 'audio');
    const message = await until('the voice message', thread);
    expect(message.media).toEqual([expect.objectContaining({ voice: true, url: null, transcript: null })]);
    await until('the media lookup to start', async () => graph.requests.some((r) => r.path.endsWith('/media-voice-1')));

    const said = 'Te mando el audio con la dirección de entrega';
    await t.runtime.modules.messaging.recordTranscript({ tenantId: user.tenantId, messageId: message.id, mediaIndex: 0, text: said });
    const copied = await until('the copy of the voice note', async () => {
      const m = await thread();
      return m?.media[0]?.url ? m : null;
    });
    // The copy did not write over the transcript, and the browser can play it from LeadMaster.
    expect(copied.media[0]).toMatchObject({ transcript: said, mimeType: 'audio/ogg', voice: true });
    const audio = await client.get(copied.media[0]!.url!);
    expect(audio.status).toBe(200);
    expect(audio.text).toBe(voice.toString());
    // Open threads learn both changes without a reload.
    const updates = published.filter((e) => e.type === 'message.updated' && (e.data as { id: string }).id === message.id).map((e) => (e.data as ThreadMessage).media[0]!);
    expect(updates.at(-1)).toMatchObject({ transcript: said, url: copied.media[0]!.url });
    expect(updates.some((m) => m.url === null && m.transcript === said)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { signMetaBody, verifyMetaSignature } from './signature';
import { errorAction, MalformedPayload, parseWhatsAppWebhook } from './payload';

const SECRET = 'app-secret-123';
const envelope = (value: Record<string, unknown>, field = 'messages') =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA_ID', changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: 'PNID' }, ...value } }] }],
  });

describe('X-Hub-Signature-256', () => {
  const body = Buffer.from(envelope({ messages: [{ from: '5491144445555', id: 'wamid.1', timestamp: '1767225600', type: 'text', text: { body: 'café ☕ 👋🏽 مرحبا' } }] }));

  it('accepts the raw bytes it was computed over, with accents, emoji and Arabic', () => {
    expect(verifyMetaSignature({ rawBody: body, header: signMetaBody(body, SECRET), appSecret: SECRET })).toBe(true);
  });

  it('refuses the same content serialised differently', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString())).replace(/é/g, '\\u00e9'));
    expect(reserialised.equals(body)).toBe(false);
    expect(verifyMetaSignature({ rawBody: reserialised, header: signMetaBody(body, SECRET), appSecret: SECRET })).toBe(false);
    const spaced = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyMetaSignature({ rawBody: spaced, header: signMetaBody(body, SECRET), appSecret: SECRET })).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['short', 'sha256=abc'],
    ['sha1', `sha1=${'a'.repeat(40)}`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['another secret', signMetaBody(body, 'other-secret')],
  ])('refuses a %s signature without throwing', (_name, header) => {
    expect(verifyMetaSignature({ rawBody: body, header, appSecret: SECRET })).toBe(false);
  });
});

describe('WhatsApp webhook payloads', () => {
  it('reads every kind of message', () => {
    const items = parseWhatsAppWebhook(
      Buffer.from(
        envelope({
          contacts: [{ wa_id: '5491144445555', profile: { name: 'Ana' } }],
          messages: [
            { from: '5491144445555', id: 'wamid.t', timestamp: '1767225600', type: 'text', text: { body: 'Hola' }, context: { from: 'PN', id: 'wamid.prev' } },
            { from: '5491144445555', id: 'wamid.i', timestamp: '1767225601', type: 'image', image: { id: 'media1', mime_type: 'image/jpeg', sha256: 'abc', caption: 'foto' } },
            { from: '5491144445555', id: 'wamid.v', timestamp: '1767225602', type: 'audio', audio: { id: 'media2', mime_type: 'audio/ogg; codecs=opus', voice: true } },
            { from: '5491144445555', id: 'wamid.d', timestamp: '1767225603', type: 'document', document: { id: 'media3', mime_type: 'application/pdf', filename: 'presupuesto.pdf' } },
            { from: '5491144445555', id: 'wamid.l', timestamp: '1767225604', type: 'location', location: { latitude: -34.6, longitude: -58.4, name: 'Obelisco' } },
            { from: '5491144445555', id: 'wamid.r', timestamp: '1767225605', type: 'reaction', reaction: { message_id: 'wamid.out', emoji: '👍' } },
            { from: '5491144445555', id: 'wamid.x', timestamp: '1767225606', type: 'some_future_type' },
          ],
        }),
      ),
    );
    expect(items.map((i) => (i.kind === 'message' ? [i.type, i.text, i.media?.id ?? null, i.replyTo] : i.kind))).toEqual([
      ['text', 'Hola', null, 'wamid.prev'],
      ['image', 'foto', 'media1', null],
      ['audio', null, 'media2', null],
      ['document', null, 'media3', null],
      ['location', null, null, null],
      ['reaction', null, null, null],
      ['unknown', null, null, null],
    ]);
    const first = items[0]!;
    expect(first).toMatchObject({ kind: 'message', phoneNumberId: 'PNID', from: '5491144445555', profileName: 'Ana', at: new Date(1767225600_000) });
    expect(items[2]).toMatchObject({ media: { voice: true } });
    expect(items[5]).toMatchObject({ reaction: { messageId: 'wamid.out', emoji: '👍' } });
  });

  it('reads statuses, their errors and errors of the value', () => {
    const items = parseWhatsAppWebhook(
      Buffer.from(
        envelope({
          statuses: [
            { id: 'wamid.out', status: 'read', timestamp: '1767225700', recipient_id: '5491144445555' },
            { id: 'wamid.out2', status: 'failed', timestamp: '1767225701', recipient_id: '5491144445556', errors: [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Receiver is incapable of receiving this message' } }] },
          ],
          errors: [{ code: 130429, title: 'Rate limit hit' }],
        }),
      ),
    );
    expect(items).toEqual([
      { kind: 'errors', phoneNumberId: 'PNID', errors: [{ code: '130429', title: 'Rate limit hit', message: null }] },
      { kind: 'status', phoneNumberId: 'PNID', messageId: 'wamid.out', recipient: '5491144445555', status: 'read', at: new Date(1767225700_000), errors: [] },
      {
        kind: 'status',
        phoneNumberId: 'PNID',
        messageId: 'wamid.out2',
        recipient: '5491144445556',
        status: 'failed',
        at: new Date(1767225701_000),
        errors: [{ code: '131026', title: 'Message undeliverable', message: 'Receiver is incapable of receiving this message' }],
      },
    ]);
  });

  it('records account updates', () => {
    const items = parseWhatsAppWebhook(Buffer.from(envelope({ display_phone_number: '15550001111', event: 'FLAGGED', current_limit: 'TIER_1K' }, 'phone_number_quality_update')));
    expect(items).toEqual([{ kind: 'account', field: 'phone_number_quality_update', value: expect.objectContaining({ event: 'FLAGGED', current_limit: 'TIER_1K' }) }]);
  });

  it.each([
    ['invalid JSON', '{"object": "whatsapp_business_account", "entry": ['],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])],
    ['a NUL character', envelope({ messages: [{ from: '1', id: 'w', timestamp: '1', type: 'text', text: { body: 'a\u0000b' } }] })],
    ['a lone surrogate', '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","timestamp":"1","type":"text","text":{"body":"\\ud800"}}]}}]}]}'],
    ['another shape', '{"hello": "world"}'],
  ])('refuses %s as malformed', (_name, body) => {
    expect(() => parseWhatsAppWebhook(Buffer.isBuffer(body) ? body : Buffer.from(body))).toThrow(MalformedPayload);
  });

  it('maps error codes to what the campaign engine does', () => {
    expect(errorAction(130429)).toMatchObject({ action: 'backoff', retryable: true });
    expect(errorAction('131049')).toMatchObject({ action: 'cooldown_recipient', retryable: false, cooldownHours: 24 });
    expect(errorAction('131048').action).toBe('pause_campaign');
    expect(errorAction('131026').action).toBe('not_on_whatsapp');
    expect(errorAction('131047').action).toBe('needs_template');
    expect(errorAction('131056').action).toBe('pace_recipient');
    expect(errorAction('999999')).toMatchObject({ action: 'fail', retryable: false });
  });
});

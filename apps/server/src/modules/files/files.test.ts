import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { blobs } from '../../platform/storage/blobs.tables';
import { putBlob } from '../../platform/storage/blobs';
import { sniffContentType } from './sniff';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const MB = 1024 * 1024;
/** Real signatures followed by filler: what the server recognises is the first bytes. */
const png = (size = 2048) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size - 8, 7)]);
const jpeg = (size = 2048) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, 3)]);
const pdf = () => Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const html = () => Buffer.from('<!doctype html><script>fetch("/api/v1/users")</script>');

async function upload(client: TestClient, options: { name: string; type: string; content: Buffer }) {
  const boundary = `----lm${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.name}"\r\nContent-Type: ${options.type}\r\n\r\n`),
    options.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return client.request('POST', '/api/v1/files', { rawBody: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
}

const blobCount = (tenantId: string) => t.db.withTenant(tenantId, async (tx) => (await tx.select({ n: count() }).from(blobs).where(eq(blobs.tenantId, tenantId)))[0]!.n);

describe('file uploads', () => {
  it('stores an image, answers its recognised type and size, and gives it back byte for byte to the tenant', async () => {
    const { client } = await buildSignedInUser(t, { role: 'agent' });
    const content = png(300_000);
    const res = await upload(client, { name: 'Folleto año.png', type: 'image/png', content });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'Folleto año.png', contentType: 'image/png', kind: 'image', size: 300_000, url: `/api/v1/files/${res.body.id}/content` });

    const meta = await client.get(`/api/v1/files/${res.body.id}`);
    expect(meta.body).toEqual(res.body);
    const download = await t.app.inject({ method: 'GET', url: res.body.url, headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(content)).toBe(true);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['content-disposition']).toBe(`inline; filename="Folleto_a_o.png"; filename*=UTF-8''Folleto%20a%C3%B1o.png`);
    expect(download.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('serves a document as a download, never in place', async () => {
    const { client } = await buildSignedInUser(t, { role: 'manager' });
    const res = await upload(client, { name: 'propuesta.pdf', type: 'application/pdf', content: pdf() });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ contentType: 'application/pdf', kind: 'document' });
    const download = await client.get(res.body.url);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="propuesta.pdf"/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a file over its type’s limit with 413 naming the limit, and keeps nothing of it', async () => {
    const { user, client } = await buildSignedInUser(t);
    const before = await blobCount(user.tenantId);
    const res = await upload(client, { name: 'big.jpg', type: 'image/jpeg', content: jpeg(5 * MB + 1) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', message: 'Image files can be at most 5 MB', details: { kind: 'image', maxBytes: 5 * MB, contentType: 'image/jpeg' } });
    expect(await blobCount(user.tenantId)).toBe(before);
    // The same size is fine for a document (100 MB).
    const doc = await upload(client, { name: 'big.pdf', type: 'application/pdf', content: Buffer.concat([pdf(), Buffer.alloc(5 * MB, 0x20)]) });
    expect(doc.status, doc.text).toBe(201);
  });

  it('recognises the type from the content: a page named .png, a JPEG that says it is a PDF and an unknown type are 415', async () => {
    const { user, client } = await buildSignedInUser(t);
    const before = await blobCount(user.tenantId);
    const page = await upload(client, { name: 'photo.png', type: 'image/png', content: html() });
    expect(page.status).toBe(415);
    expect(page.body.error.code).toBe('unsupported_media_type');
    const svg = await upload(client, { name: 'logo.svg', type: 'image/svg+xml', content: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
    expect(svg.status).toBe(415);
    const mislabelled = await upload(client, { name: 'report.pdf', type: 'application/pdf', content: jpeg() });
    expect(mislabelled.status).toBe(415);
    expect(mislabelled.body.error.details).toMatchObject({ declaredType: 'application/pdf', detectedType: 'image/jpeg' });
    const zip = await upload(client, { name: 'archive.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(22), Buffer.from([8, 0, 0, 0]), Buffer.from('evil.exe')]) });
    expect(zip.status).toBe(415);
    expect(await blobCount(user.tenantId)).toBe(before);
    // A generic declared type is fine when the content is recognised.
    const generic = await upload(client, { name: 'scan', type: 'application/octet-stream', content: jpeg() });
    expect(generic.status, generic.text).toBe(201);
    expect(generic.body.contentType).toBe('image/jpeg');
  });

  it('answers 400 without a file or with an empty one, 415 for a body that is not multipart', async () => {
    const { client } = await buildSignedInUser(t);
    const boundary = '----lmempty';
    const none = await client.request('POST', '/api/v1/files', { rawBody: Buffer.from(`--${boundary}--\r\n`), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ code: 'validation_failed', message: 'No file was sent' });
    const empty = await upload(client, { name: 'empty.png', type: 'image/png', content: Buffer.alloc(0) });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('The file is empty');
    const json = await client.post('/api/v1/files', { file: 'x' });
    expect(json.status).toBe(415);
  });

  it('needs templates.manage or inbox.reply to upload; a viewer may see files but not add them', async () => {
    const owner = await buildSignedInUser(t);
    const viewer = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'viewer' });
    const denied = await upload(viewer.client, { name: 'a.png', type: 'image/png', content: png() });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    const stored = await upload(owner.client, { name: 'a.png', type: 'image/png', content: png() });
    expect((await viewer.client.get(stored.body.url)).status).toBe(200);
    expect((await t.client().get(stored.body.url)).status).toBe(401);
  });

  it('keeps tenants apart: another tenant can neither read a file nor put it in a template or a reply', async () => {
    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t);
    const file = await upload(a.client, { name: 'secret.png', type: 'image/png', content: png() });
    expect((await b.client.get(`/api/v1/files/${file.body.id}`)).status).toBe(404);
    expect((await b.client.get(file.body.url)).status).toBe(404);

    const template = await b.client.post('/api/v1/templates', { name: 'Robada', body: 'x', media: [{ blobId: file.body.id }] });
    expect(template.status).toBe(400);
    expect(template.body.error.details).toEqual({ field: 'media.0.blobId' });

    const contact = await b.client.post('/api/v1/contacts', { firstName: 'Bea', phone: '+54 9 11 4444 1234' });
    const channel = await b.client.post('/api/v1/channels', { kind: 'sandbox', name: 'B sandbox' });
    const conversation = await b.client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
    const reply = await b.client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { body: 'mirá', media: [{ blobId: file.body.id }] });
    expect(reply.status).toBe(400);
    const thread = await b.client.get(`/api/v1/conversations/${conversation.body.id}/messages`);
    expect(thread.body.items).toEqual([]);
  });

  it('never offers internal files (an imported CSV) as media', async () => {
    const { user, client } = await buildSignedInUser(t);
    const csv = await putBlob(t.db, { tenantId: user.tenantId, name: 'contacts.csv', contentType: 'text/csv', source: [Buffer.from('name,phone\nAna,+5491144445555\n')] });
    expect((await client.get(`/api/v1/files/${csv.id}/content`)).status).toBe(404);
    const template = await client.post('/api/v1/templates', { name: 'Con CSV', body: 'x', media: [{ blobId: csv.id }] });
    expect(template.status).toBe(400);
  });

  it('puts the recognised type in a template’s media, whatever the client says', async () => {
    const { client } = await buildSignedInUser(t, { role: 'manager' });
    const file = await upload(client, { name: 'promo.jpg', type: 'image/jpeg', content: jpeg() });
    const created = await client.post('/api/v1/templates', { name: 'Promo', body: 'Hola {{firstName}}', media: [{ blobId: file.body.id, mimeType: 'text/html' }] });
    expect(created.status, created.text).toBe(201);
    expect(created.body.media).toEqual([{ blobId: file.body.id, mimeType: 'image/jpeg', fileName: 'promo.jpg' }]);
    const removed = await client.patch(`/api/v1/templates/${created.body.id}`, { media: [] });
    expect(removed.body.media).toEqual([]);
  });

  it('sends a file with an inbox reply on a channel that sends media; the thread shows it like inbound media', async () => {
    const { user, client } = await buildSignedInUser(t, { role: 'agent' });
    const owner = await buildSignedInUser(t, { tenant: user.tenant });
    const contact = await client.post('/api/v1/contacts', { firstName: 'Ana', phone: '+54 9 11 4444 5555' });
    const channel = await owner.client.post('/api/v1/channels', { kind: 'sandbox', name: 'Sandbox' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
    const rules = await client.get(`/api/v1/conversations/${conversation.body.id}/composer`);
    expect(rules.body).toMatchObject({ mode: 'text', canSendMedia: true });

    const file = await upload(client, { name: 'catalogo.pdf', type: 'application/pdf', content: pdf() });
    const sent = await client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { body: 'Te paso el catálogo', media: [{ blobId: file.body.id }] });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body).toMatchObject({ direction: 'outbound', type: 'document', body: 'Te paso el catálogo', status: 'queued' });
    expect(sent.body.media).toEqual([{ blobId: file.body.id, mimeType: 'application/pdf', fileName: 'catalogo.pdf', caption: null, voice: false, transcript: null, url: `/api/v1/messages/${sent.body.id}/media/${file.body.id}` }]);
    const media = await client.get(sent.body.media[0].url);
    expect(media.status).toBe(200);
    expect(media.text).toBe(pdf().toString());
    expect(media.headers['content-disposition']).toMatch(/^attachment;/);

    // A file alone is a message too; a file with a template is not.
    const alone = await client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { media: [{ blobId: file.body.id }] });
    expect(alone.status, alone.text).toBe(202);
    const both = await client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { media: [{ blobId: file.body.id }], template: { name: 'hola', language: 'es' } });
    expect(both.status).toBe(400);
  });

  it('serves what a contact sent as HTML as a download of opaque bytes', async () => {
    const { user, client } = await buildSignedInUser(t);
    const contact = await client.post('/api/v1/contacts', { firstName: 'Eve', phone: '+54 9 11 4444 6666' });
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Sandbox' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
    const blob = await putBlob(t.db, { tenantId: user.tenantId, name: 'invoice.html', contentType: 'text/html', source: [html()] });
    const { messages } = await import('../messaging/messaging.tables');
    const [message] = await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .insert(messages)
        .values({ tenantId: user.tenantId, conversationId: conversation.body.id, contactId: contact.body.id, channelId: channel.body.id, direction: 'inbound', type: 'document', status: 'received', media: [{ blobId: blob.id, providerMediaId: null, mimeType: 'text/html', fileName: 'invoice.html', caption: null, voice: false }] })
        .returning(),
    );
    const res = await client.get(`/api/v1/messages/${message!.id}/media/${blob.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="invoice.html"/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    await t.db.withTenant(user.tenantId, (tx) => tx.delete(blobs).where(and(eq(blobs.tenantId, user.tenantId), eq(blobs.id, blob.id))));
  });
});

describe('content sniffing', () => {
  const sniff = (head: Buffer, declaredType = '', fileName = 'f') => sniffContentType({ head, declaredType, fileName, complete: true });
  it('tells the accepted formats apart by their first bytes', () => {
    expect(sniff(jpeg())).toBe('image/jpeg');
    expect(sniff(png())).toBe('image/png');
    expect(sniff(pdf())).toBe('application/pdf');
    expect(sniff(Buffer.from('#!AMR\n\x00\x00', 'latin1'))).toBe('audio/amr');
    expect(sniff(Buffer.from('OggS\x00\x02', 'latin1'))).toBe('audio/ogg');
    expect(sniff(Buffer.from('ID3\x04\x00', 'latin1'))).toBe('audio/mpeg');
    expect(sniff(Buffer.from([0xff, 0xfb, 0x90, 0x00]))).toBe('audio/mpeg');
    expect(sniff(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).toBe('audio/aac');
    expect(sniff(Buffer.from('\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00', 'latin1'))).toBe('video/mp4');
    expect(sniff(Buffer.from('\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00', 'latin1'))).toBe('video/3gpp');
    expect(sniff(Buffer.from('\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00', 'latin1'))).toBe('audio/mp4');
    expect(sniff(Buffer.from('Hola, te paso los precios.\n'), 'text/plain')).toBe('text/plain');
    expect(sniff(Buffer.from([0x00, 0x01, 0x02]), 'text/plain')).toBeNull();
    expect(sniff(html())).toBeNull();
  });
});

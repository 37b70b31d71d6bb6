import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the parts of Meta's Graph API the WhatsApp Cloud adapter uses, speaking
 * their documented contract: `POST /{phone-number-id}/messages` (text, media by id, templates with
 * header media by id, checked against the template's components when the test gave them, mark-read), `POST /{phone-number-id}/media` (multipart upload), `GET /{phone-number-id}`,
 * `GET /{waba-id}/message_templates` (cursor paging), `GET /{media-id}` and the media download URL
 * (bearer token required there too). Errors have Graph's shape `{error:{message,type,code,error_data,fbtrace_id}}`.
 * Tests script failures (an error code, a hang after reading the request, a reset) for the next calls.
 */
/**
 * A template as `GET /{waba-id}/message_templates` lists it. `components` follows Meta's shape:
 * `{ type: 'HEADER', format: 'TEXT'|'IMAGE'|'VIDEO'|'DOCUMENT'|'LOCATION', text?, example? }`,
 * `{ type: 'BODY', text: 'Hola {{1}}', example?: { body_text: [[…]] } }`, `{ type: 'FOOTER', text }`,
 * `{ type: 'BUTTONS', buttons: […] }`. When a test gives components, a send of the template is checked
 * against them as Meta does (header media of the header's kind, the body's parameter count); a test
 * that gives none gets a list without them and sends unchecked.
 */
export type FakeTemplateComponent =
  | { type: 'HEADER'; format: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'; text?: string; example?: { header_handle?: string[]; header_text?: string[] } }
  | { type: 'BODY'; text: string; example?: { body_text?: string[][] } }
  | { type: 'FOOTER'; text: string }
  | { type: 'BUTTONS'; buttons: { type: string; text: string; url?: string; phone_number?: string }[] };
export type FakeTemplate = { name: string; language: string; category: string; status: string; quality_score?: { score: string }; components?: FakeTemplateComponent[] };

export type GraphRequest = { at: number; /** The HTTP status answered; undefined while (or if) it hung or was reset. */ status?: number; method: string; path: string; query: Record<string, string>; json: any; form: Record<string, string> | null; file: { name: string; type: string; size: number } | null; authorization: string | undefined };

type Scripted =
  | { kind: 'error'; status: number; error?: { code: number; message: string; error_subcode?: number; error_data?: { details: string } }; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** Answers normally, but only after `ms` (a slow provider: the caller may give up or lose its lease meanwhile). */
  | { kind: 'delay'; ms: number };

/**
 * What Meta answers a template send whose components do not fit the template: 132012 for a header
 * parameter of the wrong kind (or missing, or one the header does not take), 132000 for a TEXT header
 * or a body with the wrong number of parameters (a header's `{{1}}` not filled, say).
 */
function templateMismatch(defined: FakeTemplateComponent[], sent: { type?: string; parameters?: { type?: string }[] }[]) {
  const header = defined.find((c) => c.type === 'HEADER');
  const wants = header && header.type === 'HEADER' && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(header.format) ? header.format.toLowerCase() : null;
  const given = sent.find((c) => c.type === 'header')?.parameters?.[0]?.type ?? null;
  if (wants !== given && (wants || given !== 'text')) {
    return { code: 132012, message: '(#132012) Parameter format does not match format in the created template', details: `header: expected ${wants ?? 'no media'}, received ${given ?? 'nothing'}` };
  }
  // A TEXT header with a `{{1}}` takes its text as a parameter; one without takes none.
  const count = (text: string | undefined) => new Set([...(text ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])).size;
  const headerExpected = header && header.type === 'HEADER' && header.format === 'TEXT' ? count(header.text) : 0;
  const headerReceived = wants ? 0 : (sent.find((c) => c.type === 'header')?.parameters?.filter((p) => p.type === 'text').length ?? 0);
  if (headerExpected !== headerReceived) {
    return { code: 132000, message: '(#132000) Number of parameters does not match the expected number of params', details: `header: number of localizable_params (${headerReceived}) does not match the expected number of params (${headerExpected})` };
  }
  const bodyText = defined.find((c) => c.type === 'BODY');
  const expected = bodyText && bodyText.type === 'BODY' ? new Set([...bodyText.text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])).size : 0;
  const received = sent.find((c) => c.type === 'body')?.parameters?.length ?? 0;
  if (expected !== received) return { code: 132000, message: '(#132000) Number of parameters does not match the expected number of params', details: `body: number of localizable_params (${received}) does not match the expected number of params (${expected})` };
  return null;
}

export async function startFakeGraph(options: { accessToken: string; phoneNumberId: string; businessAccountId: string; version?: string }) {
  const version = options.version ?? 'v23.0';
  const requests: GraphRequest[] = [];
  const script: Scripted[] = [];
  const media = new Map<string, { data: Buffer; mimeType: string }>();
  let templates: FakeTemplate[] = [];
  let sequence = 0;
  const phone = { display_phone_number: '+1 555-010-0199', verified_name: 'LeadMaster Demo', quality_rating: 'GREEN' };
  const hung: http.ServerResponse[] = [];
  const answered = new WeakMap<http.ServerResponse, GraphRequest>();
  /** Faults answered to every call until a time (cycled in order): a provider having a bad minute. */
  let faulty: { until: number; faults: Scripted[]; next: number } | null = null;

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const record = answered.get(res);
    if (record) record.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const graphError = (res: http.ServerResponse, status: number, code: number, message: string, extra: Record<string, unknown> = {}) =>
    json(res, status, { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: randomBytes(8).toString('base64url') } });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const record: GraphRequest = { at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), json: null, form: null, file: null, authorization: req.headers.authorization };
    const type = req.headers['content-type'] ?? '';
    let fileData = Buffer.alloc(0);
    if (type.startsWith('application/json') && raw.length) record.json = JSON.parse(raw.toString('utf8'));
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
      record.form = {};
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') record.form[k] = v;
        else {
          record.file = { name: v.name, type: v.type, size: v.size };
          fileData = Buffer.from(await v.arrayBuffer());
        }
      }
    }
    requests.push(record);
    answered.set(res, record);

    if (req.headers.authorization !== `Bearer ${options.accessToken}`) {
      return graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
    const failing = faulty && Date.now() < faulty.until ? faulty.faults[faulty.next++ % faulty.faults.length] : undefined;
    const next = url.pathname.startsWith('/media-download/') ? undefined : (script.shift() ?? failing);
    if (next?.kind === 'hang') return void hung.push(res);
    if (next?.kind === 'delay') await new Promise((r) => setTimeout(r, next.ms));
    if (next?.kind === 'reset') return void req.socket.destroy();
    if (next?.kind === 'error') {
      if (!next.error) {
        record.status = next.status;
        res.writeHead(next.status, { 'content-type': 'text/html', ...next.headers });
        return res.end('<html><body>Service unavailable</body></html>');
      }
      return json(res, next.status, { error: { ...next.error, type: 'OAuthException', fbtrace_id: 'AbCdEf' } }, next.headers);
    }

    const base = `/${version}`;
    const pn = `${base}/${options.phoneNumberId}`;
    if (req.method === 'POST' && url.pathname === `${pn}/messages`) {
      const body = record.json ?? {};
      if (body.messaging_product !== 'whatsapp') return graphError(res, 400, 100, '(#100) The parameter messaging_product is required.');
      if (body.status === 'read') return json(res, 200, { success: true });
      if (!body.to) return graphError(res, 400, 100, '(#100) The parameter to is required.');
      const template = body.type === 'template' ? templates.find((t) => t.name === body.template?.name && t.language === body.template?.language?.code && t.status === 'APPROVED') : undefined;
      if (body.type === 'template' && !template) {
        return graphError(res, 404, 132001, '(#132001) Template name does not exist in the translation', { error_data: { messaging_product: 'whatsapp', details: 'template name or language not found' } });
      }
      const mismatch = template?.components ? templateMismatch(template.components, body.template?.components ?? []) : null;
      if (mismatch) return graphError(res, 400, mismatch.code, mismatch.message, { error_data: { messaging_product: 'whatsapp', details: mismatch.details } });
      // A template's header media, as Meta checks it: an uploaded id it holds (or a link).
      const header = body.type === 'template' ? body.template?.components?.find((c: { type?: string }) => c.type === 'header')?.parameters?.[0] : undefined;
      const headerMedia = header ? header[header.type] : undefined;
      if (headerMedia && !headerMedia.link && !media.has(headerMedia.id)) {
        return graphError(res, 400, 131053, '(#131053) Media upload error', { error_data: { messaging_product: 'whatsapp', details: 'Unknown media id in the template header' } });
      }
      const mediaBody = body[body.type];
      if (['image', 'audio', 'video', 'document', 'sticker'].includes(body.type) && !media.has(mediaBody?.id)) {
        return graphError(res, 400, 131053, '(#131053) Media upload error', { error_data: { messaging_product: 'whatsapp', details: 'Unknown media id' } });
      }
      const wamid = `wamid.HBgN${Buffer.from(`${body.to}:${++sequence}`).toString('base64url')}`;
      return json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: String(body.to).replace(/^\+/, '') }], messages: [{ id: wamid }] });
    }
    if (req.method === 'POST' && url.pathname === `${pn}/media`) {
      if (record.form?.messaging_product !== 'whatsapp' || !record.file) return graphError(res, 400, 100, '(#100) Param file must be a file with one of the following types');
      const id = String(1_000_000_000_000 + ++sequence);
      media.set(id, { data: fileData, mimeType: record.form.type ?? record.file.type });
      return json(res, 200, { id });
    }
    if (req.method === 'GET' && url.pathname === pn) {
      const fields = (record.query.fields ?? 'display_phone_number,verified_name,quality_rating').split(',');
      return json(res, 200, { ...Object.fromEntries(fields.filter((f) => f in phone).map((f) => [f, phone[f as keyof typeof phone]])), id: options.phoneNumberId });
    }
    if (req.method === 'GET' && url.pathname === `${base}/${options.businessAccountId}/message_templates`) {
      const limit = Math.min(Number(record.query.limit ?? 25), 100);
      const offset = record.query.after ? Number(Buffer.from(record.query.after, 'base64url').toString()) : 0;
      const page = templates.slice(offset, offset + limit);
      const fields = (record.query.fields ?? 'name,language,status,category,id').split(',');
      const data = page.map((t, i) => ({ ...Object.fromEntries(Object.entries(t).filter(([k]) => fields.includes(k))), id: String(9000 + offset + i) }));
      const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
      const paging: Record<string, unknown> = { cursors: { before: cursor(offset), after: cursor(offset + page.length) } };
      if (offset + limit < templates.length) paging.next = `http://${req.headers.host}${url.pathname}?limit=${limit}&after=${cursor(offset + page.length)}`;
      return json(res, 200, { data, paging });
    }
    if (req.method === 'GET' && url.pathname.startsWith(`${base}/`)) {
      const id = url.pathname.slice(base.length + 1);
      const item = media.get(id);
      if (!item) return graphError(res, 400, 100, `(#100) Unsupported get request. Object with ID '${id}' does not exist`);
      return json(res, 200, {
        messaging_product: 'whatsapp',
        url: `http://${req.headers.host}/media-download/${id}?ext=${Date.now()}&hash=${randomBytes(4).toString('hex')}`,
        mime_type: item.mimeType,
        sha256: createHash('sha256').update(item.data).digest('hex'),
        file_size: item.data.length,
        id,
      });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/media-download/')) {
      const item = media.get(url.pathname.slice('/media-download/'.length));
      if (!item) return json(res, 404, {});
      res.writeHead(200, { 'content-type': item.mimeType, 'content-length': String(item.data.length) });
      return res.end(item.data);
    }
    return graphError(res, 400, 100, `(#100) Unknown path components: ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** What to put in the channel's `apiBaseUrl`. */
    baseUrl: base,
    requests,
    phone,
    /** The next API calls answer these, in order. */
    failNext(...entries: Scripted[]) {
      script.push(...entries);
    },
    /** Every call answers these faults, in turn, for the next `ms` milliseconds. */
    failFor(ms: number, ...faults: Scripted[]) {
      faulty = { until: Date.now() + ms, faults, next: 0 };
    },
    setTemplates(list: FakeTemplate[]) {
      templates = list;
    },
    /** Media as a WhatsApp user would have sent it: retrievable by id. */
    addMedia(id: string, data: Buffer, mimeType: string) {
      media.set(id, { data, mimeType });
    },
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

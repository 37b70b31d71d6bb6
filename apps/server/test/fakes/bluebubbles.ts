import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for a BlueBubbles server's REST API (`/api/v1/…?password=`), answering in its
 * envelope `{status, message, data}` (errors add `error: {type, message}`): server info, iMessage
 * availability, text and attachment sends (an iMessage send to a handle that is not on iMessage
 * fails, as Messages does), chat read/typing, message query by date with paging, attachment
 * download. Tests add inbound messages, read what was sent, and script hangs.
 */
export type FakeBbMessage = {
  guid: string;
  tempGuid?: string;
  text: string | null;
  isFromMe: boolean;
  dateCreated: number;
  dateDelivered: number | null;
  dateRead: number | null;
  error: number;
  isAudioMessage: boolean;
  handle: { address: string; service: string } | null;
  chats: { guid: string; chatIdentifier: string }[];
  attachments: { guid: string; mimeType: string; transferName: string; totalBytes: number }[];
};

export async function startFakeBlueBubbles(options: { password: string; imessageHandles?: string[]; supportsAvailability?: boolean; privateApi?: boolean }) {
  const imessage = new Set(options.imessageHandles ?? []);
  const messages: FakeBbMessage[] = [];
  const attachments = new Map<string, { data: Buffer; mimeType: string }>();
  const requests: { method: string; path: string; query: Record<string, string>; json: any; form: Record<string, string> | null }[] = [];
  const script: { kind: 'hang' | 'reset'; path: string | null }[] = [];
  const hung: http.ServerResponse[] = [];
  let clock = Date.now();

  const send = (res: http.ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status, ...body }));
  };
  const fail = (res: http.ServerResponse, status: number, message: string, type: string, detail: string) => send(res, status, { message, error: { type, message: detail } });
  const addressOf = (chatGuid: string) => chatGuid.split(';').at(-1)!;

  function record(m: Omit<FakeBbMessage, 'guid' | 'dateCreated' | 'dateDelivered' | 'dateRead' | 'error' | 'isAudioMessage' | 'attachments'> & Partial<FakeBbMessage>): FakeBbMessage {
    clock = Math.max(clock + 1, Date.now());
    const message: FakeBbMessage = { guid: randomUUID().toUpperCase(), dateCreated: clock, dateDelivered: null, dateRead: null, error: 0, isAudioMessage: false, attachments: [], ...m };
    messages.push(message);
    return message;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    const query = Object.fromEntries(url.searchParams);
    const entry = { method: req.method ?? 'GET', path: url.pathname, query, json: null as any, form: null as Record<string, string> | null };
    let file: { data: Buffer; type: string; name: string } | null = null;
    if (type.startsWith('application/json') && raw.length) entry.json = JSON.parse(raw.toString('utf8'));
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
      entry.form = {};
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') entry.form[k] = v;
        else file = { data: Buffer.from(await v.arrayBuffer()), type: v.type, name: v.name };
      }
    }
    requests.push(entry);
    if (query.password !== options.password) return fail(res, 401, 'Unauthorized', 'Unauthorized', 'You are not authorized to access this resource');
    const scripted = script.findIndex((s) => s.path === null || s.path === url.pathname);
    const next = scripted >= 0 ? script.splice(scripted, 1)[0]!.kind : null;
    if (next === 'hang') return void hung.push(res);
    if (next === 'reset') return void req.socket.destroy();

    const path = url.pathname;
    if (req.method === 'GET' && path === '/api/v1/server/info') {
      return send(res, 200, { message: 'Successfully fetched server info!', data: { os_version: '14.5', server_version: '1.9.9', private_api: options.privateApi ?? false, helper_connected: options.privateApi ?? false, proxy_service: 'Cloudflare', detected_icloud: 'demo@icloud.com' } });
    }
    if (req.method === 'GET' && path === '/api/v1/handle/availability/imessage') {
      if (options.supportsAvailability === false) return fail(res, 404, 'Not Found', 'Not Found', 'Route not found');
      return send(res, 200, { message: 'Success', data: { available: imessage.has(query.address ?? '') } });
    }
    if (req.method === 'POST' && (path === '/api/v1/message/text' || path === '/api/v1/message/attachment')) {
      const fields = entry.json ?? entry.form ?? {};
      const chatGuid: string = fields.chatGuid ?? '';
      const address = addressOf(chatGuid);
      if (!chatGuid || !fields.tempGuid) return fail(res, 400, 'Bad Request', 'Validation Error', 'chatGuid and tempGuid are required');
      if (chatGuid.startsWith('iMessage;') && !imessage.has(address)) {
        return fail(res, 500, 'Message Send Error', 'iMessage Error', `Failed to send message! Handle ${address} is not registered with iMessage`);
      }
      const attachment = file ? { guid: randomUUID().toUpperCase(), mimeType: file.type, transferName: file.name, totalBytes: file.data.length } : null;
      if (attachment && file) attachments.set(attachment.guid, { data: file.data, mimeType: file.type });
      const message = record({
        tempGuid: fields.tempGuid,
        text: fields.message ?? null,
        isFromMe: true,
        isAudioMessage: fields.isAudioMessage === 'true',
        handle: { address, service: chatGuid.startsWith('SMS;') ? 'SMS' : 'iMessage' },
        chats: [{ guid: chatGuid, chatIdentifier: address }],
        attachments: attachment ? [attachment] : [],
      });
      return send(res, 200, { message: 'Message sent!', data: message });
    }
    const chat = /^\/api\/v1\/chat\/([^/]+)\/(read|typing)$/.exec(path);
    if (chat) {
      if (!options.privateApi) return fail(res, 500, 'Private API is not enabled', 'Server Error', 'iMessage Private API is not enabled');
      return send(res, 200, { message: 'Success', data: null });
    }
    if (req.method === 'POST' && path === '/api/v1/message/query') {
      const q = entry.json ?? {};
      const after = Number(q.after ?? 0);
      const limit = Math.min(Number(q.limit ?? 100), 1000);
      const offset = Number(q.offset ?? 0);
      const all = messages.filter((m) => m.dateCreated > after).sort((a, b) => (q.sort === 'DESC' ? b.dateCreated - a.dateCreated : a.dateCreated - b.dateCreated));
      // The server's database does not keep tempGuid: the poll sees messages as Messages stored them.
      const data = all.slice(offset, offset + limit).map(({ tempGuid: _t, ...m }) => m);
      return send(res, 200, { message: 'Success', data, metadata: { offset, limit, total: all.length, count: data.length } });
    }
    const download = /^\/api\/v1\/attachment\/([^/]+)\/download$/.exec(path);
    if (req.method === 'GET' && download) {
      const a = attachments.get(decodeURIComponent(download[1]!));
      if (!a) return fail(res, 404, 'Not Found', 'Not Found', 'Attachment does not exist');
      res.writeHead(200, { 'content-type': a.mimeType, 'content-length': String(a.data.length) });
      return res.end(a.data);
    }
    return fail(res, 404, 'Not Found', 'Not Found', 'Route not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    serverUrl,
    requests,
    messages,
    /** A message from a contact, as Messages would store it (not yet sent to any webhook). */
    receive(input: { from: string; text: string; service?: 'iMessage' | 'SMS' }) {
      const service = input.service ?? 'iMessage';
      return record({ text: input.text, isFromMe: false, handle: { address: input.from, service }, chats: [{ guid: `${service};-;${input.from}`, chatIdentifier: input.from }] });
    },
    /** The recipient's phone reported a state for one of our messages. */
    update(guid: string, change: Partial<Pick<FakeBbMessage, 'dateDelivered' | 'dateRead' | 'error'>>) {
      const m = messages.find((x) => x.guid === guid)!;
      Object.assign(m, change);
      return m;
    },
    addAttachment(guid: string, data: Buffer, mimeType: string) {
      attachments.set(guid, { data, mimeType });
    },
    /** The next request (to `path`, when given) hangs after being read, or has its connection reset. */
    failNext(kind: 'hang' | 'reset', path: string | null = null) {
      script.push({ kind, path });
    },
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

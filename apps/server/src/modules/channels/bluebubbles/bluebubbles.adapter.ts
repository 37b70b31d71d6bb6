import { ChannelSendError, type ChannelAdapter, type InboundMediaRef, type MessageService, type OutboundSend, type SendReceipt } from '../adapters/adapter';
import { multipart, readJson, transportFailure, type HttpFactory } from '../adapters/transport';
import type { BlueBubblesMessage } from './payload';

/**
 * BlueBubbles (a Mac relaying iMessage and SMS) over its REST API. Every call carries the server
 * password as `?password=`, so URLs are never put in errors or logs (the HTTP client names only
 * the host). Sends go to iMessage first and fall back to SMS when the handle is not on iMessage
 * (availability check, where the server has it) or the server refuses the iMessage send. A send
 * whose outcome is unknown (timeout after writing) is not retried over SMS: that could deliver twice.
 */
export type BlueBubblesSettings = { serverUrl: string; timeoutMs?: number; sendMethod?: 'apple-script' | 'private-api' };

const MEDIA_TYPES = ['image/', 'audio/', 'video/', 'application/', 'text/'];

const chatGuid = (service: 'iMessage' | 'SMS', address: string) => `${service};-;${address}`;

export function createBlueBubblesAdapter(options: { settings: BlueBubblesSettings; secrets: { password?: string }; http: HttpFactory; privateApi?: boolean }) {
  const base = new URL(options.settings.serverUrl);
  const root = base.href.replace(/\/+$/, '');
  const password = options.secrets.password ?? '';
  const api = options.http({ allowedHosts: [base.hostname], maxBytes: 5 * 1024 * 1024, timeoutMs: options.settings.timeoutMs ?? 30_000 });
  const download = options.http({ allowedHosts: [base.hostname], maxBytes: 25 * 1024 * 1024, contentTypes: MEDIA_TYPES, timeoutMs: 60_000 });
  const method = options.settings.sendMethod ?? (options.privateApi ? 'private-api' : 'apple-script');

  const url = (path: string, query: Record<string, string> = {}) => `${root}/api/v1${path}?${new URLSearchParams({ ...query, password })}`;

  /** The server refused (it answered): the body's message, never the URL. */
  class Refused extends ChannelSendError {}
  const refused = (status: number, body: any) => {
    const reason = body?.error?.message ?? body?.message ?? `HTTP ${status}`;
    if (status === 401) return new Refused({ message: 'BlueBubbles refused the server password', code: 'bluebubbles_unauthorized', retryable: false, action: 'pause_campaign' });
    return new Refused({ message: `BlueBubbles: ${String(reason).slice(0, 300)}`, code: `bluebubbles_${status}`, retryable: status >= 500 && status !== 500, action: 'fail' });
  };

  async function call(path: string, init: { method?: string; json?: unknown; form?: FormData; query?: Record<string, string>; signal?: AbortSignal } = {}): Promise<any> {
    let res: Response;
    try {
      const encoded = init.form ? await multipart(init.form) : null;
      res = await api(url(path, init.query), {
        method: init.method ?? (init.json || init.form ? 'POST' : 'GET'),
        headers: encoded ? { 'content-type': encoded.contentType } : init.json ? { 'content-type': 'application/json' } : {},
        body: encoded ? encoded.body : init.json ? JSON.stringify(init.json) : null,
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      throw transportFailure(err, 'BlueBubbles');
    }
    const body = await readJson(res);
    if (!res.ok || (typeof body?.status === 'number' && body.status >= 400)) throw refused(res.ok ? body.status : res.status, body);
    return body;
  }

  /** Whether the handle is on iMessage; null when the server cannot say (older servers, no Private API). */
  async function isOnIMessage(address: string): Promise<boolean | null> {
    try {
      const body = await call('/handle/availability/imessage', { query: { address } });
      return typeof body?.data?.available === 'boolean' ? body.data.available : null;
    } catch (err) {
      if (err instanceof Refused && err.code !== 'bluebubbles_unauthorized') return null;
      // A look-up sends nothing: however it failed, trying again later is safe.
      if (err instanceof ChannelSendError && err.ambiguous) throw new ChannelSendError({ message: err.message, code: err.code, retryable: true, action: 'backoff' });
      throw err;
    }
  }

  async function sendOn(service: 'iMessage' | 'SMS', address: string, message: OutboundSend, signal?: AbortSignal): Promise<SendReceipt> {
    const guid = chatGuid(service, address);
    const { content } = message;
    let body: any;
    if (content.type === 'text') {
      body = await call('/message/text', { json: { chatGuid: guid, tempGuid: message.messageId, message: content.body, method }, ...(signal ? { signal } : {}) });
    } else if (content.type === 'media') {
      const form = new FormData();
      form.set('chatGuid', guid);
      form.set('tempGuid', message.messageId);
      form.set('name', content.media.fileName);
      form.set('method', method);
      if (content.media.voice) form.set('isAudioMessage', 'true');
      form.set('attachment', new Blob([new Uint8Array(content.media.data)], { type: content.media.mimeType }), content.media.fileName);
      body = await call('/message/attachment', { form, ...(signal ? { signal } : {}) });
      // A caption travels as a text after the attachment, as Messages shows them.
      if (content.caption) await call('/message/text', { json: { chatGuid: guid, tempGuid: `${message.messageId}.caption`, message: content.caption, method } });
    } else {
      throw new ChannelSendError({ message: 'BlueBubbles has no message templates: send the text', code: 'unsupported_content', retryable: false, action: 'fail' });
    }
    const sent = body?.data as BlueBubblesMessage | undefined;
    return { providerMessageId: sent?.guid ?? `temp:${message.messageId}`, service: (service === 'SMS' ? 'sms' : 'imessage') as MessageService };
  }

  const adapter = {
    kind: 'bluebubbles' as const,
    capabilities: { sendText: true, sendMedia: true, templates: false, typing: options.privateApi === true, readReceipts: options.privateApi === true, reachabilityCheck: true, receive: true },

    async send(message: OutboundSend, sendOptions: { signal?: AbortSignal } = {}): Promise<SendReceipt> {
      const address = message.to.address ?? message.to.phoneE164;
      if (!address) throw new ChannelSendError({ message: 'The contact has no number or iMessage address', code: 'no_address', retryable: false, action: 'fail' });
      const email = address.includes('@');
      const onIMessage = await isOnIMessage(address);
      if (onIMessage === false) {
        if (email) throw new ChannelSendError({ message: 'This address is not on iMessage, and an e-mail address cannot get SMS', code: 'not_on_imessage', retryable: false, action: 'fail' });
        return sendOn('SMS', address, message, sendOptions.signal);
      }
      try {
        return await sendOn('iMessage', address, message, sendOptions.signal);
      } catch (err) {
        // Only a send the server refused falls back; an unknown outcome might already be delivered.
        if (!(err instanceof Refused) || err.code === 'bluebubbles_unauthorized' || email) throw err;
        return sendOn('SMS', address, message, sendOptions.signal);
      }
    },

    isOnIMessage,

    async testConnection() {
      const body = await call('/server/info');
      const d = body?.data ?? {};
      return { serverVersion: d.server_version ?? null, osVersion: d.os_version ?? null, privateApi: d.private_api ?? null, helperConnected: d.helper_connected ?? null };
    },

    async typing(target: { to: OutboundSend['to']; on: boolean }) {
      const address = target.to.address ?? target.to.phoneE164;
      if (!address) return;
      await call(`/chat/${encodeURIComponent(chatGuid('iMessage', address))}/typing`, { method: target.on ? 'POST' : 'DELETE' });
    },

    async markRead(target: { providerMessageId: string; chat?: string | null }) {
      if (!target.chat) return;
      await call(`/chat/${encodeURIComponent(target.chat)}/read`, { method: 'POST' });
    },

    async downloadMedia(ref: InboundMediaRef) {
      let res: Response;
      try {
        res = await download(url(`/attachment/${encodeURIComponent(ref.providerMediaId)}/download`));
      } catch (err) {
        throw transportFailure(err, 'BlueBubbles attachment');
      }
      if (!res.ok) throw refused(res.status, await readJson(res));
      return { data: Buffer.from(await res.arrayBuffer()), mimeType: ref.mimeType ?? res.headers.get('content-type') ?? 'application/octet-stream' };
    },

    /** Messages created after a time, oldest first, a page at a time: what the reconciliation poll reads. */
    async messagesAfter(query: { after: Date; offset: number; limit: number }): Promise<BlueBubblesMessage[]> {
      const body = await call('/message/query', { json: { after: query.after.getTime(), sort: 'ASC', limit: query.limit, offset: query.offset, with: ['chat', 'handle', 'attachment'] } });
      return Array.isArray(body?.data) ? body.data : [];
    },
  } satisfies ChannelAdapter & Record<string, unknown>;
  return adapter;
}

export type BlueBubblesAdapter = ReturnType<typeof createBlueBubblesAdapter>;

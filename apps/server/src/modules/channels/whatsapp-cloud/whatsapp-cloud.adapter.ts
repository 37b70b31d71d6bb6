import { createHash } from 'node:crypto';
import type { ChannelTemplate } from '@leadmaster/contracts';
import { ChannelSendError, type ChannelAdapter, type InboundMediaRef, type OutboundMedia, type OutboundSend, type SendReceipt } from '../adapters/adapter';
import { multipart, readJson, retryAfterSeconds, transportFailure, type HttpFactory } from '../adapters/transport';
import { WHATSAPP_ERROR_ACTIONS } from './payload';
import { bodyParameterCount, headerFormatOf, headerParameterCount, mediaKind } from './template-header';

/**
 * The WhatsApp Cloud API (Meta Graph) adapter: text, media (uploaded to `/{phone-number-id}/media`,
 * then sent by id), approved templates with body parameters and header media, mark-read, the number's profile for
 * the connection test, the template list, and inbound media download. Graph errors become
 * ChannelSendError with the campaign engine's action from the error table.
 */
export const GRAPH_VERSION = 'v23.0';
const DEFAULT_API = 'https://graph.facebook.com';
/** Where Meta serves media downloads from (the URL comes from `GET /{media-id}`). */
const MEDIA_HOSTS = ['lookaside.fbsbx.com', '*.fbsbx.com', '*.fbcdn.net', '*.whatsapp.net'];
const MEDIA_TYPES = ['image/', 'audio/', 'video/', 'application/pdf', 'application/vnd.', 'application/msword', 'application/zip', 'text/plain'];
/** Graph codes that say "try again later" rather than "this will never work". */
const TRANSIENT_CODES = new Set(['1', '2', '4', '17', '341', '613', '80007', '131000', '131016', '133004']);

export type WhatsAppCloudSettings = { phoneNumberId: string; businessAccountId: string; apiBaseUrl?: string; timeoutMs?: number };
export type WhatsAppTemplate = ChannelTemplate;

/** Graph's answer to a refused request, as a send error. */
export function graphSendError(res: Response, body: any): ChannelSendError {
  const e = body?.error;
  const retryAfter = retryAfterSeconds(res);
  if (!e || e.code === undefined) {
    if (res.status === 429) return new ChannelSendError({ message: 'Graph API: too many requests', code: 'http_429', retryable: true, action: 'backoff', retryAfterSeconds: retryAfter });
    // A gateway error may hide a request that Meta processed.
    if (res.status === 502 || res.status === 504) return new ChannelSendError({ message: `Graph API: HTTP ${res.status} from a gateway; the outcome is unknown`, code: `http_${res.status}`, retryable: false, ambiguous: true });
    if (res.status >= 500) return new ChannelSendError({ message: `Graph API: HTTP ${res.status}`, code: `http_${res.status}`, retryable: true, action: 'backoff', retryAfterSeconds: retryAfter });
    if (res.status === 401 || res.status === 403) return new ChannelSendError({ message: `Graph API: HTTP ${res.status}, check the access token`, code: `http_${res.status}`, retryable: false, action: 'pause_campaign' });
    return new ChannelSendError({ message: `Graph API: HTTP ${res.status}`, code: `http_${res.status}`, retryable: false });
  }
  const code = String(e.code);
  const details: string | undefined = e.error_data?.details;
  const message = `Graph API error ${code}: ${String(e.message ?? 'error')}${details ? ` (${details})` : ''}`;
  const known = WHATSAPP_ERROR_ACTIONS[code];
  if (known) {
    return new ChannelSendError({ message, code, retryable: known.retryable, action: known.action, retryAfterSeconds: retryAfter ?? (known.cooldownHours ? known.cooldownHours * 3600 : null) });
  }
  if (TRANSIENT_CODES.has(code) || res.status >= 500 || res.status === 429) {
    return new ChannelSendError({ message, code, retryable: true, action: 'backoff', retryAfterSeconds: retryAfter });
  }
  return new ChannelSendError({ message, code, retryable: false, action: 'fail' });
}

const apiRoot = (apiBaseUrl: string | undefined) => {
  const base = (apiBaseUrl ?? DEFAULT_API).replace(/\/+$/, '');
  return /\/v\d+\.\d+$/.test(base) ? base : `${base}/${GRAPH_VERSION}`;
};

const recipient = (to: OutboundSend['to']) => {
  const address = to.address ?? to.phoneE164;
  if (!address) throw new ChannelSendError({ message: 'The contact has no WhatsApp number', code: 'no_address', retryable: false, action: 'fail' });
  return address.replace(/^\+/, '');
};

export function createWhatsAppCloudAdapter(options: { settings: WhatsAppCloudSettings; secrets: { accessToken?: string }; http: HttpFactory }) {
  const { settings } = options;
  const token = options.secrets.accessToken ?? '';
  const root = apiRoot(settings.apiBaseUrl);
  const apiHost = new URL(root).hostname;
  const api = options.http({ allowedHosts: [apiHost], maxBytes: 5 * 1024 * 1024, timeoutMs: settings.timeoutMs ?? 20_000 });
  const download = options.http({ allowedHosts: [...MEDIA_HOSTS, apiHost], maxBytes: 25 * 1024 * 1024, contentTypes: MEDIA_TYPES, timeoutMs: 60_000 });
  const auth = { authorization: `Bearer ${token}` };

  /** One Graph call; any failure is a ChannelSendError (a transport one may be ambiguous). */
  async function call(path: string, init: { method?: string; json?: unknown; form?: FormData; signal?: AbortSignal } = {}): Promise<any> {
    let res: Response;
    try {
      const encoded = init.form ? await multipart(init.form) : null;
      res = await api(`${root}${path}`, {
        method: init.method ?? (init.json || init.form ? 'POST' : 'GET'),
        headers: { ...auth, ...(init.json ? { 'content-type': 'application/json' } : {}), ...(encoded ? { 'content-type': encoded.contentType } : {}) },
        body: encoded ? encoded.body : init.json ? JSON.stringify(init.json) : null,
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      throw transportFailure(err, 'Graph API');
    }
    const body = await readJson(res);
    if (!res.ok) throw graphSendError(res, body);
    return body;
  }

  /**
   * Uploads by file (the same bytes object): a campaign's drain sends one template image to every
   * recipient, uploaded once per adapter (a drain's lifetime, well within the 30 days Meta keeps an
   * upload) instead of once per message. A failed upload is forgotten, so the next send tries again.
   */
  const uploads = new WeakMap<Buffer, Promise<string>>();
  function uploadMedia(media: OutboundMedia, signal?: AbortSignal): Promise<string> {
    let upload = uploads.get(media.data);
    if (!upload) {
      upload = uploadOnce(media, signal);
      uploads.set(media.data, upload);
      upload.catch(() => uploads.delete(media.data));
    }
    return upload;
  }

  async function uploadOnce(media: OutboundMedia, signal?: AbortSignal): Promise<string> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', media.mimeType);
    form.set('file', new Blob([new Uint8Array(media.data)], { type: media.mimeType }), media.fileName);
    try {
      const body = await call(`/${settings.phoneNumberId}/media`, { form, ...(signal ? { signal } : {}) });
      return String(body.id);
    } catch (err) {
      // Nothing was sent to the contact yet: an ambiguous upload is only a lost upload.
      if (err instanceof ChannelSendError && err.ambiguous) {
        throw new ChannelSendError({ message: err.message, code: err.code, retryable: true, action: 'backoff' });
      }
      throw err;
    }
  }

  /**
   * A template header's media parameter. Meta's template headers take an image, a video or a
   * document (no audio): an audio file is refused before anything is sent.
   */
  async function headerParameter(media: OutboundMedia, signal?: AbortSignal) {
    const kind = mediaKind(media.mimeType);
    if (kind === 'audio') throw new ChannelSendError({ message: 'A WhatsApp template header takes an image, a video or a document, not audio', code: 'template_header_media', retryable: false, action: 'fail' });
    const id = await uploadMedia(media, signal);
    return { type: kind, [kind]: { id, ...(kind === 'document' ? { filename: media.fileName } : {}) } };
  }

  const adapter = {
    kind: 'whatsapp_cloud' as const,
    capabilities: { sendText: true, sendMedia: true, templates: true, typing: false, readReceipts: true, reachabilityCheck: false, receive: true },

    async send(message: OutboundSend, sendOptions: { signal?: AbortSignal } = {}): Promise<SendReceipt> {
      const to = recipient(message.to);
      const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
      const { content } = message;
      let payload: Record<string, unknown>;
      switch (content.type) {
        case 'text':
          payload = { ...base, type: 'text', text: { preview_url: false, body: content.body } };
          break;
        case 'media': {
          const id = await uploadMedia(content.media, sendOptions.signal);
          const kind = mediaKind(content.media.mimeType);
          const caption = content.caption && kind !== 'audio' ? { caption: content.caption } : {};
          payload = { ...base, type: kind, [kind]: { id, ...caption, ...(kind === 'document' ? { filename: content.media.fileName } : {}) } };
          break;
        }
        case 'template': {
          const { name, language, parameters, headerParameters = [] } = content.template;
          const components: Record<string, unknown>[] = [];
          // A template whose header is a file takes it as the header's parameter, by the id of an upload;
          // a TEXT header with a `{{1}}` takes its text (decision 0050).
          if (content.headerMedia) components.push({ type: 'header', parameters: [await headerParameter(content.headerMedia, sendOptions.signal)] });
          else if (headerParameters.length) components.push({ type: 'header', parameters: headerParameters.map((text) => ({ type: 'text', text })) });
          if (parameters.length) components.push({ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) });
          payload = { ...base, type: 'template', template: { name, language: { code: language }, ...(components.length ? { components } : {}) } };
          break;
        }
      }
      const body = await call(`/${settings.phoneNumberId}/messages`, { json: payload, ...(sendOptions.signal ? { signal: sendOptions.signal } : {}) });
      const id = body?.messages?.[0]?.id;
      if (typeof id !== 'string') throw new ChannelSendError({ message: 'Graph API accepted the message without an id', code: 'no_message_id', retryable: false, ambiguous: true });
      return { providerMessageId: id, service: 'whatsapp' };
    },

    async testConnection() {
      const body = await call(`/${settings.phoneNumberId}?fields=display_phone_number,verified_name,quality_rating`);
      return { displayPhoneNumber: body.display_phone_number ?? null, verifiedName: body.verified_name ?? null, qualityRating: body.quality_rating ?? null };
    },

    async markRead(target: { providerMessageId: string }) {
      await call(`/${settings.phoneNumberId}/messages`, { json: { messaging_product: 'whatsapp', status: 'read', message_id: target.providerMessageId } });
    },

    async downloadMedia(ref: InboundMediaRef) {
      const meta = await call(`/${encodeURIComponent(ref.providerMediaId)}?phone_number_id=${settings.phoneNumberId}`);
      if (typeof meta?.url !== 'string') throw new ChannelSendError({ message: 'Graph API gave no media URL', code: 'no_media_url', retryable: false });
      let res: Response;
      try {
        res = await download(meta.url, { headers: auth });
      } catch (err) {
        throw transportFailure(err, 'WhatsApp media');
      }
      if (!res.ok) throw graphSendError(res, await readJson(res));
      const data = Buffer.from(await res.arrayBuffer());
      const expected = meta.sha256 ?? ref.sha256;
      if (expected && createHash('sha256').update(data).digest('hex') !== expected) {
        throw new ChannelSendError({ message: 'WhatsApp media did not match its checksum', code: 'media_checksum', retryable: true });
      }
      return { data, mimeType: String(meta.mime_type ?? res.headers.get('content-type') ?? 'application/octet-stream') };
    },

    /**
     * Every template of the business account, following Graph's cursor paging, with what its
     * components ask of a send: the header's format (a file for IMAGE, VIDEO, DOCUMENT) and the body's parameter count.
     */
    async listTemplates(): Promise<WhatsAppTemplate[]> {
      const out: WhatsAppTemplate[] = [];
      let after: string | null = null;
      for (let page = 0; page < 100; page++) {
        const query = new URLSearchParams({ fields: 'name,language,category,status,quality_score,components', limit: '100', ...(after ? { after } : {}) });
        const body = await call(`/${settings.businessAccountId}/message_templates?${query}`);
        for (const t of body?.data ?? []) {
          const headerFormat = headerFormatOf(t.components);
          const bodyParameters = bodyParameterCount(t.components);
          const headerParameters = headerParameterCount(t.components);
          out.push({
            name: String(t.name),
            language: String(t.language),
            category: String(t.category ?? ''),
            status: String(t.status ?? ''),
            quality: t.quality_score?.score ?? null,
            providerTemplateId: t.id ? String(t.id) : null,
            ...(headerFormat !== undefined ? { headerFormat } : {}),
            ...(bodyParameters !== undefined ? { bodyParameters } : {}),
            ...(headerParameters !== undefined ? { headerParameters } : {}),
          });
        }
        after = body?.paging?.next ? (body.paging.cursors?.after ?? null) : null;
        if (!after) break;
      }
      return out;
    },
  } satisfies ChannelAdapter & Record<string, unknown>;
  return adapter;
}

export type WhatsAppCloudAdapter = ReturnType<typeof createWhatsAppCloudAdapter>;

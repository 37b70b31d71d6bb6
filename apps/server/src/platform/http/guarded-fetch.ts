import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { canonicalHost, hostAllowed, refusedAddressReason } from './address-policy';

/**
 * The one way the server talks to provider HTTP APIs and downloads provider media: a `fetch`-like
 * client that only reaches the hosts it is given, resolves each name once and connects to the
 * address it checked (no second look-up an attacker's DNS could answer differently), refuses
 * non-public addresses, follows redirects by hand re-checking every hop, caps the size, and can
 * limit content types. It also says whether a failed request had been fully written — a send
 * that timed out after that may have been processed, and must not be blindly resent.
 */
export type FetchPolicy = {
  /** Host names that may be reached: exact (`graph.facebook.com`) or `*.fbcdn.net`. */
  allowedHosts: readonly string[];
  /**
   * TESTS ONLY: exact hosts allowed to resolve to a non-public address (a local fake on 127.0.0.1).
   * Production configuration never sets it.
   */
  allowPrivateHosts?: readonly string[];
  /** Largest response body accepted (default 25 MiB). */
  maxBytes?: number;
  /** Content types a successful response may have: `image/` (a prefix) or `application/pdf` (exact). */
  contentTypes?: readonly string[] | null;
  maxRedirects?: number;
  timeoutMs?: number;
  /** Name resolution (tests replace it); default: the system resolver, every address. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
};

export type HttpRequestInit = {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | Uint8Array | string | null;
  signal?: AbortSignal;
  timeoutMs?: number;
};

export type HttpClient = (url: string | URL, init?: HttpRequestInit) => Promise<Response>;

export type OutboundFailure = 'refused' | 'too_large' | 'content_type' | 'redirects' | 'timeout' | 'network' | 'aborted';

export class OutboundHttpError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
    /** The whole request had been handed to the network when it failed: the server may have acted on it. */
    readonly requestSent: boolean,
  ) {
    super(message);
    this.name = 'OutboundHttpError';
  }
}

const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([204, 205, 304]);
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

const systemResolve = async (host: string) => dns.promises.lookup(host, { all: true, verbatim: true });

/** A URL as it may appear in an error or a log line: no credentials, no query, no path. */
export const describeUrl = (url: URL) => `${url.protocol}//${url.host}`;

export function createGuardedFetch(policy: FetchPolicy): HttpClient {
  return async (input, init = {}) => {
    let url = new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    const headers: Record<string, string> = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const timeout = AbortSignal.timeout(init.timeoutMs ?? policy.timeoutMs ?? 30_000);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const maxRedirects = policy.maxRedirects ?? 3;
    for (let hop = 0; ; hop++) {
      const res = await oneHop({ url, method, headers, body, signal, timeout, policy });
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || typeof location !== 'string') return toResponse(res, policy);
      if (hop >= maxRedirects) throw new OutboundHttpError('redirects', `Too many redirects from ${describeUrl(url)}`, true);
      const next = new URL(location, url);
      // Credentials are for the origin they were given to, never for where it points.
      if (next.origin !== url.origin) {
        delete headers.authorization;
        delete headers.cookie;
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      url = next;
    }
  };
}

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

async function checkedAddress(url: URL, policy: FetchPolicy): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundHttpError('refused', `Scheme ${url.protocol} is not allowed`, false);
  if (url.username || url.password) throw new OutboundHttpError('refused', 'Credentials in URLs are not allowed', false);
  const host = canonicalHost(url.hostname);
  if (!hostAllowed(host, policy.allowedHosts)) throw new OutboundHttpError('refused', `Host ${host} is not allowed here`, false);
  const privateOk = policy.allowPrivateHosts?.includes(host) ?? false;
  const family = net.isIP(host);
  let addresses: { address: string; family: number }[];
  if (family) addresses = [{ address: host, family }];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch {
      throw new OutboundHttpError('network', `Could not resolve ${host}`, false);
    }
  }
  if (addresses.length === 0) throw new OutboundHttpError('network', `Could not resolve ${host}`, false);
  // Every address must pass: a name that also points inside is refused, whichever address we would pick.
  for (const a of addresses) {
    const reason = refusedAddressReason(a.address);
    if (reason && !privateOk) throw new OutboundHttpError('refused', `Refused ${host}: ${reason}`, false);
  }
  return addresses[0]!;
}

async function oneHop(options: {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | Uint8Array | string | null;
  signal: AbortSignal;
  timeout: AbortSignal;
  policy: FetchPolicy;
}): Promise<RawResponse> {
  const { url, method, body, signal, timeout, policy } = options;
  const target = await checkedAddress(url, policy);
  const secure = url.protocol === 'https:';
  const host = canonicalHost(url.hostname);
  const payload = body === null ? null : Buffer.from(body as Uint8Array | string);
  const maxBytes = policy.maxBytes ?? DEFAULT_MAX_BYTES;
  let sent = false;
  return new Promise<RawResponse>((resolveOnce, rejectOnce) => {
    // The first outcome wins: destroying a response also fires its error events.
    let settled = false;
    const resolve = (value: RawResponse) => {
      if (settled) return;
      settled = true;
      resolveOnce(value);
    };
    const reject = (err: OutboundHttpError) => {
      if (settled) return;
      settled = true;
      rejectOnce(err);
    };
    const fail = (err: unknown) => {
      if (err instanceof OutboundHttpError) return reject(err);
      if (timeout.aborted) return reject(new OutboundHttpError('timeout', `${describeUrl(url)} did not answer in time`, sent));
      if (signal.aborted) return reject(new OutboundHttpError('aborted', `Request to ${describeUrl(url)} was cancelled`, sent));
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      reject(new OutboundHttpError('network', `${describeUrl(url)}: connection failed (${code})`, sent));
    };
    const req = (secure ? https : http).request(
      {
        // Connect to the address that was checked; the name is kept for Host, SNI and the certificate.
        host: target.address,
        family: target.family,
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method,
        headers: { ...options.headers, host: url.host, ...(payload ? { 'content-length': String(payload.length) } : {}) },
        agent: secure ? agents.https : agents.http,
        signal,
        ...(secure && !net.isIP(host) ? { servername: host } : {}),
      },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > maxBytes) {
          reject(new OutboundHttpError('too_large', `${describeUrl(url)} answered ${declared} bytes, more than ${maxBytes}`, true));
          return res.destroy();
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            reject(new OutboundHttpError('too_large', `${describeUrl(url)} sent more than ${maxBytes} bytes`, true));
            return void res.destroy();
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('aborted')));
      },
    );
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', fail);
    req.end(payload ?? undefined);
  });
}

function toResponse(res: RawResponse, policy: FetchPolicy): Response {
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (policy.contentTypes && res.status >= 200 && res.status < 300) {
    const ok = policy.contentTypes.some((t) => (t.endsWith('/') ? type.startsWith(t) : type === t));
    if (!ok) throw new OutboundHttpError('content_type', `Content type ${type || '(none)'} is not allowed here`, true);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Response(NULL_BODY.has(res.status) ? null : new Uint8Array(res.body), { status: res.status, headers });
}

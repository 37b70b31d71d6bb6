import type { HttpServer } from '../../apps/server/src/platform/http/server';

export type BenchRequest = { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: unknown };
export type BenchResponse = { status: number; body: unknown; setCookies: string[] };
/** One HTTP exchange with the product: over a socket (`fetchCaller`) or Fastify's inject (`injectCaller`). */
export type HttpCall = (request: BenchRequest) => Promise<BenchResponse>;

export function fetchCaller(baseUrl: string): HttpCall {
  return async ({ method, path, headers, body }) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: parseJson(text), setCookies: res.headers.getSetCookie() };
  };
}

export function injectCaller(app: HttpServer): HttpCall {
  return async ({ method, path, headers, body }) => {
    const res = await app.inject({
      method,
      url: path,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const raw = res.headers['set-cookie'];
    return { status: res.statusCode, body: parseJson(res.body), setCookies: raw === undefined ? [] : [raw].flat() };
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Ways to call the bench tenant's API: an API key (`Authorization: Bearer`) and the owner's session cookie. */
export type BenchCredentials = { apiKey: string; cookie: string };

export const BENCH_API_KEY_PERMISSIONS = ['users.read', 'audit.read'];

/**
 * Runs the first-start setup (tenant + owner, which signs the owner in) and creates an API key
 * (`BENCH_API_KEY_PERMISSIONS` unless told otherwise), exactly as a new installation would over the public API.
 */
export async function provisionBenchTenant(options: { call: HttpCall; origin: string; permissions?: string[] }): Promise<BenchCredentials> {
  const { call, origin } = options;
  const setup = await call({
    method: 'POST',
    path: '/api/v1/setup',
    headers: { origin },
    body: {
      tenant: { name: 'Bench', slug: 'bench', timezone: 'America/Argentina/Buenos_Aires', country: 'AR', locale: 'es' },
      owner: { email: 'owner@bench.test', name: 'Owner', password: 'bench-password-123' },
    },
  });
  if (setup.status !== 201) throw new Error(`POST /api/v1/setup answered ${setup.status}: ${JSON.stringify(setup.body)}`);
  const session = setup.setCookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('lm_session=') || c.startsWith('__Host-lm_session='));
  if (!session) throw new Error(`POST /api/v1/setup set no session cookie (got: ${setup.setCookies.join(' | ') || 'none'})`);

  const created = await call({
    method: 'POST',
    path: '/api/v1/api-keys',
    headers: { origin, cookie: session },
    body: { name: 'bench', permissions: options.permissions ?? BENCH_API_KEY_PERMISSIONS },
  });
  const token = (created.body as { token?: unknown } | null)?.token;
  if (created.status !== 201 || typeof token !== 'string') {
    throw new Error(`POST /api/v1/api-keys answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return { apiKey: token, cookie: session };
}

/** Fails loudly when a request the benchmark is about to repeat does not succeed: timing errors proves nothing. */
export async function expectOk(options: { call: HttpCall; path: string; headers: Record<string, string> }): Promise<void> {
  const res = await options.call({ method: 'GET', path: options.path, headers: options.headers });
  if (res.status !== 200) throw new Error(`GET ${options.path} answered ${res.status}: ${JSON.stringify(res.body)}`);
}

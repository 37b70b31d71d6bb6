import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Google's OAuth 2.0 token endpoint and the People API
 * (`people/me`, `people/me/connections` with page and sync tokens), speaking their documented HTTP
 * contract, so the real client code runs in tests.
 */
export type FakePerson = {
  resourceName: string;
  names?: { givenName?: string; familyName?: string; displayName?: string }[];
  emailAddresses?: { value: string }[];
  phoneNumbers?: { value: string; canonicalForm?: string }[];
  organizations?: { name: string }[];
};

export async function startFakeGoogle(options: { clientId: string; clientSecret: string; accountEmail: string }) {
  let version = 0;
  const people = new Map<string, { person: FakePerson; version: number; deleted: boolean }>();
  const codes = new Map<string, string>(); // code → redirect_uri
  const accessTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const syncTokens = new Map<string, number>();
  const requests: { method: string; path: string; query: Record<string, string> }[] = [];

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const googleError = (res: http.ServerResponse, status: number, grpc: string, message: string, reason?: string) =>
    json(res, status, {
      error: {
        code: status,
        message,
        status: grpc,
        ...(reason ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }] } : {}),
      },
    });
  const token = () => randomBytes(16).toString('hex');

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    let body = '';
    for await (const chunk of req) body += chunk;

    if (req.method === 'POST' && url.pathname === '/token') {
      const form = Object.fromEntries(new URLSearchParams(body));
      if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
        return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      }
      if (form.grant_type === 'authorization_code') {
        if (!form.code || codes.get(form.code) !== form.redirect_uri) return json(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
        codes.delete(form.code);
        const access = token();
        const refresh = token();
        accessTokens.add(access);
        refreshTokens.add(refresh);
        return json(res, 200, { access_token: access, expires_in: 3599, refresh_token: refresh, scope: 'https://www.googleapis.com/auth/contacts.readonly', token_type: 'Bearer' });
      }
      if (form.grant_type === 'refresh_token') {
        if (!form.refresh_token || !refreshTokens.has(form.refresh_token)) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        const access = token();
        accessTokens.add(access);
        return json(res, 200, { access_token: access, expires_in: 3599, token_type: 'Bearer' });
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }

    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !accessTokens.has(bearer)) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');

    if (req.method === 'GET' && url.pathname === '/v1/people/me') {
      return json(res, 200, { resourceName: 'people/me', emailAddresses: [{ value: options.accountEmail }] });
    }
    if (req.method === 'GET' && url.pathname === '/v1/people/me/connections') {
      if (!query.personFields) return googleError(res, 400, 'INVALID_ARGUMENT', 'personFields mask is required.');
      const pageSize = Math.min(1000, Number(query.pageSize || 100));
      let since = -1;
      if (query.syncToken) {
        const at = syncTokens.get(query.syncToken);
        if (at === undefined) return googleError(res, 400, 'FAILED_PRECONDITION', 'Sync token is expired. Clear local cache and retry call without the sync token.', 'EXPIRED_SYNC_TOKEN');
        since = at;
      }
      const all = [...people.values()].filter((p) => (since < 0 ? !p.deleted : p.version > since)).sort((a, b) => a.version - b.version);
      const offset = Number(query.pageToken || 0);
      const slice = all.slice(offset, offset + pageSize);
      const last = offset + pageSize >= all.length;
      const out: Record<string, unknown> = {
        connections: slice.map((p) => (p.deleted ? { resourceName: p.person.resourceName, metadata: { deleted: true } } : p.person)),
        totalItems: all.length,
      };
      if (!last) out.nextPageToken = String(offset + pageSize);
      if (last && query.requestSyncToken === 'true') {
        const next = token();
        syncTokens.set(next, version);
        out.nextSyncToken = next;
      }
      return json(res, 200, out);
    }
    return googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    env: {
      GOOGLE_CLIENT_ID: options.clientId,
      GOOGLE_CLIENT_SECRET: options.clientSecret,
      GOOGLE_AUTH_URL: `${base}/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${base}/token`,
      GOOGLE_PEOPLE_API_URL: base,
    },
    requests,
    /** What Google does when the user clicks "Allow": a code for that redirect URI. */
    consent(authorizeUrl: string) {
      const url = new URL(authorizeUrl);
      const code = token();
      codes.set(code, url.searchParams.get('redirect_uri')!);
      return { code, state: url.searchParams.get('state')! };
    },
    upsert(person: FakePerson) {
      people.set(person.resourceName, { person, version: ++version, deleted: false });
    },
    remove(resourceName: string) {
      const p = people.get(resourceName);
      if (p) people.set(resourceName, { ...p, version: ++version, deleted: true });
    },
    expireSyncTokens() {
      syncTokens.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

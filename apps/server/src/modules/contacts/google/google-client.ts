import { AppError } from '../../../platform/errors';

/**
 * The two Google HTTP APIs contact sync uses: OAuth 2.0 (authorization-code and refresh grants)
 * and the People API's `people.connections.list`. Base URLs are configurable so tests run it
 * against a local fake that speaks the same contract.
 */
export type GoogleEndpoints = { authUrl: string; tokenUrl: string; peopleApiUrl: string; clientId: string; clientSecret: string };

export type GooglePerson = {
  resourceName: string;
  metadata?: { deleted?: boolean };
  names?: { givenName?: string; familyName?: string; displayName?: string }[];
  emailAddresses?: { value?: string }[];
  phoneNumbers?: { value?: string; canonicalForm?: string }[];
  organizations?: { name?: string }[];
  urls?: { value?: string }[];
  addresses?: { formattedValue?: string }[];
};

export type ConnectionsPage = { connections?: GooglePerson[]; nextPageToken?: string; nextSyncToken?: string };

export class ExpiredSyncToken extends Error {}

const PERSON_FIELDS = 'names,emailAddresses,phoneNumbers,organizations,urls,addresses,metadata';
export const SCOPES = ['https://www.googleapis.com/auth/contacts.readonly', 'openid', 'email'];

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    throw new AppError('internal', `Google could not be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!res.ok) {
    const reasons: string[] = (body?.error?.details ?? []).map((d: { reason?: string }) => d.reason).filter(Boolean);
    if (reasons.includes('EXPIRED_SYNC_TOKEN')) throw new ExpiredSyncToken('sync token expired');
    const message = body?.error_description ?? body?.error?.message ?? (typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`);
    throw new AppError(res.status === 401 || body?.error === 'invalid_grant' ? 'forbidden' : 'internal', `Google refused the request: ${message}`);
  }
  return body as T;
}

export function googleClient(endpoints: GoogleEndpoints) {
  const form = (params: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return {
    authorizeUrl(options: { redirectUri: string; state: string }) {
      const url = new URL(endpoints.authUrl);
      url.search = new URLSearchParams({
        client_id: endpoints.clientId,
        redirect_uri: options.redirectUri,
        response_type: 'code',
        scope: SCOPES.join(' '),
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
        state: options.state,
      }).toString();
      return url.toString();
    },
    exchangeCode: (options: { code: string; redirectUri: string }) =>
      call<{ access_token: string; expires_in: number; refresh_token?: string }>(
        endpoints.tokenUrl,
        form({ grant_type: 'authorization_code', code: options.code, redirect_uri: options.redirectUri, client_id: endpoints.clientId, client_secret: endpoints.clientSecret }),
      ),
    refresh: (refreshToken: string) =>
      call<{ access_token: string; expires_in: number }>(
        endpoints.tokenUrl,
        form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: endpoints.clientId, client_secret: endpoints.clientSecret }),
      ),
    me: (accessToken: string) =>
      call<GooglePerson>(`${endpoints.peopleApiUrl}/v1/people/me?personFields=emailAddresses,names`, { headers: { authorization: `Bearer ${accessToken}` } }),
    connections(options: { accessToken: string; pageToken?: string | null; syncToken?: string | null }) {
      const params = new URLSearchParams({ personFields: PERSON_FIELDS, pageSize: '1000', requestSyncToken: 'true' });
      if (options.pageToken) params.set('pageToken', options.pageToken);
      if (options.syncToken) params.set('syncToken', options.syncToken);
      return call<ConnectionsPage>(`${endpoints.peopleApiUrl}/v1/people/me/connections?${params}`, { headers: { authorization: `Bearer ${options.accessToken}` } });
    },
  };
}

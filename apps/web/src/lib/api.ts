/**
 * The one way the web app talks to the API. Cookie session, same origin; state-changing calls always
 * send a JSON body (the server refuses other bodies and checks the Origin header the browser adds).
 */
export type FieldIssue = { field: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field problems named by the server, keyed by the body path without the leading `body.`. */
  get fieldIssues(): FieldIssue[] {
    const details = this.details as { issues?: unknown; field?: unknown } | undefined;
    if (this.code === 'validation_failed' && Array.isArray(details?.issues)) {
      return (details.issues as FieldIssue[])
        .filter((i) => typeof i?.field === 'string')
        .map((i) => ({ field: i.field.replace(/^body\./, ''), message: String(i.message ?? '') }));
    }
    // Single-field errors (a taken email, a wrong current password) name the field in details.field.
    if (typeof details?.field === 'string') return [{ field: details.field, message: this.message }];
    return [];
  }
}

export const isApiError = (error: unknown, code?: string): error is ApiError =>
  error instanceof ApiError && (code === undefined || error.code === code);

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (signal) init.signal = signal;
  if (body instanceof FormData) {
    // A file upload: the browser writes the multipart content type with its boundary.
    init.body = body;
  } else if (method !== 'GET') {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: unknown; requestId?: string } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_' + response.status,
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.details,
      error?.requestId,
    );
  }
  return data as T;
}

/** Builds a query string from the defined, non-empty values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  /** multipart/form-data (a CSV upload); same origin, so the browser sends the Origin header the server checks. */
  upload: <T>(path: string, form: FormData) => request<T>('POST', path, form),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

export type Page<T> = { items: T[]; nextCursor: string | null };

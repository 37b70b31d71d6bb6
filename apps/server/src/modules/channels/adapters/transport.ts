import { OutboundHttpError, type FetchPolicy, type HttpClient } from '../../../platform/http/guarded-fetch';
import { ChannelSendError } from './adapter';

/** Builds the HTTP client an adapter uses for a given policy (hosts, caps); the channels service supplies it. */
export type HttpFactory = (policy: Omit<FetchPolicy, 'allowPrivateHosts'>) => HttpClient;

/**
 * A request that failed below HTTP, as a send error. The line that matters: a request that was
 * fully written before the timeout or the reset may have been acted on, so it is ambiguous and
 * must be reconciled from status webhooks, not resent; one that never left is safe to retry.
 */
export function transportFailure(err: unknown, provider: string): ChannelSendError {
  if (err instanceof ChannelSendError) return err;
  if (!(err instanceof OutboundHttpError)) {
    return new ChannelSendError({ message: `${provider}: ${(err as Error).message}`, code: 'transport_error', retryable: false, ambiguous: true });
  }
  if (err.reason === 'refused') return new ChannelSendError({ message: `${provider}: ${err.message}`, code: 'destination_refused', retryable: false, action: 'fail' });
  // The provider answered, with something we will not take (media of a refused type or size).
  if (err.reason === 'content_type' || err.reason === 'too_large') {
    return new ChannelSendError({ message: `${provider}: ${err.message}`, code: err.reason === 'content_type' ? 'content_type_refused' : 'too_large', retryable: false, action: 'fail' });
  }
  if (err.requestSent) {
    const code = err.reason === 'timeout' ? 'timeout_after_send' : err.reason === 'network' ? 'connection_lost_after_send' : 'interrupted_after_send';
    return new ChannelSendError({ message: `${provider}: ${err.message}; the request was sent, its outcome is unknown`, code, retryable: false, ambiguous: true });
  }
  return new ChannelSendError({ message: `${provider}: ${err.message}`, code: err.reason === 'timeout' ? 'timeout' : 'unreachable', retryable: true, action: 'backoff' });
}

/** Reads a JSON body, or null when there is none or it is not JSON (an HTML error page). */
export async function readJson(res: Response): Promise<any> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Seconds from a Retry-After header (seconds or an HTTP date). */
export function retryAfterSeconds(res: Response): number | null {
  const value = res.headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : null;
}

/** A multipart body built by the platform's own FormData encoder, as bytes plus its content type. */
export async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request('http://multipart.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

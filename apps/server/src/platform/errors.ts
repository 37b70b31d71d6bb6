/**
 * One error model for the whole product: code → HTTP status in one table, answered as
 * `{ error: { code, message, details, requestId } }` by the HTTP layer.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  totp_required: 401,
  invalid_totp: 401,
  invalid_signature: 401,
  forbidden: 403,
  csrf_rejected: 403,
  tenant_suspended: 403,
  totp_enrolment_required: 403,
  not_found: 404,
  conflict: 409,
  already_exists: 409,
  invalid_state: 409,
  /** A calendar slot another live appointment holds (calendar module). */
  slot_taken: 409,
  /** A hold that lapsed (or was cancelled) before its confirmation. */
  hold_expired: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`);
export const forbidden = (permission?: string) =>
  new AppError('forbidden', permission ? `Missing permission ${permission}` : 'Forbidden', permission ? { permission } : undefined);
export const unauthenticated = () => new AppError('unauthenticated', 'Authentication required');
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const badRequest = (message: string, details?: unknown) => new AppError('bad_request', message, details);

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

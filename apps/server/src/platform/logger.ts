import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear (one or two levels deep). */
const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'token',
  'secret',
  'totpSecret',
  'recoveryCode',
  'recoveryCodes',
  'apiKey',
  'key',
  'accessToken',
  'refreshToken',
  'appSecret',
  'verifyToken',
  'secretKey',
  'cookie',
  'authorization',
  'body',
];

export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

/**
 * Database errors carry the query's parameters in their message (password hashes, token hashes,
 * message bodies): log the statement and the driver's reason, never the values.
 */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return stdSerializers.err(err as Error);
  if ('params' in err && 'query' in err) {
    const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
    return {
      type: err.constructor.name,
      message: cause?.message ?? 'query failed',
      code: cause?.code,
      query: (err as Error & { query?: string }).query,
      stack: cause?.stack,
    };
  }
  return stdSerializers.err(err);
}

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      serializers: { err: serializeError, error: serializeError },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'leadmaster' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };

import type { Logger } from '../logger';

/** postgres.js's codes for a connection that went away under a query (or a reservation). */
const DRIVER_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/** The server ended the session: pg_terminate_backend, a shutdown, a crash restart, not accepting yet. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);
/** The socket itself failed. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether an error says a database connection was lost (not that a statement was wrong): the
 * server ended the session, the socket broke, or the driver gave up on the connection. Looks
 * through `cause` (Drizzle wraps driver errors).
 */
export function isLostConnection(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (DRIVER_CODES.has(code) || SERVER_CODES.has(code) || SOCKET_CODES.has(code) || code.startsWith('08')) return true;
  }
  return false;
}

/**
 * Keeps a working process alive when a database connection is lost under work nobody waits for.
 * pg-boss 10 completes and fails a job without awaiting it (manager.js, `watch`): when the backend
 * doing it is terminated, the rejection is unhandled and Node ends the process — under the
 * reliability test's terminated backends every worker died this way sooner or later, and a fleet
 * with none left alive stalled the campaign for good. Such a loss costs nothing durable: the job
 * stays active with no liveness lock and is retried within seconds (queue.ts), leases and sweeps
 * cover the rest. Any other unhandled rejection is a bug and still ends the process, as Node would.
 */
export function surviveLostConnections(logger: Logger, target: NodeJS.EventEmitter = process): void {
  target.on('unhandledRejection', (err: unknown) => {
    if (isLostConnection(err)) {
      logger.warn({ err }, 'a database connection was lost under work nothing waited for; carrying on (jobs and leases recover it)');
      return;
    }
    logger.fatal({ err }, 'unhandled rejection: stopping');
    process.exit(1);
  });
}

/**
 * Starts again while starting fails because a database connection was lost (the server cut a
 * session mid-start: a failover, a restart, an operator's pg_terminate_backend), at most `attempts`
 * times, waiting a little longer each time. `start` must clean up after itself when it fails (as
 * startRuntime does). Any other failure is thrown at once.
 */
export async function retryLostConnections<T>(start: () => Promise<T>, options: { logger: Logger; attempts?: number; delayMs?: number }): Promise<T> {
  const attempts = options.attempts ?? 10;
  const delayMs = options.delayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!isLostConnection(err) || attempt >= attempts) throw err;
      options.logger.warn({ err, attempt }, 'a database connection was lost while starting; starting again');
      await new Promise((r) => setTimeout(r, Math.min(5, attempt) * delayMs));
    }
  }
}

import type { Logger } from '../../../platform/logger';
import type { SessionRepository, SessionRow } from './whatsapp-web.repository';
import { canTransition, InvalidTransition, type SessionState } from './whatsapp-web.state';
import type { WaAccount, WaCloseReason, WaSocket, WaSocketFactory, WaWebMessage } from './socket';

export type SessionTimings = {
  /** Reconnect delays: initial × 2^attempt, capped, with ±20 % jitter. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Consecutive failed reconnects before the session gives up (FAILED). */
  maxReconnectAttempts: number;
  /** How often the health probe looks, how long a READY link may stay silent, how long a ping may take. */
  probeIntervalMs: number;
  silenceMs: number;
  pingTimeoutMs: number;
  /** Connections whose QR codes all expired unscanned before the session parks (DISCONNECTED). */
  maxQrSeries: number;
  /** checkOnWhatsApp: numbers per query and the pause between queries. */
  checkBatchSize: number;
  checkIntervalMs: number;
};

export const DEFAULT_TIMINGS: SessionTimings = {
  backoffInitialMs: 2_000,
  backoffMaxMs: 5 * 60_000,
  maxReconnectAttempts: 12,
  probeIntervalMs: 30_000,
  // Baileys pings every 30 s and WhatsApp answers: 75 s without a single frame is a dead link.
  silenceMs: 75_000,
  pingTimeoutMs: 15_000,
  maxQrSeries: 3,
  checkBatchSize: 50,
  checkIntervalMs: 3_000,
};

export function backoffDelay(attempt: number, timings: Pick<SessionTimings, 'backoffInitialMs' | 'backoffMaxMs'>, random = Math.random) {
  const base = Math.min(timings.backoffMaxMs, timings.backoffInitialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export type SessionHooks = {
  /** The state (or the QR) changed and is stored. */
  changed(session: LiveSession): Promise<void>;
  messages(session: LiveSession, messages: WaWebMessage[]): Promise<void>;
  /** The phone (or WhatsApp) unlinked the device. */
  loggedOut(session: LiveSession, by: 'phone' | 'user'): Promise<void>;
};

/** Why a session parked when its channel was disabled: enabling the channel starts it again. */
export const PARKED_BY_DISABLE = 'the channel is disabled';

export class SessionNotReady extends Error {
  constructor(state: SessionState) {
    super(`the WhatsApp Web session is ${state}, not READY`);
    this.name = 'SessionNotReady';
  }
}

/**
 * One live WhatsApp Web session, held by the worker process that leases it. Every change of state
 * is written to the session row before it is announced, so any process can answer the status.
 * Socket events arrive as plain callbacks; they are applied one after another (`serial`), and an
 * event of a socket this session already replaced is ignored (`generation`).
 */
export class LiveSession {
  state: SessionState;
  since: Date;
  qr: string | null = null;
  lastError: string | null = null;
  account: WaAccount | null;
  private socket: WaSocket | null = null;
  private generation = 0;
  private attempts = 0;
  private qrSeries = 0;
  private sawQrThisConnection = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private lastTraffic = 0;
  private probing = false;
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve();
  private nextCheckAt = 0;

  constructor(
    readonly tenantId: string,
    readonly channelId: string,
    row: SessionRow,
    private readonly ctx: { repo: SessionRepository; factory: WaSocketFactory; logger: Logger; timings: SessionTimings; hooks: SessionHooks },
  ) {
    this.state = row.state;
    this.since = row.since;
    this.account = row.account ?? null;
  }

  private get key() {
    return { tenantId: this.tenantId, channelId: this.channelId };
  }

  /** Runs socket reactions one at a time, in arrival order; a failure is logged, never thrown into the socket. */
  private serial(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((err: unknown) => this.ctx.logger.error({ err, channelId: this.channelId }, 'WhatsApp Web session step failed'));
    this.queue = next;
    return next;
  }

  private async transition(to: SessionState, changes: { qr?: string | null; lastError?: string | null; account?: WaAccount | null } = {}) {
    if (to !== this.state && !canTransition(this.state, to)) throw new InvalidTransition(this.state, to);
    const moved = to !== this.state;
    if (moved) this.since = new Date();
    this.state = to;
    if (changes.qr !== undefined) this.qr = changes.qr;
    if (to !== 'QR_REQUIRED') this.qr = null;
    if (changes.lastError !== undefined) this.lastError = changes.lastError;
    if (changes.account !== undefined) this.account = changes.account;
    await this.ctx.repo.saveState(this.key, {
      state: to,
      since: this.since,
      qr: this.qr,
      lastError: this.lastError,
      reconnectAttempts: this.attempts,
      ...(changes.account !== undefined ? { account: changes.account } : {}),
    });
    await this.ctx.hooks.changed(this);
    if (moved) this.ctx.logger.info({ channelId: this.channelId, state: to, error: this.lastError ?? undefined }, 'WhatsApp Web session state');
  }

  /** Starts (or restarts) the connection from the stored credentials; without any, a QR is offered. */
  start(): Promise<void> {
    return this.serial(async () => {
      this.stopped = false;
      this.attempts = 0;
      this.qrSeries = 0;
      this.dropSocket();
      await this.transition('INITIALIZING', { lastError: null });
      await this.connect();
    });
  }

  private async connect() {
    if (this.stopped) return;
    const generation = ++this.generation;
    const current = (fn: () => Promise<void>) => () => (generation === this.generation && !this.stopped ? this.serial(fn) : Promise.resolve());
    this.sawQrThisConnection = false;
    this.lastTraffic = performance.now();
    try {
      this.socket = await this.ctx.factory({
        auth: this.ctx.repo.authStore(this.key),
        logger: this.ctx.logger,
        listener: {
          qr: (qr) => void current(() => this.onQr(qr))(),
          open: (account) => void current(() => this.onOpen(account))(),
          close: (reason) => void current(() => this.onClose(reason))(),
          messages: (messages) => void current(() => this.ctx.hooks.messages(this, messages))(),
          traffic: () => {
            if (generation === this.generation) this.lastTraffic = performance.now();
          },
        },
      });
    } catch (err) {
      this.socket = null;
      await this.onClose({ loggedOut: false, restartRequired: false, qrExpired: false, fatal: false, code: null, message: `could not open the socket: ${(err as Error).message}` });
      return;
    }
    this.startProbe(generation);
  }

  private async onQr(qr: string) {
    if (!this.sawQrThisConnection) {
      this.sawQrThisConnection = true;
      this.qrSeries += 1;
    }
    // A refreshed code keeps the state (and its `since`); only the QR changes.
    await this.transition('QR_REQUIRED', { qr, lastError: null });
  }

  private async onOpen(account: WaAccount) {
    this.attempts = 0;
    this.qrSeries = 0;
    this.lastTraffic = performance.now();
    await this.transition('READY', { account, lastError: null });
  }

  private async onClose(reason: WaCloseReason) {
    this.dropSocket();
    if (this.stopped) return;
    if (reason.loggedOut) {
      await this.ctx.repo.forgetCredentials(this.key);
      await this.transition('LOGGED_OUT', { lastError: reason.message, account: null });
      await this.ctx.hooks.loggedOut(this, 'phone');
      return;
    }
    if (reason.restartRequired) {
      // Right after a scan WhatsApp closes once and expects us back at once, with the new creds.
      if (this.state === 'QR_REQUIRED') await this.transition('INITIALIZING');
      await this.connect();
      return;
    }
    if (reason.qrExpired || (this.state === 'QR_REQUIRED' && this.sawQrThisConnection)) {
      if (this.qrSeries >= this.ctx.timings.maxQrSeries) {
        await this.transition('DISCONNECTED', { lastError: 'nobody scanned the QR code in time' });
        return;
      }
      await this.connect();
      return;
    }
    if (reason.fatal) {
      await this.transition('FAILED', { lastError: reason.message });
      return;
    }
    this.scheduleReconnect(reason.message);
  }

  private scheduleReconnect(message: string) {
    this.attempts += 1;
    if (this.attempts > this.ctx.timings.maxReconnectAttempts) {
      void this.serial(() => this.transition('FAILED', { lastError: `gave up after ${this.ctx.timings.maxReconnectAttempts} reconnects: ${message}` }));
      return;
    }
    const delay = backoffDelay(this.attempts, this.ctx.timings);
    void this.serial(() => this.transition('RECONNECTING', { lastError: message }));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.serial(() => this.connect());
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Attempts so far and the delay before the next one (for tests and logs). */
  get reconnectAttempts() {
    return this.attempts;
  }

  /**
   * A connection can stay "open" while nothing flows (a half-dead TCP link, a stuck proxy). While
   * READY, a silence longer than `silenceMs` gets a ping; no answer in time → reconnect.
   */
  private startProbe(generation: number) {
    this.stopProbe();
    const { probeIntervalMs, silenceMs, pingTimeoutMs } = this.ctx.timings;
    this.probeTimer = setInterval(() => {
      if (generation !== this.generation || this.state !== 'READY' || this.probing || !this.socket) return;
      if (performance.now() - this.lastTraffic < silenceMs) return;
      const socket = this.socket;
      this.probing = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to a ping in ${pingTimeoutMs} ms`)), pingTimeoutMs);
      });
      Promise.race([socket.ping(), timeout])
        .then(() => {
          this.lastTraffic = performance.now();
        })
        .catch((err: Error) => {
          if (generation !== this.generation) return;
          this.ctx.logger.warn({ channelId: this.channelId, reason: err.message }, 'WhatsApp Web link is silent: forcing a reconnect');
          void this.serial(() => this.onClose({ loggedOut: false, restartRequired: false, qrExpired: false, fatal: false, code: null, message: `health probe: silent for ${Math.round(silenceMs / 1000)} s and ${err.message}` }));
        })
        .finally(() => {
          clearTimeout(timer);
          this.probing = false;
        });
    }, probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbe() {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  private dropSocket() {
    this.generation += 1;
    this.stopProbe();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.end();
    } catch {
      // already closed
    }
  }

  /** Unlinks the device (from the phone's list too, when connected) and forgets the credentials. */
  logout(): Promise<void> {
    return this.serial(async () => {
      const socket = this.socket;
      this.generation += 1; // the close that logout() provokes is ours, not news
      if (socket) await socket.logout().catch((err: Error) => this.ctx.logger.warn({ channelId: this.channelId, reason: err.message }, 'WhatsApp Web logout did not reach WhatsApp'));
      this.dropSocket();
      await this.ctx.repo.forgetCredentials(this.key);
      await this.transition('LOGGED_OUT', { lastError: null, account: null });
      await this.ctx.hooks.loggedOut(this, 'user');
    });
  }

  /** Stops the socket. `park` records why (the channel was disabled); without it the state stays for the next holder. */
  stop(options: { park?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.dropSocket();
    return this.serial(async () => {
      if (options.park && this.state !== 'DISCONNECTED' && canTransition(this.state, 'DISCONNECTED')) await this.transition('DISCONNECTED', { lastError: PARKED_BY_DISABLE });
    });
  }

  /** Which numbers have WhatsApp, in batches, one batch at a time and no faster than the configured pace. */
  async checkOnWhatsApp(numbers: string[]) {
    const { checkBatchSize, checkIntervalMs } = this.ctx.timings;
    const results: { number: string; exists: boolean; jid: string | null }[] = [];
    for (let i = 0; i < numbers.length; i += checkBatchSize) {
      const now = performance.now();
      const at = Math.max(now, this.nextCheckAt);
      this.nextCheckAt = at + checkIntervalMs;
      if (at > now) await new Promise((r) => setTimeout(r, at - now));
      if (this.state !== 'READY' || !this.socket) throw new SessionNotReady(this.state);
      results.push(...(await this.socket.onWhatsApp(numbers.slice(i, i + checkBatchSize))));
    }
    return results;
  }

  /** Waits until every queued step ran (tests, shutdown). */
  settled() {
    return this.queue;
  }
}

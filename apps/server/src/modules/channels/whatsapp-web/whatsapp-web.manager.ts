import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../platform/logger';
import type { Clock } from '../../../platform/clock';
import type { SessionRepository } from './whatsapp-web.repository';
import { LiveSession, DEFAULT_TIMINGS, PARKED_BY_DISABLE, type SessionHooks, type SessionTimings } from './whatsapp-web.session';
import { PARKED_STATES } from './whatsapp-web.state';
import type { WaSocketFactory } from './socket';

const key = (tenantId: string, channelId: string) => `${tenantId}/${channelId}`;

/**
 * Runs the WhatsApp Web sessions of this process (one that does background work). Each session is
 * held by one process at a time through a lease on its row, renewed every tick; a process that dies
 * stops renewing and another takes the session over. Every tick also picks up new channels and the
 * restart/logout commands the API wrote, so the HTTP side never needs to reach this process.
 */
export function createSessionManager(options: {
  repo: SessionRepository;
  factory: WaSocketFactory;
  logger: Logger;
  clock: Clock;
  hooks: SessionHooks;
  timings?: Partial<SessionTimings>;
  tickMs?: number;
  leaseMs?: number;
}) {
  const { repo, logger, clock } = options;
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const tickMs = options.tickMs ?? 5_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const sessions = new Map<string, LiveSession>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  async function visitTenant(tenantId: string, seen: Set<string>) {
    const now = clock.now();
    for (const channel of await repo.channelsOf(tenantId)) {
      const k = key(tenantId, channel.channelId);
      seen.add(k);
      const live = sessions.get(k);
      const ids = { tenantId, channelId: channel.channelId };
      if (channel.status !== 'active') {
        if (live) {
          sessions.delete(k);
          await live.stop({ park: true });
          await repo.release({ ...ids, owner });
        }
        continue;
      }
      const command = channel.session?.command ?? null;
      if (live) {
        if (!(await repo.renew({ ...ids, owner, now, leaseMs }))) {
          // Another process took the session over (we stalled past the lease): let it have it.
          sessions.delete(k);
          await live.stop();
          continue;
        }
        if (command) {
          await repo.update(ids, { command: null, commandAt: null });
          await (command === 'logout' ? live.logout() : live.start());
        }
        continue;
      }
      const session = channel.session;
      const heldElsewhere = session?.leaseOwner && session.leaseOwner !== owner && session.leaseUntil && session.leaseUntil > now;
      if (heldElsewhere) continue;
      // Parked until someone restarts it — unless it parked only because its channel was disabled.
      const parked = session && PARKED_STATES.includes(session.state) && session.lastError !== PARKED_BY_DISABLE;
      if (parked && !command) continue;
      const row = await repo.claim({ ...ids, owner, now, leaseMs });
      if (!row) continue;
      const fresh = new LiveSession(tenantId, channel.channelId, row, { repo, factory: options.factory, logger, timings, hooks: options.hooks });
      if (row.command) await repo.update(ids, { command: null, commandAt: null });
      if (row.command === 'logout') {
        // Nothing is connected here: forgetting the credentials is the whole logout.
        await fresh.logout();
        await repo.release({ ...ids, owner });
        continue;
      }
      sessions.set(k, fresh);
      await fresh.start();
    }
  }

  async function tickOnce() {
    const seen = new Set<string>();
    for (const tenantId of await repo.tenantIds()) await visitTenant(tenantId, seen);
    // Channels deleted since the last tick.
    for (const [k, live] of sessions) {
      if (seen.has(k)) continue;
      sessions.delete(k);
      await live.stop();
    }
  }

  /** One pass: renew, pick up new channels and commands. Concurrent calls share a pass (plus one more). */
  async function tick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await tickOnce();
        } while (again);
      } catch (err) {
        logger.error({ err }, 'WhatsApp Web session manager tick failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    owner,
    tick,
    /** Someone just created a channel or asked for a command: look now rather than at the next tick. */
    nudge() {
      if (timer) void tick();
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
      void tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      for (const [k, live] of sessions) {
        sessions.delete(k);
        await live.stop();
        await repo.release({ tenantId: live.tenantId, channelId: live.channelId, owner });
      }
    },
    session: (tenantId: string, channelId: string) => sessions.get(key(tenantId, channelId)) ?? null,
  };
}

export type SessionManager = ReturnType<typeof createSessionManager>;

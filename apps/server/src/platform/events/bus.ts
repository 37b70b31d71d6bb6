import { EventEmitter } from 'node:events';
import type { Sql } from 'postgres';
import type { Logger } from '../logger';

/**
 * A realtime event. It always belongs to one tenant; `userId` narrows it to one user of that
 * tenant (for instance that user's unread counters).
 */
export type BusEvent = {
  type: string;
  tenantId: string;
  userId?: string | null;
  data: unknown;
};

export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  /** Several events, in order, at the cost of one (one NOTIFY statement on PostgreSQL). */
  publishMany(events: BusEvent[]): Promise<void>;
  subscribe(listener: (event: BusEvent) => void): () => void;
  /** Starts hearing other processes (after migrations: the listening role may not exist before). */
  start(): Promise<void>;
  close(): Promise<void>;
}

const CHANNEL = 'leadmaster_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_NOTIFY_BYTES = 7900;

class LocalBus implements EventBus {
  protected emitter = new EventEmitter().setMaxListeners(0);
  async publish(event: BusEvent) {
    this.deliver(event);
  }
  async publishMany(events: BusEvent[]) {
    for (const event of events) await this.publish(event);
  }
  subscribe(listener: (event: BusEvent) => void) {
    this.emitter.on('event', listener);
    return () => void this.emitter.off('event', listener);
  }
  deliver(event: BusEvent) {
    this.emitter.emit('event', event);
  }
  async start() {}
  async close() {
    this.emitter.removeAllListeners();
  }
}

/** One process (the embedded database): events stay in memory. */
export function createLocalBus(): EventBus {
  return new LocalBus();
}

/**
 * Several processes against one PostgreSQL: every event goes through NOTIFY and every process,
 * the publisher included, delivers what it hears. One path means one delivery per process.
 */
export function createPostgresBus(options: { sql: Sql; logger: Logger }): EventBus {
  let subscription: { unlisten(): Promise<void> } | null = null;
  const bus = new (class extends LocalBus {
    override async publish(event: BusEvent) {
      let payload = JSON.stringify(event);
      if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
        // Too big for NOTIFY: clients get a hint to refetch instead of the data itself.
        payload = JSON.stringify({ ...event, data: { truncated: true } });
      }
      await options.sql`select pg_notify(${CHANNEL}, ${payload})`;
    }
    override async publishMany(events: BusEvent[]) {
      if (events.length <= 1) return events[0] ? this.publish(events[0]) : undefined;
      // Events in order, packed into as few notifications as fit (a JSON array each): a drain's batch
      // of 500 messages (1,000 events of 700-800 bytes) is about 100 notifications instead of 1,000.
      const packs: string[] = [];
      let pack: string[] = [];
      let bytes = 2;
      for (const event of events) {
        let payload = JSON.stringify(event);
        let size = Buffer.byteLength(payload);
        if (size > MAX_NOTIFY_BYTES - 2) {
          payload = JSON.stringify({ ...event, data: { truncated: true } });
          size = Buffer.byteLength(payload);
        }
        if (pack.length && bytes + 1 + size > MAX_NOTIFY_BYTES) {
          packs.push(`[${pack.join(',')}]`);
          pack = [];
          bytes = 2;
        }
        pack.push(payload);
        bytes += size + (pack.length > 1 ? 1 : 0);
      }
      packs.push(`[${pack.join(',')}]`);
      // In order, one pg_notify per pack, as one statement. The packs travel as one JSON text (a json
      // array's elements come out as the very text that went in): no array literal to escape every
      // quote of every payload into, as a text[] parameter was.
      await options.sql`select pg_notify(${CHANNEL}, p::text) from json_array_elements(${`[${packs.join(',')}]`}::text::json) with ordinality as u(p, n) order by n`;
    }
    override async start() {
      subscription ??= await options.sql.listen(CHANNEL, (payload) => {
        try {
          const parsed = JSON.parse(payload) as BusEvent | BusEvent[];
          // A pack of events (publishMany) or one (publish).
          if (Array.isArray(parsed)) for (const event of parsed) this.deliver(event);
          else this.deliver(parsed);
        } catch (err) {
          options.logger.warn({ err }, 'dropped an unreadable realtime event');
        }
      });
    }
    override async close() {
      await subscription?.unlisten();
      await super.close();
    }
  })();
  return bus;
}

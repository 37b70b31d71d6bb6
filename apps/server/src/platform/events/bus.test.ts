import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, usingRealPostgres, type TestDatabase } from '../../../test/db';
import { createLogger } from '../logger';
import { createPostgresBus, type BusEvent, type EventBus } from './bus';

/**
 * The PostgreSQL bus: what one process publishes, every process hears, in order and unchanged. A
 * batch of events (a drain's batch: a message.created and a conversation.updated per message) goes
 * out packed into as few notifications as fit under PostgreSQL's 8,000-byte limit.
 */
const onPostgres = usingRealPostgres();

describe.skipIf(!onPostgres)('the PostgreSQL event bus', () => {
  let db: TestDatabase;
  let publisher: EventBus;
  let listener: EventBus;
  beforeAll(async () => {
    db = await openTestDatabase();
    const logger = createLogger({ level: 'silent' });
    publisher = createPostgresBus({ sql: db.sql, logger });
    listener = createPostgresBus({ sql: db.sql, logger });
    await listener.start();
  });
  afterAll(async () => {
    await listener?.close();
    await publisher?.close();
    await db?.close();
  });

  it('delivers a batch in order and unchanged, packed into few notifications, a too-big event as a hint to refetch', async () => {
    const tenantId = '0193a000-0000-7000-8000-000000000001';
    const events: BusEvent[] = Array.from({ length: 300 }, (_, i) => ({
      tenantId,
      type: i % 2 ? 'conversation.updated' : 'message.created',
      // Quotes, backslashes, accents, an emoji, a lone surrogate and a NUL: what message bodies hold.
      data: { n: i, body: `"Hola" \\ acción ☕ ${i % 7 === 0 ? '\uD800' : ''}${i % 11 === 0 ? '\u0000' : ''}`, at: new Date(1767225600000 + i).toISOString() },
    }));
    events[150] = { tenantId, userId: '0193a000-0000-7000-8000-000000000009', type: 'message.created', data: { n: 150, body: 'x'.repeat(9000) } };
    const heard: BusEvent[] = [];
    const unsubscribe = listener.subscribe((e) => void (e.tenantId === tenantId && heard.push(e)));
    let notifications = 0;
    const raw = await db.sql.listen('leadmaster_events', (payload) => void (payload.includes(tenantId) && notifications++));
    try {
      await publisher.publishMany(events);
      const deadline = Date.now() + 20_000;
      while (heard.length < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      unsubscribe();
      await raw.unlisten();
    }
    const expected = events.map((e, i) => (i === 150 ? { ...e, data: { truncated: true } } : JSON.parse(JSON.stringify(e))));
    expect(heard).toEqual(expected);
    // About 150 bytes an event: ~50 to a notification. One notification each would be 300.
    expect(notifications).toBeLessThan(20);
  });
});

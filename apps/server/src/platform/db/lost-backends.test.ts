import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { usingRealPostgres } from '../../../test/db';
import { until } from '../../../test/until';

/**
 * Every way a postgres.js query can meet a backend the server terminates (pg_terminate_backend, a
 * failover, a restart): each test terminates the backend at one moment and asserts that what was
 * asked settles within a few seconds — rejected with a connection error, or answered on a fresh
 * connection when it had not been sent yet. A query that stays unsettled hangs whatever awaits it
 * (decision 0047; postgres.js 3.4.9 as patched in patches/postgres+3.4.9.patch).
 *
 * Moments that a plain terminate cannot hit on purpose (the server's FATAL already read but its
 * socket not yet closed, a backend terminated while the client is still connecting) go through a
 * TCP proxy that holds what the server sends until the test lets it through.
 */

const url = process.env.TEST_DATABASE_URL ?? '';
const SETTLE_MS = 5_000;
const CONNECTION_ERRORS = ['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01'];

type Outcome = { state: 'resolved'; value: unknown } | { state: 'rejected'; code: string } | { state: 'pending' };

/** What `p` came to within `ms` (or that it is still pending). */
async function outcome(p: PromiseLike<unknown>, ms = SETTLE_MS): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ state: 'pending' }), ms)));
  const settled = Promise.resolve(p).then(
    (value): Outcome => ({ state: 'resolved', value }),
    (err: { code?: string; errno?: string; message?: string }): Outcome => ({ state: 'rejected', code: String(err?.code ?? err?.errno ?? err?.message) }),
  );
  return Promise.race([settled, pending]).finally(() => clearTimeout(timer));
}

const rejectedByConnection = (o: Outcome) => o.state === 'rejected' && CONNECTION_ERRORS.includes(o.code);

/** Waits (polling every 10 ms) for what a terminated backend or the proxy does next. */
const settled = <T>(what: string, read: () => T | Promise<T>) => until(what, read, { ms: SETTLE_MS, everyMs: 10 });

/** One client connection through the proxy, and what the server sends it, held on demand. */
class Link {
  fromClient = '';
  clientClosed = false;
  private held: Buffer[] | null = null;
  private endHeld = false;
  private serverEnded = false;
  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    options: { held?: boolean; holdOnceSent?: string } = {},
  ) {
    if (options.held) this.hold();
    client.on('data', (x) => {
      this.fromClient += x.toString('latin1');
      if (options.holdOnceSent && this.fromClient.includes(options.holdOnceSent)) this.hold();
      upstream.write(x);
    });
    client.on('end', () => upstream.end());
    client.on('close', () => (this.clientClosed = true));
    client.on('error', () => upstream.destroy());
    upstream.on('data', (x) => (this.held ? this.held.push(x) : client.write(x)));
    upstream.on('end', () => {
      this.serverEnded = true;
      if (!this.held && !this.endHeld) client.end();
    });
    upstream.on('error', () => client.destroy());
  }
  /** From now on, what the server sends waits here (`let`) instead of reaching the client. */
  hold() {
    this.held ??= [];
  }
  /** The server's end of the connection (its FIN) waits here; its bytes still go through. */
  holdEnd() {
    this.endHeld = true;
  }
  get ended() {
    return this.serverEnded;
  }
  /** Lets through what was held (only the messages `keep` accepts, by type byte), then the end if the server ended. */
  let(keep: (type: string) => boolean = () => true) {
    const bytes = Buffer.concat(this.held ?? []);
    this.held = null;
    this.endHeld = false;
    this.client.write(Buffer.concat(messages(bytes).filter((m) => keep(String.fromCharCode(m[0]!)))));
    if (this.serverEnded) this.client.end();
  }
  /** The backend serving this link (PostgreSQL sees the proxy's side of the link). */
  async backendPid(admin: Sql): Promise<number> {
    return settled('the backend of a proxied link', async () => (await admin<{ pid: number }[]>`select pid from pg_stat_activity where client_port = ${this.upstream.localPort!} and backend_type = 'client backend'`)[0]?.pid);
  }
}

/** Splits server bytes into protocol messages (type byte + length). */
function messages(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const length = bytes.readUInt32BE(at + 1);
    out.push(bytes.subarray(at, at + 1 + length));
    at += 1 + length;
  }
  return out;
}

class Proxy {
  readonly links: Link[] = [];
  /** How the next links start: held from their first byte, or once the client sent a text. */
  nextLinks: { held?: boolean; holdOnceSent?: string } = {};
  private server!: net.Server;
  port = 0;
  async start() {
    const target = new URL(url);
    this.server = net.createServer({ allowHalfOpen: true }, (client) => {
      const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5432), allowHalfOpen: true });
      this.links.push(new Link(client, upstream, this.nextLinks));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async next(count: number) {
    await settled(`proxied connection #${count}`, () => this.links.length >= count);
    return this.links[count - 1]!;
  }
  async stop() {
    for (const l of this.links) {
      l.client.destroy();
      l.upstream.destroy();
    }
    await new Promise((r) => this.server.close(r));
  }
}

let admin: Sql;
const opened: Sql[] = [];
/** Rejections nobody handled (postgres.js's own array types lookup on a connection lost while connecting). */
const unhandled: unknown[] = [];
const recordUnhandled = (reason: unknown) => unhandled.push(reason);

/** A client as the server makes them (prepared statements, array types fetched on connect), under a name of its own. */
function client(options: { max: number; proxy?: Proxy }): Sql & { tag: string; closes: number } {
  const tag = `lm-lost-${randomBytes(4).toString('hex')}`;
  const counts = { tag, closes: 0 };
  const target = new URL(url);
  const sql = postgres(url, {
    max: options.max,
    prepare: true,
    idle_timeout: 60,
    connect_timeout: 30,
    onnotice: () => undefined,
    onclose: () => void counts.closes++,
    connection: { application_name: tag },
    ...(options.proxy ? { host: '127.0.0.1', port: options.proxy.port, database: target.pathname.slice(1), username: decodeURIComponent(target.username) } : {}),
  });
  opened.push(sql);
  return Object.defineProperties(sql, { tag: { value: tag }, closes: { get: () => counts.closes } }) as Sql & typeof counts;
}

/** A client whose connections are open and idle (`max` of them), as in a running server. */
async function ready(options: { max: number; proxy?: Proxy }) {
  const sql = client(options);
  await Promise.all(Array.from({ length: options.max }, () => sql`select pg_sleep(0.05)`));
  return sql;
}

/** Terminates the backend running the statement that contains `marker` (once it runs). */
async function terminateRunning(marker: string) {
  const pid = await settled(`a running statement marked ${marker}`, async () => (await admin<{ pid: number }[]>`select pid from pg_stat_activity where state = 'active' and query like ${'%' + marker + '%'} and pid <> pg_backend_pid()`)[0]?.pid);
  await terminate(pid);
}

async function terminate(pid: number) {
  await admin`select pg_terminate_backend(${pid}::int)`;
  await settled(`backend ${pid} to end`, async () => (await admin`select 1 from pg_stat_activity where pid = ${pid}::int`).length === 0);
}

const pidOf = async (sql: Sql) => (await sql<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
const one = async (sql: Sql) => (await sql<{ one: number }[]>`select 1 as one`)[0]!.one;
/** A statement that runs until its backend goes (postgres.js sends a query once it is awaited or executed). */
const sleeping = (sql: Pick<Sql, 'unsafe'>, marker: string) => sent(sql.unsafe(`select pg_sleep(30), '${marker}'`));
/** Sends `q` now; its rejection is looked at later (by `outcome`), not reported as unhandled meanwhile. */
function sent<T>(q: { execute(): Promise<T> }): Promise<T> {
  const p = q.execute();
  p.catch(() => undefined);
  return p;
}

describe.skipIf(!usingRealPostgres())('queries whose backend the server terminates settle', () => {
  beforeAll(() => {
    admin = postgres(url, { max: 1, onnotice: () => undefined });
    process.on('unhandledRejection', recordUnhandled);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((sql) => sql.end({ timeout: 1 }).catch(() => undefined)));
    // A lost connection is reported to whoever waits on it, never as an unhandled rejection (which
    // ends a process: decision 0040).
    expect(unhandled.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', recordUnhandled);
    await admin?.end();
  });

  describe('reserved connections (sql.reserve)', () => {
    it('rejects the statement that was running', async () => {
      const sql = await ready({ max: 2 });
      const reserved = await sql.reserve();
      const running = sleeping(reserved, 'r-running');
      await terminateRunning('r-running');
      expect(rejectedByConnection(await outcome(running))).toBe(true);
      reserved.release();
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('rejects the statements queued behind a busy reserved connection', async () => {
      const sql = await ready({ max: 2 });
      const reserved = await sql.reserve();
      // A statement with parameters not prepared yet is described first: the connection takes no
      // more until it is, and what follows waits in the reservation's own queue.
      const running = sent(reserved`select pg_sleep(${30}), 'r-queued'`);
      const queued = [sent(reserved`select ${1}::int as one`), sent(reserved`select 2`)];
      await terminateRunning('r-queued');
      for (const q of [running, ...queued]) expect(rejectedByConnection(await outcome(q))).toBe(true);
      reserved.release();
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('rejects a statement sent after the connection closed, and release() leaves the pool working', async () => {
      const sql = await ready({ max: 1 });
      const reserved = await sql.reserve();
      await terminate(await pidOf(reserved));
      await settled('the client to see the connection closed', () => sql.closes === 1);
      expect(rejectedByConnection(await outcome(one(reserved)))).toBe(true);
      reserved.release();
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('rejects a statement sent after the server said FATAL but before its socket closed', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        const reserved = await sql.reserve();
        const link = await proxy.next(1);
        link.holdEnd();
        await terminate(await link.backendPid(admin));
        await settled('the server to end the link', () => link.ended);
        const late = one(reserved);
        await settled('the statement to be sent', () => link.fromClient.includes('select 1 as one'));
        link.let();
        expect(rejectedByConnection(await outcome(late))).toBe(true);
        reserved.release();
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });

    it('hands a waiting reserve() a connection when the busy one it waits for is terminated (porsager/postgres#1195)', async () => {
      const sql = await ready({ max: 1 });
      const busy = sleeping(sql, 'r-waiting');
      await settled('the busy statement', async () => (await admin`select 1 from pg_stat_activity where state = 'active' and query like '%r-waiting%' and pid <> pg_backend_pid()`).length > 0);
      const waiting = sql.reserve();
      await terminateRunning('r-waiting');
      expect(rejectedByConnection(await outcome(busy))).toBe(true);
      const got = await outcome(waiting);
      expect(got.state).toBe('resolved');
      if (got.state === 'resolved') {
        const reserved = got.value as Awaited<ReturnType<Sql['reserve']>>;
        expect(await outcome(one(reserved))).toEqual({ state: 'resolved', value: 1 });
        reserved.release();
      }
    });

    it('settles a reserve() whose new connection is terminated during authentication', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        proxy.nextLinks = { held: true };
        const reserving = sql.reserve();
        reserving.catch(() => undefined);
        const link = await proxy.next(1);
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        // Only the FATAL reaches the client, as if the backend went before authenticating it.
        link.let((type) => type === 'E');
        expect(rejectedByConnection(await outcome(reserving))).toBe(true);
        // Once the client has closed the dead connection, the failed reservation must not be handed
        // the pool's next one (it would be lost to the pool, and every statement after it would wait forever).
        await settled('the client to close the link', () => link.clientClosed);
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });

    it('settles a reserve() whose new connection is terminated right after starting up', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        proxy.nextLinks = { held: true };
        const reserving = sql.reserve();
        reserving.catch(() => undefined);
        const link = await proxy.next(1);
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        link.let();
        // The reservation was not made yet: it gets the next connection.
        const got = await outcome(reserving);
        expect(got.state).toBe('resolved');
        const reserved = (got as { value: Awaited<ReturnType<Sql['reserve']>> }).value;
        expect(await outcome(one(reserved))).toEqual({ state: 'resolved', value: 1 });
        reserved.release();
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });

    it('settles a reserve() whose new connection is terminated while it looks up array types', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        proxy.nextLinks = { holdOnceSent: 'pg_catalog.pg_type' };
        const reserving = sql.reserve();
        reserving.catch(() => undefined);
        const link = await proxy.next(1);
        await settled('the array types lookup', () => link.fromClient.includes('pg_catalog.pg_type'));
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        // The lookup's answer never arrives, only the FATAL.
        link.let((type) => type === 'E');
        // The reservation was not made yet: it gets the next connection.
        const got = await outcome(reserving);
        expect(got.state).toBe('resolved');
        const reserved = (got as { value: Awaited<ReturnType<Sql['reserve']>> }).value;
        expect(await outcome(one(reserved))).toEqual({ state: 'resolved', value: 1 });
        reserved.release();
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });
  });

  describe('transactions (sql.begin)', () => {
    it('rejects the transaction and the statement that was running', async () => {
      const sql = await ready({ max: 1 });
      let running: Promise<unknown> | null = null;
      const tx = sql.begin((t) => (running = sleeping(t, 't-running')));
      tx.catch(() => undefined);
      await terminateRunning('t-running');
      expect(rejectedByConnection(await outcome(tx))).toBe(true);
      expect(rejectedByConnection(await outcome(running!))).toBe(true);
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('rejects the statements queued in the transaction behind a busy one (porsager/postgres#1186)', async () => {
      const sql = await ready({ max: 1 });
      const queued: PromiseLike<unknown>[] = [];
      const tx = sql.begin((t) => {
        queued.push(sent(t`select pg_sleep(${30}), 't-queued'`), sent(t`select ${1}::int as one`), sent(t`select 2`));
        return Promise.all(queued);
      });
      tx.catch(() => undefined);
      await terminateRunning('t-queued');
      expect(rejectedByConnection(await outcome(tx))).toBe(true);
      for (const q of queued) expect(rejectedByConnection(await outcome(q))).toBe(true);
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('rejects a statement the transaction sends after its connection closed, which runs nowhere else', async () => {
      const sql = await ready({ max: 1 });
      const key = Math.floor(Math.random() * 1e9);
      let late: PromiseLike<unknown> | null = null;
      const tx = sql.begin(async (t) => {
        await sleeping(t, 't-late').then(undefined, () => undefined);
        late = sent(t`select pg_advisory_lock(${key}::bigint)`);
        return late;
      });
      tx.catch(() => undefined);
      // Waiting for the pool's only connection: it takes the connection again once the transaction's is gone.
      const next = sent(sql`select 1 as one`);
      await terminateRunning('t-late');
      expect(rejectedByConnection(await outcome(tx))).toBe(true);
      await settled('the late statement', () => late !== null);
      expect(rejectedByConnection(await outcome(late!))).toBe(true);
      expect(await outcome(next)).toMatchObject({ state: 'resolved' });
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      const held = await admin`select 1 from pg_locks where locktype = 'advisory' and objid = ${key}::bigint::oid`;
      expect(held).toHaveLength(0);
    });
  });

  describe('pooled statements', () => {
    it('rejects the statement that was running and those pipelined behind it on its connection', async () => {
      const sql = await ready({ max: 1 });
      const running = sleeping(sql, 'p-running');
      const pipelined = [sent(sql`select 2`), sent(sql`select 3`)];
      await terminateRunning('p-running');
      for (const q of [running, ...pipelined]) expect(rejectedByConnection(await outcome(q))).toBe(true);
      expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
    });

    it('answers the statements waiting for a connection on a fresh one', async () => {
      const sql = await ready({ max: 1 });
      // Described first, this statement keeps the connection to itself: the others wait in the pool.
      const running = sent(sql`select pg_sleep(${30}), 'p-waiting'`);
      const waiting = [sent(sql`select ${1}::int as one`), sent(sql`select ${2}::int as one`)];
      await terminateRunning('p-waiting');
      expect(rejectedByConnection(await outcome(running))).toBe(true);
      expect(await outcome(waiting[0]!)).toMatchObject({ state: 'resolved' });
      expect(await outcome(waiting[1]!)).toMatchObject({ state: 'resolved' });
    });

    it('rejects a statement sent after the server said FATAL but before its socket closed', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        expect(await one(sql)).toBe(1);
        const link = await proxy.next(1);
        link.holdEnd();
        await terminate(await link.backendPid(admin));
        await settled('the server to end the link', () => link.ended);
        const late = sent(sql`select 2 as two`);
        await settled('the statement to be sent', () => link.fromClient.includes('select 2 as two'));
        link.let();
        expect(rejectedByConnection(await outcome(late))).toBe(true);
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });

    it('settles a statement whose new connection is terminated during authentication', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        proxy.nextLinks = { held: true };
        const first = sent(sql`select 1 as one`);
        const link = await proxy.next(1);
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        link.let((type) => type === 'E');
        expect(rejectedByConnection(await outcome(first))).toBe(true);
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });

    it('settles a statement whose new connection is terminated while it looks up array types', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        proxy.nextLinks = { holdOnceSent: 'pg_catalog.pg_type' };
        const first = sent(sql`select 1 as one`);
        const link = await proxy.next(1);
        await settled('the array types lookup', () => link.fromClient.includes('pg_catalog.pg_type'));
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        // The lookup's answer never arrives, only the FATAL.
        link.let((type) => type === 'E');
        // It was never sent: it runs on the next connection (not failed with the dead one's FATAL).
        expect(await outcome(first)).toEqual({ state: 'resolved', value: [{ one: 1 }] });
        expect(await outcome(one(sql))).toEqual({ state: 'resolved', value: 1 });
      });
    });
  });

  describe('LISTEN connections (sql.listen)', () => {
    const delivered = async (sql: Sql, channel: string, seen: string[]) => {
      // Notified until it arrives: the listener is subscribed again on a new connection after a loss.
      const payload = randomBytes(4).toString('hex');
      await settled('a notification', async () => {
        await sql.notify(channel, payload);
        await new Promise((r) => setTimeout(r, 50));
        return seen.includes(payload);
      });
    };

    it('listens again on a new connection after its connection is terminated', async () => {
      const sql = await ready({ max: 1 });
      const seen: string[] = [];
      await sql.listen('lm_lost', (x) => seen.push(x));
      const [listener] = await admin<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${sql.tag} and query ilike 'listen%'`;
      await terminate(listener!.pid);
      await delivered(sql, 'lm_lost', seen);
    });

    it('settles a listen() whose LISTEN was sent when its connection was terminated', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        expect(await one(sql)).toBe(1);
        proxy.nextLinks = { holdOnceSent: 'listen' };
        const seen: string[] = [];
        const listening = sql.listen('lm_lost_sent', (x) => seen.push(x));
        listening.catch(() => undefined);
        const link = await proxy.next(2);
        await settled('the LISTEN to be sent', () => link.fromClient.includes('listen'));
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        link.let((type) => type === 'E');
        expect(rejectedByConnection(await outcome(listening))).toBe(true);
        await delivered(sql, 'lm_lost_sent', seen);
      });
    });

    it('settles a listen() whose new connection is terminated during authentication', async () => {
      await withProxy(async (proxy) => {
        const sql = client({ max: 1, proxy });
        expect(await one(sql)).toBe(1);
        proxy.nextLinks = { held: true };
        const seen: string[] = [];
        const listening = sql.listen('lm_lost_auth', (x) => seen.push(x));
        listening.catch(() => undefined);
        const link = await proxy.next(2);
        proxy.nextLinks = {};
        await terminate(await link.backendPid(admin));
        link.let((type) => type === 'E');
        expect(rejectedByConnection(await outcome(listening))).toBe(true);
        await delivered(sql, 'lm_lost_auth', seen);
      });
    });
  });
});

async function withProxy(fn: (proxy: Proxy) => Promise<void>) {
  const proxy = new Proxy();
  await proxy.start();
  try {
    await fn(proxy);
  } finally {
    await Promise.all(opened.splice(0).map((sql) => sql.end({ timeout: 1 }).catch(() => undefined)));
    await proxy.stop();
  }
}

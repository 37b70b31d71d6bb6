import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createHistogram } from 'node:perf_hooks';
import { createSql } from '../../apps/server/src/platform/db/database';
import { socketPathFor } from '../../apps/server/src/platform/db/embedded/embedded';
import { fetchCaller, provisionBenchTenant } from '../lib/bench-tenant';
import { startServerProcess } from '../lib/server-process';
import { startAutovacuumStandIn } from '../lib/autovacuum';
import type { Cleanup } from '../lib/cleanup';
import type { Figure, Scenario } from '../lib/types';

const APP_SECRET = 'bench-app-secret';
const PHONE_NUMBER_ID = '106540352242922';
const CONNECTIONS = 16;
/** A provider delivering more webhooks in parallel (Meta does, for a busy number): group commit fills bigger batches. */
const MANY_CONNECTIONS = 64;
/** Serial one-row commits measured for the durability floor. */
const FLOOR_COMMITS = 200;
const EMPTY_SERVER = fileURLToPath(new URL('../lib/empty-server.mjs', import.meta.url));

/** A WhatsApp Cloud API text-message webhook as Meta sends it (about 600 bytes), unique per call. */
function payload(n: number, runId: string): string {
  const from = `54911${String(40_000_000 + (n % 50_000)).padStart(8, '0')}`;
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name: `Cliente ${n % 50_000}` }, wa_id: from }],
              messages: [{ from, id: `wamid.bench.${runId}.${n}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `Hola, ¿tienen stock del modelo ${n}? ☕` } }],
            },
          },
        ],
      },
    ],
  });
}

type Load = { requestsPerSecond: number; p50Ms: number; p95Ms: number; p99Ms: number; sent: number };

/** Keeps `connections` signed webhooks in flight for `seconds`; every body is new (a new wamid). */
function load(options: { url: string; seconds: number; sign: boolean; runId: string; connections?: number }): Promise<Load> {
  const latency = createHistogram();
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections ?? CONNECTIONS,
        duration: options.seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const body = payload(n++, options.runId);
              const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
              return { ...req, body, headers: { 'content-type': 'application/json', ...(options.sign ? { 'x-hub-signature-256': signature } : {}) } };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const failures = result.non2xx + result.errors + result.timeouts;
        if (failures > 0) return reject(new Error(`${options.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`));
        resolve({ requestsPerSecond: latency.count / result.duration, p50Ms: latency.percentile(50) / 1000, p95Ms: latency.percentile(95) / 1000, p99Ms: latency.percentile(99) / 1000, sent: latency.count });
      },
    );
    instance.on('response', (_c: unknown, _s: number, _b: number, ms: number) => latency.record(Math.max(1, Math.round(ms * 1000))));
  });
}

/** How long one durable commit takes here: a one-row insert and its commit, one after another. */
async function commitFloor(owner: ReturnType<typeof createSql>): Promise<{ p50: number; p99: number }> {
  // A real table (a temporary one is not written to the write-ahead log), dropped afterwards.
  await owner.unsafe('create table if not exists bench_commit_floor_log (n int)');
  const times: number[] = [];
  try {
    for (let i = 0; i < FLOOR_COMMITS; i++) {
      const started = performance.now();
      await owner.begin((sql) => sql`insert into bench_commit_floor_log values (${i})`);
      times.push(performance.now() - started);
    }
  } finally {
    await owner.unsafe('drop table if exists bench_commit_floor_log');
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]! };
}

/** CPU time (user + system, ms) of a local process, from /proc (null where it cannot be read: not Linux, gone, another machine). */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** CPU the processes used since `before` was taken (those that ended meanwhile are left out). */
function cpuSince(before: Map<number, number | null>): number | null {
  let sum: number | null = null;
  for (const [pid, start] of before) {
    const now = cpuMs(pid);
    if (start !== null && now !== null) sum = (sum ?? 0) + now - start;
  }
  return sum;
}

async function startEmptyServer(cleanup: Cleanup): Promise<string> {
  const child = spawn(process.execPath, [EMPTY_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.defer('empty Fastify server', () => void child.kill('SIGKILL'));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`empty server exited ${code}`)));
  });
  return `http://127.0.0.1:${port}/webhook`;
}

export const webhookIngestion: Scenario = {
  name: 'webhook-ingestion',
  title: 'Webhook ingestion: WhatsApp webhooks durably stored, then turned into messages',
  description: `
Signed WhatsApp Cloud API webhooks (a text message each, about 600 bytes, a new \`wamid\` and one of
50,000 senders) posted to \`/webhooks/whatsapp/:channelId\` of a server process (\`leadmaster start\`,
API and background work) by autocannon from the bench process, ${CONNECTIONS} connections, then
${MANY_CONNECTIONS}. Each answer comes only after the raw bytes are verified (\`X-Hub-Signature-256\`)
and stored with their processing scheduled, in a committed transaction; concurrent webhooks of a
tenant share that transaction (group commit: one multi-row insert, one commit). The durability floor,
one serial commit on the same database, is measured too. The same load against a bare Fastify POST route in its own
process is the ceiling this machine allows. Afterwards the bench waits until every stored webhook has
been processed into contacts, conversations and messages, and reads from the database how long each
waited between being stored and its message being stored (\`processed_at - received_at\`).`,

  async forDatabase(ctx, database) {
    const seconds = ctx.quick ? 2 : 10;
    const runId = Math.random().toString(36).slice(2, 8);
    const emptyUrl = await startEmptyServer(ctx.cleanup);
    const server = await startServerProcess({ env: { ...database.env, LOG_LEVEL: 'warn' }, cleanup: ctx.cleanup, log: ctx.log });
    // Without autovacuum (a test server's setting) the tables that grow from empty here are never
    // analyzed, and every connection keeps the plans it made while they were tiny: the foreign-key
    // checks of each message and identity then scan the whole contacts and conversations tables
    // (measured: database CPU per processed event 363 -> 783 -> 1,413 µs over three drains of 3,000).
    if (database.kind === 'postgres') {
      const autovacuum = await startAutovacuumStandIn({ url: database.env.DATABASE_URL!, log: ctx.log });
      if (autovacuum) {
        ctx.cleanup.defer('stop the autovacuum stand-in', () => autovacuum.stop());
        ctx.note('The PostgreSQL server runs with `autovacuum = off`; as a production server would, the bench vacuums and analyzes the tables past autovacuum\'s thresholds every `autovacuum_naptime` (`lib/autovacuum.ts`).');
      }
    }
    const call = fetchCaller(server.baseUrl);
    const credentials = await provisionBenchTenant({ call, origin: server.baseUrl, permissions: ['channels.manage', 'channels.read'] });
    const channel = await call({
      method: 'POST',
      path: '/api/v1/channels',
      headers: { authorization: `Bearer ${credentials.apiKey}` },
      body: { kind: 'whatsapp_cloud', name: 'Bench', config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: 'bench-token', appSecret: APP_SECRET, verifyToken: 'bench-verify-token' } },
    });
    if (channel.status !== 201) throw new Error(`creating the channel answered ${channel.status}: ${JSON.stringify(channel.body)}`);
    const webhookUrl = `${server.baseUrl}/webhooks/whatsapp/${(channel.body as { id: string }).id}`;

    ctx.log(`${database.label}: warm-up`);
    await load({ url: emptyUrl, seconds: 1, sign: false, runId: `${runId}w` });
    await load({ url: webhookUrl, seconds: 1, sign: true, runId: `${runId}w` });
    ctx.log(`${database.label}: empty Fastify route, ${seconds} s`);
    const empty = await load({ url: emptyUrl, seconds, sign: false, runId });
    ctx.log(`${database.label}: webhooks, ${seconds} s`);
    const hooks = await load({ url: webhookUrl, seconds, sign: true, runId });
    ctx.log(`${database.label}: webhooks, ${MANY_CONNECTIONS} connections, ${seconds} s`);
    const many = await load({ url: webhookUrl, seconds, sign: true, runId: `${runId}m`, connections: MANY_CONNECTIONS });

    // Owner connection (row-level security does not apply) to read what the server did.
    const owner = database.kind === 'postgres' ? createSql({ url: database.env.DATABASE_URL! }, { max: 1 }) : createSql({ socketPath: socketPathFor(database.env.DATA_DIR!) }, { max: 1 });
    ctx.cleanup.defer('owner connection', () => owner.end({ timeout: 5 }));
    const floor = await commitFloor(owner);
    // What processing costs, per event, in the backlog left after the load (no HTTP then): CPU of the
    // server process (with PGlite, the database too) and of the database's backends when it is local.
    const backends = database.kind === 'postgres' ? (await owner<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`).map((r) => r.pid) : [];
    const serverCpu = new Map([[server.pid, cpuMs(server.pid)]]);
    const backendCpu = new Map(backends.map((pid) => [pid, cpuMs(pid)]));
    const drainStarted = Date.now();
    const [before] = await owner<{ n: number }[]>`select count(*)::int as n from inbound_events where status <> 'pending'`;
    const limitMs = ctx.quick ? 60_000 : 300_000;
    let pending = Infinity;
    while (pending > 0 && Date.now() - drainStarted < limitMs) {
      pending = (await owner<{ n: number }[]>`select count(*)::int as n from inbound_events where status = 'pending'`)[0]!.n;
      if (pending > 0) await new Promise((r) => setTimeout(r, 250));
    }
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    const [after] = await owner<{ n: number }[]>`select count(*)::int as n from inbound_events where status <> 'pending'`;
    const drained = after!.n - before!.n;
    const serverMs = cpuSince(serverCpu);
    const backendMs = cpuSince(backendCpu);
    const [stats] = await owner<{ stored: number; processed: number; dead: number; messages: number; p50: number; p95: number; p99: number; first: string; last: string }[]>`
      select count(*)::int as stored,
             count(*) filter (where status = 'processed')::int as processed,
             count(*) filter (where status = 'dead')::int as dead,
             (select count(*)::int from messages) as messages,
             percentile_cont(0.5) within group (order by extract(epoch from processed_at - received_at)) * 1000 as p50,
             percentile_cont(0.95) within group (order by extract(epoch from processed_at - received_at)) * 1000 as p95,
             percentile_cont(0.99) within group (order by extract(epoch from processed_at - received_at)) * 1000 as p99,
             min(processed_at)::text as first, max(processed_at)::text as last
        from inbound_events where provider_event_id like 'sha256:%'`;
    const processingSpan = (Date.parse(stats!.last) - Date.parse(stats!.first)) / 1000;
    ctx.note(`${CONNECTIONS} connections (and ${MANY_CONNECTIONS} for the second load), ${seconds} s per measurement after a 1 s warm-up; load generator, server (with its background processing of what was stored) and database share the machine's 2 cores.`);
    ctx.note(
      `${database.label}: every answer waits for a commit, and a commit waits for the write-ahead log to reach the disk; ${FLOOR_COMMITS} serial one-row commits took ${floor.p50.toFixed(2)} ms each (p50). With N requests in flight and a commit each, at most N per ${floor.p50.toFixed(2)} ms could be answered; the store groups concurrent webhooks of a tenant into shared commits, which is how it can go beyond that, and only by more requests in flight.`,
    );
    const figures: Figure[] = [
      { name: 'Empty Fastify POST route: throughput', value: empty.requestsPerSecond, unit: 'req/s', decimals: 0 },
      { name: 'Empty Fastify POST route: latency p99', value: empty.p99Ms, unit: 'ms', decimals: 2 },
      { name: 'Webhooks durably stored: throughput', value: hooks.requestsPerSecond, unit: 'webhooks/s', decimals: 0, ...(database.kind === 'postgres' ? { target: { op: '>=' as const, value: 5000 } } : {}) },
      { name: 'Webhooks stored: latency p50', value: hooks.p50Ms, unit: 'ms', decimals: 2 },
      { name: 'Webhooks stored: latency p99', value: hooks.p99Ms, unit: 'ms', decimals: 2, target: { op: '<', value: 50 } },
      { name: 'Throughput ratio webhooks / empty route', value: hooks.requestsPerSecond / empty.requestsPerSecond, unit: '×', decimals: 3 },
      { name: `Webhooks durably stored, ${MANY_CONNECTIONS} connections: throughput`, value: many.requestsPerSecond, unit: 'webhooks/s', decimals: 0, ...(database.kind === 'postgres' ? { target: { op: '>=' as const, value: 5000 } } : {}) },
      { name: `Webhooks stored, ${MANY_CONNECTIONS} connections: latency p50`, value: many.p50Ms, unit: 'ms', decimals: 2 },
      { name: `Webhooks stored, ${MANY_CONNECTIONS} connections: latency p99`, value: many.p99Ms, unit: 'ms', decimals: 2, target: { op: '<', value: 50 } },
      { name: 'One durable commit (serial one-row insert + commit): p50', value: floor.p50, unit: 'ms', decimals: 2, detail: `p99 ${floor.p99.toFixed(2)} ms; ${CONNECTIONS} requests with a commit each could be answered at most ${Math.round(CONNECTIONS / (floor.p50 / 1000)).toLocaleString('en-US')}/s` },
      { name: 'Webhooks stored (warm-up included)', value: stats!.stored, unit: 'events', decimals: 0, detail: `${stats!.processed} processed, ${stats!.dead} dead-lettered, ${stats!.messages} messages` },
      { name: 'Processing rate (stored → message)', value: stats!.processed / Math.max(processingSpan, 0.001), unit: 'webhooks/s', decimals: 0 },
      { name: 'Backlog drained after the load', value: drainSeconds, unit: 's', decimals: 1, detail: pending > 0 ? `${pending} still pending at the limit` : 'all processed' },
      ...(drained >= 500 && serverMs !== null
        ? [
            {
              name: 'Processing CPU per event after the load: server process',
              value: (serverMs * 1000) / drained,
              unit: 'µs',
              decimals: 0,
              detail: `${drained.toLocaleString('en-US')} events processed after the load${database.kind === 'embedded' ? ' (PGlite runs in this process)' : ''}`,
            },
          ]
        : []),
      ...(drained >= 500 && backendMs !== null ? [{ name: 'Processing CPU per event after the load: database backends', value: (backendMs * 1000) / drained, unit: 'µs', decimals: 0 }] : []),
      { name: 'Webhook stored → message stored: p50', value: stats!.p50, unit: 'ms', decimals: 0 },
      { name: 'Webhook stored → message stored: p95', value: stats!.p95, unit: 'ms', decimals: 0, target: { op: '<', value: 200 } },
      { name: 'Webhook stored → message stored: p99', value: stats!.p99, unit: 'ms', decimals: 0 },
    ];
    return figures;
  },
};

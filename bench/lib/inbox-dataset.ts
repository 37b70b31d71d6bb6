import { createHash, randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Runtime } from '../../apps/server/src/runtime';
import { createSql } from '../../apps/server/src/platform/db/database';
import { socketPathFor } from '../../apps/server/src/platform/db/embedded/embedded';
import { injectCaller, provisionBenchTenant, type HttpCall } from './bench-tenant';
import { provisionArgentineTenant } from './contacts-dataset';
import type { ScenarioContext } from './types';

/**
 * The inbox benchmark's data: tenants with one channel each, one contact and one conversation per
 * contact, and their messages, written set-based (`INSERT … SELECT generate_series`, one statement per
 * tenant and table) by an owner connection, with the secondary indexes dropped during the load and
 * rebuilt afterwards. Deterministic: the same sizes give the same rows (ids included).
 *
 * Per conversation `g` (1-based within its tenant): `messagesIn(g)` messages, one every 3 minutes from
 * the conversation's start (spread over the last year by `g`); every 1,000th conversation is a long
 * thread of 500 messages. Message `k` is outbound when `k % 3 = 0`, otherwise inbound, so a
 * conversation's unread count is `m % 3`. Bodies are three words of a 40-word Spanish/English
 * vocabulary (with accents: "acción", "información"…) after a greeting; 1 message in 10 carries an
 * order number ("pedido 40001003"), 1 in 2,000 the rare word "devolución".
 */
export type InboxSizes = { tenants: number; conversationsPerTenant: number };

/** Bumped whenever the generated rows change: a stored database with another fingerprint is rebuilt. */
const SEED_VERSION = 3;
export const LONG_THREAD_MESSAGES = 500;
const STEP_MINUTES = 3;
export const OWNER = { email: 'owner@bench.test', password: 'bench-password-123' };

/** Messages of conversation g, as the SQL computes them (avg ≈ 10). */
export const messagesIn = (g: number) => (g % 1000 === 0 ? LONG_THREAD_MESSAGES : 1 + ((g * 7919) % 18));
export function totalMessages(sizes: InboxSizes): number {
  let perTenant = 0;
  for (let g = 1; g <= sizes.conversationsPerTenant; g++) perTenant += messagesIn(g);
  return perTenant * sizes.tenants;
}

export const fingerprintOf = (sizes: InboxSizes) => createHash('sha256').update(JSON.stringify({ SEED_VERSION, ...sizes })).digest('hex').slice(0, 16);

const FIRST_NAMES = ['José', 'María', 'Sofía', 'Martín', 'Lucía', 'Andrés', 'Ramón', 'Inés', 'Julián', 'Agustín', 'Juan', 'Ana', 'Pedro', 'Laura', 'Diego', 'Carla', 'Pablo', 'Marta', 'Jorge', 'Elena'];
const LAST_NAMES = ['Pérez', 'Gómez', 'Núñez', 'Díaz', 'Fernández', 'Rodríguez', 'López', 'Martínez', 'García', 'Sánchez', 'Romero', 'Sosa', 'Álvarez', 'Torres', 'Ruiz', 'Ramírez', 'Flores', 'Acosta', 'Benítez', 'Medina'];
const GREETINGS = ['Hola', 'Buenas', 'Buen día', 'Hello', 'Hi', 'Qué tal'];
const WORDS = [
  'precio', 'acción', 'información', 'envío', 'catálogo', 'cotización', 'también', 'crédito', 'mañana', 'teléfono',
  'dirección', 'número', 'quería', 'está', 'habrá', 'último', 'garantía', 'promoción', 'descuento', 'stock',
  'modelo', 'color', 'talle', 'entrega', 'factura', 'transferencia', 'efectivo', 'cuotas', 'price', 'delivery',
  'shipping', 'order', 'please', 'thanks', 'available', 'tomorrow', 'invoice', 'discount', 'size', 'warranty',
];
const arrayLiteral = (items: string[]) => `array[${items.map((s) => `'${s.replace(/'/g, "''")}'`).join(',')}]`;

/** Helper functions for the load, dropped afterwards. Ids are UUIDv7 like the product's (time first). */
const SEED_FUNCTIONS = `
create or replace function bench_seed_uuid(ts timestamptz, n bigint) returns uuid language sql immutable as $$
  select (lpad(to_hex((extract(epoch from ts) * 1000)::bigint), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid
$$;
create or replace function bench_seed_start(g int, n int) returns timestamptz language sql immutable as $$
  select timestamptz '2026-01-01 00:00:00+00' + (g::float8 / n) * interval '300 days'
$$;
create or replace function bench_seed_messages(g int) returns int language sql immutable as $$
  select case when g % 1000 = 0 then ${LONG_THREAD_MESSAGES} else 1 + (g * 7919) % 18 end
$$;
create or replace function bench_seed_body(g int, k int) returns text language sql immutable as $$
  select (${arrayLiteral(GREETINGS)})[1 + h % ${GREETINGS.length}] || ', ' ||
         (${arrayLiteral(WORDS)})[1 + (h / 7) % ${WORDS.length}] || ' ' ||
         (${arrayLiteral(WORDS)})[1 + (h / 280) % ${WORDS.length}] || ' ' ||
         (${arrayLiteral(WORDS)})[1 + (h / 11200) % ${WORDS.length}] ||
         case when h % 10 = 3 then ' pedido ' || (g::bigint * 1000 + k)::text else '' end ||
         case when h % 2000 = 17 then ' devolución' else '' end
  from (select ((g::bigint * 7919 + k::bigint * 104729) % 1000003)::int as h) x
$$;
`;
const DROP_SEED_FUNCTIONS = 'drop function if exists bench_seed_uuid(timestamptz, bigint), bench_seed_start(int, int), bench_seed_messages(int), bench_seed_body(int, int)';

export type SeededInbox = {
  call: HttpCall;
  /** The session cookie of the bench tenant's owner. */
  cookie: string;
  tenantId: string;
  userId: string;
  /** The bench tenant's WhatsApp Cloud API channel (the seeded conversations are on it). */
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
  seedSeconds: number | null;
  reused: boolean;
  totals: { tenants: number; conversations: number; messages: number; contacts: number };
};

export const PHONE_NUMBER_ID = '106540352277001';
export const APP_SECRET = 'bench-inbox-app-secret';

/** A connection as the database owner (superuser on the bench servers: row-level security does not apply). */
export function ownerConnection(env: Record<string, string>): postgres.Sql {
  return env.DATABASE_URL ? createSql({ url: env.DATABASE_URL }, { max: 1 }) : createSql({ socketPath: socketPathFor(env.DATA_DIR!) }, { max: 1 });
}

export async function signIn(call: HttpCall, origin = 'http://localhost'): Promise<string> {
  const res = await call({ method: 'POST', path: '/api/v1/auth/login', headers: { origin }, body: { login: OWNER.email, password: OWNER.password } });
  const cookie = res.setCookies.map((c) => c.split(';')[0]!).find((c) => /^(__Host-)?lm_session=/.test(c));
  if (res.status !== 200 || !cookie) throw new Error(`login answered ${res.status}: ${JSON.stringify(res.body)}`);
  return cookie;
}

/** Seeds (or, when `reuse` says the database already holds this fingerprint's rows, only signs in). */
export async function seedInbox(ctx: ScenarioContext, options: { runtime: Runtime; env: Record<string, string>; sizes: InboxSizes; reuse: boolean; label: string }): Promise<SeededInbox> {
  const { runtime, sizes } = options;
  const call = injectCaller(runtime.http!.app);
  const owner = ownerConnection(options.env);
  ctx.cleanup.defer('close the seeding connection', () => owner.end({ timeout: 5 }));
  let seedSeconds: number | null = null;
  if (!options.reuse) {
    const started = performance.now();
    await provisionBenchTenant({ call, origin: 'http://localhost', permissions: ['inbox.read'] });
    const cookie = await signIn(call);
    const channel = await call({
      method: 'POST',
      path: '/api/v1/channels',
      headers: { cookie, origin: 'http://localhost' },
      body: { kind: 'whatsapp_cloud', name: 'Bench', config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: '102290129340398', accessToken: 'bench-token', appSecret: APP_SECRET, verifyToken: 'bench-verify-token' } },
    });
    if (channel.status !== 201) throw new Error(`creating the channel answered ${channel.status}: ${JSON.stringify(channel.body)}`);
    for (let i = 2; i <= sizes.tenants; i++) await provisionArgentineTenant(runtime, { name: `Empresa ${i}`, slug: `empresa-${String(i).padStart(2, '0')}` });
    // The load's temp table and session settings live on its connection, and on a busy machine it
    // outlasts postgres.js's connection lifetime (30–60 min), which reconnected it halfway
    // ("seed_tenants does not exist" at tenant 39 of 50 after 35 min): one connection without a limit.
    const loader = options.env.DATABASE_URL ? postgres(options.env.DATABASE_URL, { max: 1, max_lifetime: null, onnotice: () => undefined }) : owner;
    try {
      await load(ctx, loader, sizes, options.label);
    } finally {
      if (loader !== owner) await loader.end({ timeout: 5 });
    }
    seedSeconds = (performance.now() - started) / 1000;
  } else {
    // Migrations since the seeding may have rewritten tables (0024/0025 rewrote a million contacts), and
    // the bench server runs without autovacuum: without this a reused database is measured with dead tuples
    // and stale statistics (the suspected cause of list p95 4.5 → 25 ms on 2026-11-22). Not measured.
    ctx.log(`${options.label}: VACUUM ANALYZE of the reused database (not measured)`);
    await owner.unsafe('vacuum (analyze)');
  }
  const cookie = await signIn(call);
  const [bench] = await owner<{ tenant_id: string; user_id: string; channel_id: string }[]>`
    select t.id as tenant_id, u.id as user_id, c.id as channel_id
      from tenants t join users u on u.tenant_id = t.id and u.email = ${OWNER.email}
      join channel_accounts c on c.tenant_id = t.id and c.kind = 'whatsapp_cloud'
     where t.slug = 'bench'`;
  if (!bench) throw new Error('the bench tenant, its owner or its channel is missing');
  const [totals] = await owner<{ tenants: number; conversations: number; messages: number; contacts: number }[]>`
    select (select count(*)::int from tenants) as tenants,
           (select reltuples::float8 from pg_class where relname = 'conversations') as conversations,
           (select reltuples::float8 from pg_class where relname = 'messages') as messages,
           (select reltuples::float8 from pg_class where relname = 'contacts') as contacts`;
  return { call, cookie, tenantId: bench.tenant_id, userId: bench.user_id, channelId: bench.channel_id, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET, seedSeconds, reused: options.reuse, totals: totals! };
}

async function load(ctx: ScenarioContext, owner: postgres.Sql, sizes: InboxSizes, label: string) {
  const n = sizes.conversationsPerTenant;
  await owner.unsafe(SEED_FUNCTIONS).simple();
  // Foreign-key triggers off for the load (the rows are consistent by construction); the owner is a superuser.
  await owner.unsafe(`set session_replication_role = replica; set synchronous_commit = off; set maintenance_work_mem = '512MB'`).simple();
  await owner.unsafe(`create temp table seed_tenants as
      select row_number() over (order by (t.slug <> 'bench'), t.slug)::int as ti, t.id as tenant_id, null::uuid as channel_id, u.id as owner_id
        from tenants t left join users u on u.tenant_id = t.id and u.email = '${OWNER.email}'`);
  await owner.unsafe(`insert into channel_accounts (tenant_id, id, kind, name)
      select tenant_id, bench_seed_uuid(now(), 900000000 + ti), 'sandbox', 'Sandbox' from seed_tenants where ti > 1`);
  await owner.unsafe(`update seed_tenants s set channel_id = c.id from channel_accounts c where c.tenant_id = s.tenant_id and c.kind in ('whatsapp_cloud', 'sandbox')`);
  const tables = ['contacts', 'conversations', 'messages'];
  const indexes = await owner<{ indexname: string; indexdef: string }[]>`
    select indexname, indexdef from pg_indexes
     where schemaname = 'public' and tablename in ${owner(tables)}
       and indexname not in (select conname from pg_constraint)`;
  for (const index of indexes) await owner.unsafe(`drop index "${index.indexname}"`);

  const started = performance.now();
  for (let ti = 1; ti <= sizes.tenants; ti++) {
    // Contact g of tenant ti: id from (start of g, ti·10^7 + g); its conversation's from 2·10^9 more.
    await owner.unsafe(`
      insert into contacts (tenant_id, id, first_name, last_name, phone_raw, phone_e164, phone_key, phone_valid, phone_type, phone_country, search_text, source, whatsapp, created_at, updated_at)
      select s.tenant_id, bench_seed_uuid(bench_seed_start(g, ${n}), s.ti::bigint * 10000000 + g), f, l,
             '+54911' || (40000000 + g), '+54911' || (40000000 + g), '+5411' || (40000000 + g), true, 'mobile', 'AR',
             lower(unaccent(f || ' ' || l)), 'whatsapp', 'yes', bench_seed_start(g, ${n}), bench_seed_start(g, ${n})
        from seed_tenants s, generate_series(1, ${n}) g,
             lateral (select (${arrayLiteral(FIRST_NAMES)})[1 + (g * 31) % ${FIRST_NAMES.length}] as f, (${arrayLiteral(LAST_NAMES)})[1 + (g * 17 / 3) % ${LAST_NAMES.length}] as l) names
       where s.ti = ${ti}`);
    await owner.unsafe(`
      insert into conversations (tenant_id, id, contact_id, channel_id, status, assignee_id, pinned, inbound_seq, answered_seq, last_message_at, last_message_preview, last_message_direction, last_inbound_at, created_at, updated_at)
      select s.tenant_id, bench_seed_uuid(st, 2000000000 + s.ti::bigint * 10000000 + g), bench_seed_uuid(st, s.ti::bigint * 10000000 + g), s.channel_id,
             case when g % 20 < 17 then 'active' when g % 20 < 19 then 'archived' else 'closed' end,
             case when g % 10 < 3 then s.owner_id end,
             g % 1000 = 7,
             m - m / 3, 2 * (m / 3),
             st + m * interval '${STEP_MINUTES} min', bench_seed_body(g, m), case when m % 3 = 0 then 'outbound' else 'inbound' end,
             st + (case when m % 3 = 0 then m - 1 else m end) * interval '${STEP_MINUTES} min', st, st + m * interval '${STEP_MINUTES} min'
        from seed_tenants s, generate_series(1, ${n}) g,
             lateral (select bench_seed_start(g, ${n}) as st, bench_seed_messages(g) as m) x
       where s.ti = ${ti}`);
    await owner.unsafe(`
      insert into messages (tenant_id, id, conversation_id, contact_id, channel_id, direction, service, type, body, status, provider_message_id, source, created_at, sent_at, delivered_at, read_at, status_at)
      select s.tenant_id, bench_seed_uuid(at, 3000000000 + (s.ti::bigint * 10000000 + g) * 1000 + k),
             bench_seed_uuid(st, 2000000000 + s.ti::bigint * 10000000 + g), bench_seed_uuid(st, s.ti::bigint * 10000000 + g), s.channel_id,
             case when k % 3 = 0 then 'outbound' else 'inbound' end, 'whatsapp', 'text', bench_seed_body(g, k),
             case when k % 3 = 0 then 'read' else 'received' end,
             'wamid.seed.' || s.ti || '.' || g || '.' || k,
             case when k % 3 = 0 then 'inbox' else 'channel' end,
             at, case when k % 3 = 0 then at end, case when k % 3 = 0 then at end, case when k % 3 = 0 then at end, at
        from seed_tenants s, generate_series(1, ${n}) g,
             lateral (select bench_seed_start(g, ${n}) as st) x,
             lateral generate_series(1, bench_seed_messages(g)) k,
             lateral (select st + k * interval '${STEP_MINUTES} min' as at) y
       where s.ti = ${ti}`);
    if (ti === 1 || ti % 5 === 0 || ti === sizes.tenants) {
      ctx.log(`${label}: seeded ${ti}/${sizes.tenants} tenants in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  for (const index of indexes) {
    const t0 = performance.now();
    await owner.unsafe(index.indexdef);
    ctx.log(`${label}: rebuilt ${index.indexname} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await owner.unsafe(`set session_replication_role = origin`);
  // The unread totals' triggers (decision 0025) were off with the rest: the same sums as migration 0019's.
  await owner.unsafe(`delete from inbox_unread_tenants; delete from inbox_unread_users;
    insert into inbox_unread_tenants (tenant_id, waiting_messages, waiting_conversations)
      select tenant_id, sum(inbound_seq - answered_seq), count(*) from conversations where inbound_seq > answered_seq group by tenant_id;
    insert into inbox_unread_users (tenant_id, user_id, read_messages, read_conversations)
      select r.tenant_id, r.user_id, sum(greatest(0, least(r.read_seq, c.inbound_seq) - c.answered_seq)), sum((c.inbound_seq > c.answered_seq and r.read_seq >= c.inbound_seq)::int)
        from conversation_reads r join conversations c on c.tenant_id = r.tenant_id and c.id = r.conversation_id group by r.tenant_id, r.user_id`).simple();
  await owner.unsafe(DROP_SEED_FUNCTIONS);
  for (const table of tables) await owner.unsafe(`vacuum (analyze) ${table}`);
  ctx.log(`${label}: loaded, indexed and analyzed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * The PostgreSQL database the inbox scenario keeps between runs (seeding ten million messages takes
 * a while): `lm_bench_inbox_<fingerprint>` on the admin URL's server, with the installation's secret key
 * stored beside the rows (channel secrets are encrypted with it). Any other `lm_bench_inbox_*` database is
 * dropped, so a change of sizes or generator leaves one database behind, not many.
 */
export async function keptPostgresDatabase(ctx: ScenarioContext, options: { freshUrl: string; sizes: InboxSizes }) {
  const fingerprint = fingerprintOf(options.sizes);
  const name = `lm_bench_inbox_${fingerprint}`;
  const url = new URL(options.freshUrl);
  const adminUrl = new URL(options.freshUrl);
  adminUrl.pathname = '/postgres';
  url.pathname = `/${name}`;
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
  try {
    for (const row of await admin<{ datname: string }[]>`select datname from pg_database where datname like 'lm_bench_inbox_%' and datname <> ${name}`) {
      ctx.log(`dropping ${row.datname} (another fingerprint)`);
      await admin.unsafe(`drop database "${row.datname}" with (force)`);
    }
    const exists = (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
    if (exists) {
      const db = postgres(url.toString(), { max: 1, onnotice: () => undefined });
      try {
        const [row] = await db<{ secret_key: string }[]>`select secret_key from bench_inbox_seed where fingerprint = ${fingerprint} and complete`.catch(() => []);
        if (row) return { url: url.toString(), name, secretKey: row.secret_key, reuse: true, markComplete: async () => undefined };
      } finally {
        await db.end({ timeout: 5 });
      }
      ctx.log(`${name} exists but its seeding never completed: rebuilding it`);
      await admin.unsafe(`drop database "${name}" with (force)`);
    }
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const secretKey = randomBytes(32).toString('base64url');
  const db = postgres(url.toString(), { max: 1, onnotice: () => undefined });
  try {
    await db`create table bench_inbox_seed (fingerprint text primary key, secret_key text not null, complete boolean not null default false)`;
    await db`insert into bench_inbox_seed (fingerprint, secret_key) values (${fingerprint}, ${secretKey})`;
  } finally {
    await db.end({ timeout: 5 });
  }
  const markComplete = async () => {
    const done = postgres(url.toString(), { max: 1, onnotice: () => undefined });
    try {
      await done`update bench_inbox_seed set complete = true where fingerprint = ${fingerprint}`;
    } finally {
      await done.end({ timeout: 5 });
    }
  };
  return { url: url.toString(), name, secretKey, reuse: false, markComplete };
}

import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import type { Sql } from 'postgres';
import type { Database } from '../../platform/db/database';
import { newId } from '../../platform/db/columns';
import { createGroupCommit } from '../../platform/db/group-commit';
import type { ChannelKind } from './channels.tables';

/** What a webhook needs to know about the channel account its URL names. */
export type WebhookChannel = { tenant_id: string; kind: ChannelKind; status: string; secrets: string | null; webhook_secret_hash: string | null; settings: Record<string, unknown> };

/**
 * A channel as the webhook path keeps it: the row, its secrets decrypted, what the store checks they
 * still are, and the WhatsApp app secret as a key object (null when the channel has none), made once
 * here rather than on every webhook.
 */
export type CachedChannel = { row: WebhookChannel; secrets: Record<string, string>; fingerprint: string; appSecretKey: KeyObject | null };

export type StoreItem = {
  tenantId: string;
  channelId: string;
  providerEventId: string;
  body: Buffer;
  headers: Record<string, string>;
  /**
   * The verification material the request was checked against (`fingerprintOf`): the row is stored
   * only if the channel still exists with exactly that material. Null: no check (events LeadMaster
   * reads or makes itself).
   */
  fingerprint: string | null;
};

/** stored: a new row; duplicate: the same provider event was already there; stale: the channel changed or is gone. */
export type StoreOutcome = 'stored' | 'duplicate' | 'stale';

/** How the channel's verification material is compared between the cache and the database (the same expression in SQL below). */
export const fingerprintOf = (row: Pick<WebhookChannel, 'secrets' | 'webhook_secret_hash'>) =>
  createHash('md5')
    .update(`${row.secrets ?? ''}|${row.webhook_secret_hash ?? ''}`, 'utf8')
    .digest('hex');

const CHANNEL_TTL_MS = 60_000;
const CHANNEL_CACHE_MAX = 10_000;
/** A batch: most rows, most body bytes (a webhook body may be up to 3 MB: it then goes alone). */
const BATCH_ITEMS = 200;
const BATCH_BYTES = 2 * 1024 * 1024;

/**
 * The batch's transaction settings, in one statement: the tenant (row-level security), and generic
 * plans for its prepared statements. PostgreSQL otherwise plans INSERT_BATCH anew on every
 * execution (a custom plan for each set of arrays: 0.3–0.45 ms of the backend's CPU per batch,
 * about 5× its execution for one row); the generic plan is the same one (by key; the channel check
 * reads the tenant's few channel accounts once, hashed).
 */
const BATCH_SETTINGS = `select set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)`;

const INSERT_BATCH = `
with v as (
  select * from unnest($2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[])
    as v(ord, id, channel_id, provider_event_id, body, headers, fingerprint)
), ok as (
  select v.* from v
   where v.fingerprint is null
      or exists (select 1 from channel_accounts c
                  where c.tenant_id = $1 and c.id = v.channel_id
                    and md5(coalesce(c.secrets, '') || '|' || coalesce(c.webhook_secret_hash, '')) = v.fingerprint)
), ins as (
  insert into inbound_events (tenant_id, id, channel_id, provider_event_id, body, headers)
  select $1, id, channel_id, provider_event_id, decode(body, 'base64'), headers::jsonb from ok order by ord
  on conflict do nothing
  returning channel_id, provider_event_id
)
select ok.ord, ins.provider_event_id is not null as stored
  from ok left join ins on ins.channel_id = ok.channel_id and ins.provider_event_id = ok.provider_event_id`;

/**
 * The storing half of the inbound path, built for the webhook rate:
 *
 * - **Channel cache.** A webhook names its channel by id; the row (tenant, kind, decrypted secrets)
 *   is kept in memory for a minute. It is never trusted on its own: the insert stores a row only
 *   while the channel still has the verification material the request was checked with (a
 *   fingerprint compared in the same statement), so a rotated secret or a deleted channel is seen
 *   at once, in every process, without invalidation messages. Such a row comes back `stale` and
 *   the caller checks again against the database.
 * - **Group commit.** Concurrent webhooks of one tenant are inserted by one multi-row statement in
 *   one transaction, with one drain scheduled for all of them; each request is answered after
 *   that commit (see `createGroupCommit`).
 */
export function createInboundStore(deps: {
  database: Database;
  decrypt(row: { secrets: string | null }): Record<string, string>;
  /**
   * Schedules the tenant's processing on `connection`, inside the transaction that stores the
   * events. Its statements are sent ahead of the COMMIT when it makes them at once (synchronously,
   * as pg-boss's send does); one made after an await of its own would run after the COMMIT.
   */
  schedule(connection: Sql, tenantId: string): Promise<unknown>;
  /** After that transaction committed (wakes this process's drain worker). */
  committed(tenantId: string): void;
}) {
  const { database } = deps;
  const channels = new Map<string, { value: Promise<CachedChannel | null>; expires: number }>();

  async function lookup(channelId: string): Promise<CachedChannel | null> {
    // One statement, no transaction: the function (security definer) reads only this row.
    const rows = await database.sql.unsafe<WebhookChannel[]>('select * from app_channel_for_webhook($1)', [channelId], { prepare: true });
    const row = rows[0];
    if (!row) return null;
    const secrets = deps.decrypt(row);
    const appSecretKey = secrets.appSecret ? createSecretKey(Buffer.from(secrets.appSecret, 'utf8')) : null;
    return { row, secrets, fingerprint: fingerprintOf(row), appSecretKey };
  }

  /** The channel behind a webhook URL: from the cache unless `fresh`; unknown ids are not cached. */
  function channel(channelId: string, options: { fresh?: boolean } = {}): Promise<CachedChannel | null> {
    const now = Date.now();
    const cached = channels.get(channelId);
    if (cached && !options.fresh && cached.expires > now) return cached.value;
    const value = lookup(channelId);
    channels.delete(channelId);
    if (channels.size >= CHANNEL_CACHE_MAX) channels.delete(channels.keys().next().value!);
    channels.set(channelId, { value, expires: now + CHANNEL_TTL_MS });
    value.then(
      (found) => {
        if (!found && channels.get(channelId)?.value === value) channels.delete(channelId);
      },
      () => {
        if (channels.get(channelId)?.value === value) channels.delete(channelId);
      },
    );
    return value;
  }

  function forget(channelId: string) {
    channels.delete(channelId);
  }

  async function writeBatch(tenantId: string, items: StoreItem[]): Promise<StoreOutcome[]> {
    // The same provider event twice in one batch: the first is written, the others follow its outcome.
    const leaders = new Map<string, number>();
    const unique: StoreItem[] = [];
    const leaderOf = items.map((item) => {
      const key = `${item.channelId}\u0000${item.providerEventId}`;
      let index = leaders.get(key);
      if (index === undefined) {
        index = unique.length;
        leaders.set(key, index);
        unique.push(item);
      }
      return index;
    });
    const params = [
      tenantId,
      unique.map((_, i) => i),
      unique.map(() => newId()),
      unique.map((u) => u.channelId),
      unique.map((u) => u.providerEventId),
      // Base64, not hex: a third fewer characters to escape, send and parse per body.
      unique.map((u) => u.body.toString('base64')),
      unique.map((u) => JSON.stringify(u.headers)),
      unique.map((u) => u.fingerprint),
    ];
    // One transaction in one round trip: BEGIN, the settings, the drain's scheduling, the insert and
    // COMMIT are sent together (postgres.js pipelines them on the reserved connection, in order). A
    // statement that fails aborts the transaction, and PostgreSQL then answers the COMMIT with
    // ROLLBACK: nothing is acknowledged unless that answer is COMMIT. The drain is scheduled whatever
    // the insert finds (a batch of duplicates only schedules a drain that finds nothing: rare, and harmless).
    const connection = await database.sql.reserve();
    let closed = false;
    let rows: { ord: number; stored: boolean }[];
    try {
      const begun = connection.unsafe('begin').execute();
      const settings = connection.unsafe(BATCH_SETTINGS, [tenantId], { prepare: true }).execute();
      // The scheduling must run inside the transaction, so before the COMMIT. A statement of the
      // scheduler is queued as soon as it is made (postgres.js would queue it only when awaited, a
      // few microtasks later: after the COMMIT); a scheduler that made none at once is waited for
      // first (then the COMMIT takes a round trip of its own).
      let issued = false;
      const scheduling = new Proxy(connection, {
        get: (target, key) =>
          key === 'unsafe'
            ? (...args: Parameters<Sql['unsafe']>) => {
                issued = true;
                return target.unsafe(...args).execute();
              }
            : Reflect.get(target, key),
      });
      const scheduled = deps.schedule(scheduling, tenantId);
      const inserted = connection.unsafe<{ ord: number; stored: boolean }[]>(INSERT_BATCH, params as never[], { prepare: true }).execute();
      if (!issued) await Promise.allSettled([scheduled]);
      const commit = connection.unsafe('commit').execute();
      const settled = await Promise.allSettled([begun, settings, scheduled, inserted, commit]);
      const [committed] = settled.slice(-1);
      // Answered (COMMIT or ROLLBACK) or refused, a COMMIT ends the transaction.
      closed = true;
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error: never acknowledge that.
      const command = (committed as PromiseFulfilledResult<{ command: string }>).value.command;
      if (command !== 'COMMIT') throw new Error(`the batch's transaction ended with ${command}`);
      rows = [...(await inserted)];
    } catch (err) {
      // No transaction may stay open on the connection going back to the pool.
      if (!closed) await connection.unsafe('rollback').catch(() => undefined);
      throw err;
    } finally {
      connection.release();
    }
    deps.committed(tenantId);
    const outcomes: StoreOutcome[] = unique.map(() => 'stale');
    for (const row of rows) outcomes[row.ord] = row.stored ? 'stored' : 'duplicate';
    return items.map((_, i) => {
      const leader = leaderOf[i]!;
      const outcome = outcomes[leader]!;
      // Not the first of its key in this batch: already there, unless the channel refused both.
      return unique[leader] === items[i] || outcome === 'stale' ? outcome : 'duplicate';
    });
  }

  const group = createGroupCommit<StoreItem, StoreOutcome>({
    key: (item) => item.tenantId,
    write: writeBatch,
    size: (item) => item.body.length,
    maxItems: BATCH_ITEMS,
    maxBytes: BATCH_BYTES,
    // The embedded database is one session: more batches at once would only queue there.
    maxInFlight: database.kind === 'embedded' ? 1 : 4,
  });

  return {
    channel,
    forget,
    /** Stores one event (grouped with concurrent ones of its tenant); resolves after its commit. */
    store: (item: StoreItem) => group.submit(item),
    get pending() {
      return group.pending;
    },
  };
}

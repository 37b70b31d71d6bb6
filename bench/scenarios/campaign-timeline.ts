import type postgres from 'postgres';
import { campaignTimeline } from '../../apps/server/src/modules/campaigns/campaigns.repository';
import { ownerConnection, provisionArgentineTenant } from '../lib/contacts-dataset';
import { startInProcess } from '../lib/in-process';
import type { Figure, Scenario } from '../lib/types';

/** Recipients of the campaign whose chart is read (issue #5 asks about 200,000); PGlite gets fewer. */
const RECIPIENTS = { postgres: 200_000, embedded: 50_000, quick: 5_000 };
/** Another campaign of the same size in the same tenant: the tables are not the campaign alone. */
const READS = 20;
const UPDATE_BATCH = 1_000;
const START = '2026-11-20 10:00Z';

/** The ledger's status changes take it from there: the share of recipients per final status. */
function statusName(k: number) {
  return k < 5 ? 'pending' : k < 10 ? 'queued' : k < 25 ? 'sent' : k < 55 ? 'delivered' : k < 80 ? 'read' : k < 90 ? 'replied' : k < 95 ? 'failed' : 'skipped';
}

/**
 * Two campaigns of `n` recipients in one tenant, written set-based: contacts, conversations, one
 * message per recipient with its times spread over 6 h, the ledger inserted pending and then moved
 * to its final statuses by one update per status (as the engine and the status drain move it, so
 * the ledger's trigger keeps the timeline).
 */
async function seed(owner: postgres.Sql, options: { tenantId: string; n: number; log(message: string): void }) {
  const { tenantId, n } = options;
  const started = performance.now();
  const step = (what: string) => options.log(`seed: ${what} at ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const [channel] = await owner<{ id: string }[]>`insert into channel_accounts (tenant_id, id, kind, name) values (${tenantId}::uuid, gen_random_uuid(), 'sandbox', 'Bench') returning id`;
  const [template] = await owner<{ id: string }[]>`insert into message_templates (tenant_id, id, name, body) values (${tenantId}::uuid, gen_random_uuid(), 'Bench', 'Hola') returning id`;
  const campaigns = await owner<{ id: string }[]>`
    insert into campaigns (tenant_id, id, name, status, template_id, channel_ids, audience, pacing, guard_rails, launched_at)
    select ${tenantId}::uuid, gen_random_uuid(), 'Bench ' || c, 'running', ${template!.id}::uuid, array[${channel!.id}::uuid], '{"all": true}', '{"mode":"fixed","delaySeconds":0}',
           '{"firstN":100,"maxFailureRate":1,"maxOptOutRate":1}', ${START}::timestamptz
      from generate_series(1, 2) c returning id`;
  const ids = campaigns.map((c) => c.id);
  const uuid = (block: string, g: string) => `('00000000-0000-7000-${block}-' || lpad(to_hex(${g}), 12, '0'))::uuid`;
  await owner.unsafe(`insert into contacts (tenant_id, id, first_name, phone_raw, phone_e164, phone_valid)
    select $1::uuid, ${uuid('8000', 'g')}, 'Ana', '+54911' || (10000000 + g), '+54911' || (10000000 + g), true from generate_series(0, $2::int * 2 - 1) g`, [tenantId, n]);
  step('contacts');
  await owner.unsafe(`insert into conversations (tenant_id, id, contact_id, channel_id)
    select $1::uuid, ${uuid('9000', 'g')}, ${uuid('8000', 'g')}, $3::uuid from generate_series(0, $2::int * 2 - 1) g`, [tenantId, n, channel!.id]);
  step('conversations');
  const times = `lateral (select g % 100 as k, $4::timestamptz + ((g % $2::int) * 21600.0 / $2::int) * interval '1 s' as t0) p`;
  await owner.unsafe(
    `insert into messages (tenant_id, id, conversation_id, contact_id, channel_id, direction, status, source, body, created_at, sent_at, delivered_at, read_at, failed_at)
     select $1::uuid, ${uuid('a000', 'g')}, ${uuid('9000', 'g')}, ${uuid('8000', 'g')}, $3::uuid, 'outbound',
            case when k < 10 then 'queued' when k < 25 then 'sent' when k < 55 then 'delivered' when k < 90 then 'read' else 'failed' end, 'campaign', 'Hola', t0,
            case when k >= 10 and k < 90 then t0 + interval '2 s' end, case when k >= 25 and k < 90 then t0 + interval '10 s' end,
            case when k >= 55 and k < 90 then t0 + interval '60 s' end, case when k >= 90 and k < 95 then t0 + interval '5 s' end
       from generate_series(0, $2::int * 2 - 1) g, ${times} where k >= 5 and k < 95`,
    [tenantId, n, channel!.id, START],
  );
  step('messages');
  await owner.unsafe(
    `insert into campaign_recipients (tenant_id, campaign_id, contact_id, message_hash, status, channel_id, due_at)
     select $1::uuid, ($3::uuid[])[g / $2::int + 1], ${uuid('8000', 'g')}, md5(g::text)::uuid, 'pending', $4::uuid, t0
       from generate_series(0, $2::int * 2 - 1) g, ${times.replace('$4', '$5')}`,
    [tenantId, n, ids, channel!.id, START],
  );
  // The statuses as the engine and the drain leave them, through the ledger's trigger.
  step('ledger');
  await owner`analyze campaign_recipients`;
  // Recipient g's contact id ends in g (hex): its final status and message follow from it, no join needed.
  const g = `('x' || right(contact_id::text, 12))::bit(48)::bigint`;
  const statuses = Array.from({ length: 100 }, (_, k) => statusName(k));
  const st = `($4::text[])[(${g}) % 100 + 1]`;
  const idOf = (i: number) => `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
  // In statements of UPDATE_BATCH rows, as the engine's claims and the drain's batches move the ledger.
  for (let from = 0; from < 2 * n; from += UPDATE_BATCH) {
    await owner.unsafe(
      `update campaign_recipients set status = ${st}, skip_reason = case when ${st} = 'skipped' then 'opted_out' end,
              message_id = case when ${st} <> 'skipped' then ('00000000-0000-7000-a000-' || right(contact_id::text, 12))::uuid end,
              queued_at = case when ${st} <> 'skipped' then due_at end,
              replied_at = case when ${st} = 'replied' then due_at + interval '300 s' end
        where tenant_id = $1::uuid and campaign_id = $5::uuid and contact_id >= $2::uuid and contact_id < $3::uuid and ${st} <> 'pending'`,
      [tenantId, idOf(from), idOf(Math.min(from + UPDATE_BATCH, (Math.floor(from / n) + 1) * n)), statuses, ids[Math.floor(from / n)]!],
    );
  }
  step('statuses (trigger)');
  await owner`vacuum analyze contacts, conversations, messages, campaign_recipients, campaign_timeline`;
  return { campaignId: ids[0]!, channelId: channel!.id };
}

/** The derivation decision 0026 chose (one pass over the campaign's ledger joined to its messages), for comparison. */
const DERIVED = `
  select date_trunc('minute', e.at at time zone 'UTC') as bucket, count(*) filter (where e.kind = 'queued') as queued, count(*) filter (where e.kind = 'sent') as sent
    from campaign_recipients r
    left join messages m on m.tenant_id = r.tenant_id and m.id = r.message_id
   cross join lateral (values
     ('queued', case when r.status not in ('pending', 'skipped') then coalesce(r.queued_at, r.updated_at) end),
     ('sent', case when r.status in ('sent', 'delivered', 'read', 'replied') then coalesce(m.sent_at, m.delivered_at, m.read_at, r.replied_at, r.updated_at) end),
     ('delivered', case when r.status in ('delivered', 'read', 'replied') then coalesce(m.delivered_at, m.read_at, r.replied_at, r.updated_at) end),
     ('read', case when r.status in ('read', 'replied') then coalesce(m.read_at, r.replied_at, r.updated_at) end),
     ('replied', case when r.status = 'replied' then coalesce(r.replied_at, r.updated_at) end),
     ('failed', case when r.status = 'failed' then coalesce(m.failed_at, r.updated_at) end)) as e(kind, at)
   where r.tenant_id = $1::uuid and r.campaign_id = $2::uuid and e.at is not null
   group by 1`;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

export const campaignTimelineScenario: Scenario = {
  name: 'campaign-timeline',
  title: 'Campaign chart over time: GET /campaigns/:id/timeline on a large campaign',
  description: `
The chart of a campaign's outcomes per minute (decision 0034): a tenant with two campaigns of
${RECIPIENTS.postgres.toLocaleString('en-US')} recipients each (PGlite: ${RECIPIENTS.embedded.toLocaleString('en-US')}), one message per recipient, sends spread
over 6 hours (about 360 minute buckets), written by SQL with the ledger moved to its final statuses by
one update per status (so the ledger's trigger keeps the per-minute rows, as it does for the engine).
Measured: the timeline read as the route runs it (minute and hour buckets, ${READS} reads each), the
derivation of decision 0026 on the same data for comparison, and what the trigger costs a ledger
status update of ${UPDATE_BATCH.toLocaleString('en-US')} rows (the same update with the trigger disabled, in rolled-back transactions).`,
  async forDatabase(ctx, database) {
    const n = ctx.quick ? RECIPIENTS.quick : RECIPIENTS[database.kind];
    const { runtime } = await startInProcess(ctx, { env: database.env, http: false });
    const owner = ownerConnection(ctx, runtime);
    const tenantId = await provisionArgentineTenant(runtime, { name: 'Cronología', slug: 'cronologia' });
    const t0 = performance.now();
    const { campaignId } = await seed(owner, { tenantId, n, log: (m) => ctx.log(`${database.label}: ${m}`) });
    ctx.log(`${database.label}: seeded 2 × ${n.toLocaleString('en-US')} recipients in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const read = (bucket: 'minute' | 'hour') => runtime.deps.database.withTenant(tenantId, (tx) => campaignTimeline(tx, tenantId, campaignId, bucket));
    const points = await read('minute');
    const queued = points.reduce((a, p) => a + p.queued, 0);
    const [expected] = await owner<{ n: number }[]>`select count(*)::int as n from campaign_recipients where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid and status not in ('pending', 'skipped')`;
    if (queued !== expected!.n) throw new Error(`the timeline counts ${queued} queued, the ledger ${expected!.n}`);
    const timed = async (bucket: 'minute' | 'hour') => {
      const ms: number[] = [];
      for (let i = 0; i < READS; i++) {
        const start = performance.now();
        await read(bucket);
        ms.push(performance.now() - start);
      }
      return ms;
    };
    const minute = await timed('minute');
    const hour = await timed('hour');
    const derived: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await owner.unsafe(DERIVED, [tenantId, campaignId]);
      derived.push(performance.now() - start);
    }

    // The trigger's price on the write path: 1,000 rows queued → sent, with and without it (rolled back each time).
    const batch = await owner<{ id: string }[]>`select contact_id as id from campaign_recipients where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid and status = 'queued' order by contact_id limit ${UPDATE_BATCH}`;
    const update = `update campaign_recipients set status = 'sent' where tenant_id = $1::uuid and campaign_id = $2::uuid and contact_id = any($3::uuid[])`;
    const ROLLBACK = new Error('rollback');
    const timedUpdate = async (trigger: boolean) => {
      let ms = 0;
      await owner
        .begin(async (tx) => {
          if (!trigger) await tx.unsafe('alter table campaign_recipients disable trigger campaign_timeline_on_update');
          const start = performance.now();
          await tx.unsafe(update, [tenantId, campaignId, batch.map((b) => b.id)]);
          ms = performance.now() - start;
          throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) throw error;
        });
      return ms;
    };
    const withTrigger: number[] = [];
    const withoutTrigger: number[] = [];
    for (let i = 0; i < 5; i++) {
      withTrigger.push(await timedUpdate(true));
      withoutTrigger.push(await timedUpdate(false));
    }
    const [rows] = await owner<{ n: number }[]>`select count(*)::int as n from campaign_timeline where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid`;
    ctx.note('The update with and without the trigger runs inside a transaction that is rolled back, alternating, five times each; the figure is the median.');
    const figures: Figure[] = [
      { name: `Timeline, minute buckets (${n.toLocaleString('en-US')} recipients), p50`, value: percentile(minute, 50), unit: 'ms', target: { op: '<', value: 100 }, detail: `${points.length} points from ${rows!.n} rows` },
      { name: 'Timeline, minute buckets, p95', value: percentile(minute, 95), unit: 'ms', target: { op: '<', value: 100 } },
      { name: 'Timeline, hour buckets, p50', value: percentile(hour, 50), unit: 'ms', target: { op: '<', value: 100 } },
      { name: 'Derivation of decision 0026 (same data, for comparison), median of 3', value: percentile(derived, 50), unit: 'ms' },
      { name: `Ledger status update of ${UPDATE_BATCH.toLocaleString('en-US')} rows with the timeline trigger, median`, value: percentile(withTrigger, 50), unit: 'ms' },
      { name: `… the same update without it, median`, value: percentile(withoutTrigger, 50), unit: 'ms' },
    ];
    return figures;
  },
};

import { and, asc, eq, gt, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import { ContactFilter } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import { filterConditions } from '../contacts';
import { consentStates, contacts, segments } from '../contacts/contacts.tables';
import { channelAccounts } from '../channels/channels.tables';
import { conversations } from '../messaging/messaging.tables';
import { tenants } from '../tenants/tenants.tables';
import { campaignRecipients, campaignTimeline as campaignTimeline_, type CampaignAudience } from './campaigns.tables';
import type { ConsentState, GateRecipient } from './gate';
import { equalsAny } from '../../platform/db/equals-any';
import { pushTo } from '../../platform/collections';

/**
 * The campaign engine's reads of other modules' tables (contacts, consent, channels,
 * conversations, tenants), in bulk: one query per batch of recipients, never one per recipient.
 */

export async function tenantSettings(tx: Tx, tenantId: string) {
  const [row] = await tx.select({ country: tenants.country, timezone: tenants.timezone }).from(tenants).where(eq(tenants.id, tenantId));
  return row ?? { country: 'US', timezone: 'UTC' };
}

export async function channelsByIds(tx: Tx, tenantId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return tx
    .select({ id: channelAccounts.id, name: channelAccounts.name, kind: channelAccounts.kind, status: channelAccounts.status, settings: channelAccounts.settings, providerState: channelAccounts.providerState })
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, tenantId), equalsAny(channelAccounts.id, ids)));
}

export async function segmentExists(tx: Tx, tenantId: string, segmentId: string) {
  const [row] = await tx.select({ id: segments.id }).from(segments).where(and(eq(segments.tenantId, tenantId), eq(segments.id, segmentId)));
  return Boolean(row);
}

/** The SQL condition (on `contacts`) that selects a campaign's audience. */
export async function audienceCondition(tx: Tx, options: { tenantId: string; audience: CampaignAudience; country: string }): Promise<SQL> {
  const { tenantId, audience } = options;
  if ('all' in audience) return eq(contacts.tenantId, tenantId);
  if ('contactIds' in audience) return and(eq(contacts.tenantId, tenantId), equalsAny(contacts.id, audience.contactIds))!;
  const [segment] = await tx.select({ filter: segments.filter }).from(segments).where(and(eq(segments.tenantId, tenantId), eq(segments.id, audience.segmentId)));
  // A segment deleted after the campaign was made selects nobody rather than everybody.
  if (!segment) return sql`false`;
  return and(...filterConditions(ContactFilter.catch({}).parse(segment.filter), { tenantId, country: options.country }))!;
}

/** The next audience contacts after `afterId`, in id order (a keyset walk, a batch at a time). */
export async function audienceBatch(tx: Tx, options: { where: SQL; afterId: string | null; limit: number }) {
  return tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(options.where, options.afterId ? gt(contacts.id, options.afterId) : undefined))
    .orderBy(asc(contacts.id))
    .limit(options.limit);
}

export async function countAudience(tx: Tx, where: SQL): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(contacts).where(where);
  return row?.n ?? 0;
}

/**
 * The advisory-lock class of a tenant's ledger ('LMLG'; the second key is hashtext(tenant id)):
 * held exclusively by a materialisation batch, shared by contact deletions (migration 0033).
 */
const LEDGER_LOCK_CLASS = 0x4c4d4c47;

export type SlotPlan = {
  start: Date;
  /** Seconds between two sends of one channel account. */
  intervalSeconds: number;
  /** Extra random spread per send (random pacing), in seconds. */
  jitterSeconds: number;
  dailyCap: number | null;
};

/**
 * Writes the next batch of the audience into the ledger with one insert … select: the n-th
 * recipient (in contact id order) goes to channel n mod k and gets its due time from its place in
 * that channel's queue (pacing, per-number rate, daily cap). Returns the last contact id taken, how
 * many contacts were taken and how many ledger rows written (fewer when a phone line was already in).
 * The batch holds its tenant's ledger lock exclusively (decision 0055), the lock whatever deletes
 * contacts takes shared in its trigger (migration 0033) before it deletes their ledger rows: a contact
 * deleted before is gone from this batch's snapshot (taken after the lock; the limit still fills
 * from the next ones), and one deleted after waits for this commit, so its trigger sees the rows
 * written and removes them.
 */
export async function materializeBatch(
  tx: Tx,
  options: { tenantId: string; campaignId: string; where: SQL; afterId: string | null; offset: number; limit: number; channelIds: string[]; slots: SlotPlan },
): Promise<{ lastId: string | null; taken: number; inserted: number }> {
  const { tenantId, campaignId, channelIds, slots } = options;
  const n = channelIds.length;
  const position = sql`(batch.rn + ${options.offset}::int - 1)`;
  const place = sql`(${position} / ${n}::int)`;
  const slot = slots.dailyCap ? sql`(${place} % ${slots.dailyCap}::int)` : place;
  const day = slots.dailyCap ? sql`(${place} / ${slots.dailyCap}::int)` : sql`0`;
  const jitter = slots.jitterSeconds > 0 ? sql`(random() - 0.5) * ${slots.jitterSeconds}::float8` : sql`0`;
  const due = sql`${slots.start.toISOString()}::timestamptz + make_interval(days => ${day}::int, secs => greatest(0, ${slot} * ${slots.intervalSeconds}::float8 + ${jitter}))`;
  const channelArray = sql`${sql.param(channelIds)}::uuid[]`;
  // Its own statement, before the insert's: the insert's snapshot is then taken after the lock is held.
  await tx.execute(sql`select pg_advisory_xact_lock(${LEDGER_LOCK_CLASS}::int, hashtext(${tenantId}::text))`);
  const rows = await tx.execute(sql`
    with picked as (
      select ${contacts.id} as id, ${contacts.phoneKey} as phone_key from ${contacts}
      where ${options.where} ${options.afterId ? sql`and ${contacts.id} > ${options.afterId}::uuid` : sql``}
      order by ${contacts.id} limit ${options.limit}::int
    ),
    batch as (select id, phone_key, row_number() over (order by id) as rn from picked),
    ins as (
      insert into ${campaignRecipients} (tenant_id, campaign_id, contact_id, message_hash, status, channel_id, due_at)
      select ${tenantId}::uuid, ${campaignId}::uuid, batch.id, md5(${campaignId}::text || ':' || coalesce(batch.phone_key, batch.id::text))::uuid,
             'pending', (${channelArray})[(${position} % ${n}::int) + 1], ${due}
      from batch
      on conflict do nothing
      returning 1
    )
    select (select id::text from batch order by id desc limit 1) as last_id, (select count(*)::int from batch) as taken, (select count(*)::int from ins) as inserted`);
  const row = (rows as unknown as { last_id: string | null; taken: number; inserted: number }[])[0];
  return { lastId: row?.last_id ?? null, taken: Number(row?.taken ?? 0), inserted: Number(row?.inserted ?? 0) };
}

/** What the gate reads about each contact (except the per-channel conversation window). */
export async function gateData(tx: Tx, options: { tenantId: string; campaignId: string; contactIds: string[]; channelIds: string[]; frequencyCapDays: number | null; now: Date }) {
  const { tenantId, contactIds } = options;
  if (contactIds.length === 0) return new Map<string, { contact: ContactForGate; gate: Omit<GateRecipient, 'lastInboundAt'>; windows: Map<string, Date | null> }>();
  const rows = await tx
    .select({
      id: contacts.id,
      firstName: contacts.firstName,
      lastName: contacts.lastName,
      company: contacts.company,
      email: contacts.email,
      phoneE164: contacts.phoneE164,
      phoneValid: contacts.phoneValid,
      phoneCountry: contacts.phoneCountry,
      attributes: contacts.attributes,
      whatsapp: contacts.whatsapp,
      blacklisted: contacts.blacklisted,
      validationStatus: contacts.validationStatus,
      validationExpiresAt: contacts.validationExpiresAt,
      contactability: contacts.scoreContactability,
    })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), equalsAny(contacts.id, contactIds)));
  const consent = await tx
    .select({ contactId: consentStates.contactId, channel: consentStates.channel, status: consentStates.status, at: consentStates.updatedAt })
    .from(consentStates)
    .where(and(eq(consentStates.tenantId, tenantId), equalsAny(consentStates.contactId, contactIds)));
  const windows = options.channelIds.length
    ? await tx
        .select({ contactId: conversations.contactId, channelId: conversations.channelId, lastInboundAt: conversations.lastInboundAt })
        .from(conversations)
        .where(and(eq(conversations.tenantId, tenantId), equalsAny(conversations.contactId, contactIds), equalsAny(conversations.channelId, options.channelIds)))
    : [];
  const recent = options.frequencyCapDays
    ? await tx
        .select({ contactId: campaignRecipients.contactId, at: sql<Date>`max(${campaignRecipients.queuedAt})`.mapWith((v: string) => new Date(v)) })
        .from(campaignRecipients)
        .where(
          and(
            eq(campaignRecipients.tenantId, tenantId),
            equalsAny(campaignRecipients.contactId, contactIds),
            ne(campaignRecipients.campaignId, options.campaignId),
            isNotNull(campaignRecipients.queuedAt),
            sql`${campaignRecipients.queuedAt} > ${new Date(options.now.getTime() - options.frequencyCapDays * 86_400_000).toISOString()}::timestamptz`,
          ),
        )
        .groupBy(campaignRecipients.contactId)
    : [];
  const consentBy = new Map<string, ConsentState[]>();
  for (const c of consent) pushTo(consentBy, c.contactId, { channel: c.channel, status: c.status, at: c.at });
  const windowsBy = new Map<string, Map<string, Date | null>>();
  for (const w of windows) {
    const byChannel = windowsBy.get(w.contactId) ?? new Map<string, Date | null>();
    byChannel.set(w.channelId, w.lastInboundAt);
    windowsBy.set(w.contactId, byChannel);
  }
  const recentBy = new Map(recent.map((r) => [r.contactId, r.at]));
  return new Map(
    rows.map((r) => [
      r.id,
      {
        contact: r,
        gate: {
          phoneE164: r.phoneE164,
          phoneValid: r.phoneValid,
          whatsapp: r.whatsapp,
          blacklisted: r.blacklisted,
          validationStatus: r.validationStatus,
          validationExpiresAt: r.validationExpiresAt,
          contactability: r.contactability,
          consent: consentBy.get(r.id) ?? [],
          lastCampaignMessageAt: recentBy.get(r.id) ?? null,
        },
        windows: windowsBy.get(r.id) ?? new Map<string, Date | null>(),
      },
    ]),
  );
}

export type ContactForGate = {
  id: string;
  firstName: string;
  lastName: string;
  company: string;
  email: string | null;
  phoneE164: string | null;
  phoneCountry: string | null;
  attributes: Record<string, unknown>;
};

export async function contactForPreview(tx: Tx, tenantId: string, contactId: string) {
  const [row] = await tx
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, company: contacts.company, email: contacts.email, phoneE164: contacts.phoneE164, attributes: contacts.attributes })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId)));
  return row ?? null;
}

/** Of these recipients, how many have since opted out or been blacklisted (the opt-out guard rail). */
export async function countOptedOut(tx: Tx, tenantId: string, contactIds: string[]): Promise<number> {
  if (contactIds.length === 0) return 0;
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(contacts)
    .where(
      and(
        eq(contacts.tenantId, tenantId),
        equalsAny(contacts.id, contactIds),
        sql`(${contacts.blacklisted} or exists (select 1 from ${consentStates} where ${consentStates.tenantId} = ${contacts.tenantId}
             and ${consentStates.contactId} = ${contacts.id} and ${consentStates.status} = 'opted_out'))`,
      ),
    );
  return row?.n ?? 0;
}

/** A page of the ledger with the names and numbers the report shows (reads the contacts' table). */
export function recipientPage(tx: Tx, options: { tenantId: string; campaignId: string; status?: string | undefined; after?: string | undefined; limit: number }) {
  return tx
    .select({
      r: campaignRecipients,
      contact: { firstName: contacts.firstName, lastName: contacts.lastName, company: contacts.company, phoneE164: contacts.phoneE164 },
    })
    .from(campaignRecipients)
    .leftJoin(contacts, and(eq(contacts.tenantId, campaignRecipients.tenantId), eq(contacts.id, campaignRecipients.contactId)))
    .where(
      and(
        eq(campaignRecipients.tenantId, options.tenantId),
        eq(campaignRecipients.campaignId, options.campaignId),
        options.status ? eq(campaignRecipients.status, options.status as never) : undefined,
        options.after ? gt(campaignRecipients.contactId, options.after) : undefined,
      ),
    )
    .orderBy(asc(campaignRecipients.contactId))
    .limit(options.limit);
}

export type TimelineBucket = 'minute' | 'hour' | 'day';
export type TimelinePoint = { at: string; queued: number; sent: number; delivered: number; read: number; replied: number; failed: number };

/**
 * The campaign's outcomes over time: the per-minute rows the ledger's trigger keeps (decision 0034,
 * superseding 0026's derivation), summed into minute, hour or day buckets (UTC). Each ledger row
 * counts once per outcome its *current* status has reached (the same funnel as computeStats, so
 * each series adds up to the counters) at the time its message reached it: queued at the ledger's
 * `queued_at`, sent/delivered/read at the message's `sent_at`/`delivered_at`/`read_at`, replied at
 * the ledger's `replied_at`, failed at the message's `failed_at`; a stage the provider never
 * reported takes the next known time, then the row's `updated_at`. Reads one index range of a few
 * rows per minute of sending, however many recipients the campaign has.
 */
export async function campaignTimeline(tx: Tx, tenantId: string, campaignId: string, bucket: TimelineBucket): Promise<TimelinePoint[]> {
  const width = sql.raw(`'${({ minute: '1 minute', hour: '1 hour', day: '1 day' } as const)[bucket]}'::interval`);
  const c = campaignTimeline_;
  const rows = await tx.execute<TimelinePoint>(sql`
    select to_char(t.bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "at", t.queued, t.sent, t.delivered, t.read, t.replied, t.failed
      from (
        select date_bin(${width}, ${c.minute}, timestamptz '2000-01-01 00:00Z') as bucket,
               sum(${c.queued})::int as "queued", sum(${c.sent})::int as "sent", sum(${c.delivered})::int as "delivered",
               sum(${c.read})::int as "read", sum(${c.replied})::int as "replied", sum(${c.failed})::int as "failed"
          from ${c}
         where ${c.tenantId} = ${tenantId} and ${c.campaignId} = ${campaignId}
         group by 1) as t
     -- A minute whose rows cancel out (a cool-down took back what it had) is no point of the chart.
     where (t.queued, t.sent, t.delivered, t.read, t.replied, t.failed) <> (0, 0, 0, 0, 0, 0)
     order by t.bucket`);
  return [...rows];
}

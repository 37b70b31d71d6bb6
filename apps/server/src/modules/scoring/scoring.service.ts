import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import type { NewContactScoring } from '../../platform/events/domain-events';
import { defineJob } from '../../platform/jobs/queue';
import { loadScoringRows, writeScores, type ScoreUpdate } from '../contacts';
import { contactSignals, scoringSettings, type PotentialRule } from './scoring.tables';
import { computeScores, type ScoringInput } from './scores';
import { equalsAny } from '../../platform/db/equals-any';

type ScoringRow = Awaited<ReturnType<typeof loadScoringRows>>[number];

export const DEFAULT_THRESHOLD = 70;
const PAGE = 2000;
/** Pages a re-score of every contact writes at once (each its own transaction and connection on PostgreSQL). */
const WRITES_IN_FLIGHT = 2;
/** How long signals gather before their contacts are rescored (one rescore per contact for a burst). */
const RESCORE_DELAY_SECONDS = 2;

export async function getScoringSettings(tx: Tx, tenantId: string) {
  const [row] = await tx.select().from(scoringSettings).where(eq(scoringSettings.tenantId, tenantId));
  return { threshold: row?.threshold ?? DEFAULT_THRESHOLD, potentialRules: row?.potentialRules ?? [] };
}

export function toScoringInput(row: ScoringRow, signals: ScoringInput['signals']): ScoringInput {
  return {
    phoneValid: row.phoneValid,
    phoneType: row.phoneType,
    email: row.email,
    website: row.website,
    company: row.company,
    tags: row.tags,
    attributes: row.attributes,
    whatsapp: row.whatsapp,
    imessage: row.imessage,
    blacklisted: row.blacklisted,
    consent: row.consent,
    signals,
    fields: { firstName: row.firstName, lastName: row.lastName, company: row.company, email: row.email, website: row.website, source: row.source },
  };
}

async function signalsOf(tx: Tx, options: { tenantId: string; contactIds: string[] }) {
  if (options.contactIds.length === 0) return new Map<string, ScoringInput['signals']>();
  const signals = await tx
    .select()
    .from(contactSignals)
    .where(and(eq(contactSignals.tenantId, options.tenantId), equalsAny(contactSignals.contactId, options.contactIds)));
  return new Map<string, ScoringInput['signals']>(signals.map((s) => [s.contactId, s]));
}

function scoreRows(options: { rows: ScoringRow[]; signals: Map<string, ScoringInput['signals']>; rules: PotentialRule[] }): ScoreUpdate[] {
  return options.rows.map((row) => {
    const s = computeScores(toScoringInput(row, options.signals.get(row.id) ?? null), options.rules);
    return { contactId: row.id, contactability: s.contactability, digitalMaturity: s.digitalMaturity, potential: s.potential, details: s.details };
  });
}

/** Recomputes and stores the scores of some contacts, inside the caller's transaction; only changed scores are written. */
export async function rescoreContacts(tx: Tx, options: { tenantId: string; rows: ScoringRow[]; rules: PotentialRule[]; at: Date }) {
  const { tenantId, rows } = options;
  if (rows.length === 0) return 0;
  const signals = await signalsOf(tx, { tenantId, contactIds: rows.map((r) => r.id) });
  const updates = scoreRows({ rows, signals, rules: options.rules });
  await writeScores(tx, { tenantId, updates, at: options.at });
  return updates.length;
}

/** A contact about to be created has no signals, no channel checks and no other consent than its own. */
function newContactInput(c: NewContactScoring): ScoringInput {
  return {
    phoneValid: c.phoneValid,
    phoneType: c.phoneType,
    email: c.email,
    website: c.website,
    company: c.company,
    tags: c.tags,
    attributes: c.attributes,
    whatsapp: 'unknown',
    imessage: 'unknown',
    blacklisted: c.blacklisted,
    consent: c.consent,
    signals: null,
    fields: { firstName: c.firstName, lastName: c.lastName, company: c.company, email: c.email, website: c.website, source: c.source },
  };
}

export function createScoringService(deps: ModuleDeps) {
  const { database, events, clock } = deps;

  // Scores follow their inputs in the same transaction: an edit and its new score commit together.
  events.on('contacts.changed', async (tx, { tenantId, contactIds, scored }) => {
    if (scored) return;
    const { potentialRules } = await getScoringSettings(tx, tenantId);
    for (let i = 0; i < contactIds.length; i += PAGE) {
      const rows = await loadScoringRows(tx, { tenantId, contactIds: contactIds.slice(i, i + PAGE) });
      await rescoreContacts(tx, { tenantId, rows, rules: potentialRules, at: clock.now() });
    }
  });

  // New contacts are scored before they are written, so an import writes each row once.
  events.on('contacts.creating', async (tx, { tenantId, contacts }) => {
    const { potentialRules } = await getScoringSettings(tx, tenantId);
    const at = clock.now();
    for (const c of contacts) c.scores = { ...computeScores(newContactInput(c), potentialRules), at };
  });

  /**
   * Delivery history is a contactability input: count it in the caller's transaction and mark the
   * contact for a rescore, which a background job of the tenant does shortly after (coalesced: a
   * burst of replies or statuses costs one rescore per contact, not one per message; decision 0020).
   */
  async function signal(tx: Tx, tenantId: string, counts: { contactId: string; delivered?: number; failed?: number; replies?: number; lastFailureCode?: string | null; lastReplyAt?: Date | null }[]) {
    if (counts.length === 0) return;
    // One row per contact (a statement may not touch a row twice): counters summed, the latest reply kept.
    const merged = new Map<string, { contactId: string; delivered: number; failed: number; replies: number; lastFailureCode: string | null; lastReplyAt: Date | null }>();
    for (const c of counts) {
      const m = merged.get(c.contactId) ?? { contactId: c.contactId, delivered: 0, failed: 0, replies: 0, lastFailureCode: null, lastReplyAt: null };
      m.delivered += c.delivered ?? 0;
      m.failed += c.failed ?? 0;
      m.replies += c.replies ?? 0;
      if (c.lastFailureCode) m.lastFailureCode = c.lastFailureCode;
      if (c.lastReplyAt && (!m.lastReplyAt || c.lastReplyAt > m.lastReplyAt)) m.lastReplyAt = c.lastReplyAt;
      merged.set(c.contactId, m);
    }
    const rows = [...merged.values()];
    const col = <T>(f: (r: (typeof rows)[number]) => T) => sql.param(rows.map(f));
    await tx.execute(sql`
      insert into ${contactSignals} as s (tenant_id, contact_id, delivered, failed, replies, last_failure_code, last_reply_at, rescore_pending)
      select ${tenantId}, v.contact_id, v.delivered, v.failed, v.replies, v.last_failure_code, v.last_reply_at, true
        from unnest(${col((r) => r.contactId)}::uuid[], ${col((r) => r.delivered)}::int[], ${col((r) => r.failed)}::int[], ${col((r) => r.replies)}::int[],
                    ${col((r) => r.lastFailureCode)}::text[], ${col((r) => r.lastReplyAt?.toISOString() ?? null)}::text[]::timestamptz[])
          as v(contact_id, delivered, failed, replies, last_failure_code, last_reply_at)
      on conflict (tenant_id, contact_id) do update set
        delivered = s.delivered + excluded.delivered,
        failed = s.failed + excluded.failed,
        replies = s.replies + excluded.replies,
        last_failure_code = coalesce(excluded.last_failure_code, s.last_failure_code),
        last_reply_at = greatest(s.last_reply_at, excluded.last_reply_at),
        rescore_pending = true,
        updated_at = now()`);
    // One background rescore per transaction is enough: it takes every contact marked by then. It
    // starts a moment later (one waiting job per tenant: the signals of that moment share it) and
    // so stays out of the way of a burst of webhooks being processed.
    await memoInTx(tx, `rescore-signalled:${tenantId}`, () => deps.jobs.enqueue(rescoreSignalledJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: RESCORE_DELAY_SECONDS }));
  }
  events.on('messages.delivered', (tx, e) => signal(tx, e.tenantId, [{ contactId: e.contactId, delivered: 1 }]));
  events.on('messages.delivery-failed', (tx, e) => signal(tx, e.tenantId, [{ contactId: e.contactId, failed: 1, lastFailureCode: e.code }]));
  events.on('messages.replies-received', (tx, e) => signal(tx, e.tenantId, e.replies.map((r) => ({ contactId: r.contactId, replies: 1, lastReplyAt: r.at }))));

  /**
   * Rescores the contacts whose signals changed since their last score, a page per transaction:
   * each page is claimed (the flag cleared, rows locked so a new signal for them waits and marks
   * them again after this commits), recomputed and written. Returns how many were rescored.
   */
  async function rescoreSignalled(tenantId: string, options: { signal?: AbortSignal } = {}) {
    let done = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const n = await database.withTenant(tenantId, async (tx) => {
        const claimed = await tx.execute<{ contact_id: string }>(sql`
          update ${contactSignals} set rescore_pending = false
           where tenant_id = ${tenantId} and contact_id in (
                   select contact_id from ${contactSignals}
                    where tenant_id = ${tenantId} and rescore_pending
                    order by contact_id limit ${PAGE} for update skip locked)
          returning contact_id`);
        if (claimed.length === 0) return 0;
        const { potentialRules } = await getScoringSettings(tx, tenantId);
        const rows = await loadScoringRows(tx, { tenantId, contactIds: claimed.map((c) => c.contact_id) });
        await rescoreContacts(tx, { tenantId, rows, rules: potentialRules, at: clock.now() });
        return claimed.length;
      });
      done += n;
      if (n < PAGE) break;
    }
    return done;
  }

  const rescoreSignalledJob = defineJob({
    name: 'scoring.rescore-signalled',
    payload: z.object({}).loose(),
    policy: 'stately',
    retryLimit: 5,
    retryDelaySeconds: 2,
    async run(_payload, ctx) {
      return { rescored: await rescoreSignalled(ctx.tenantId!, { signal: ctx.signal }) };
    },
  });

  /**
   * Re-scores every contact of a tenant, page by page, as a pipeline: the next page is read (on
   * another connection, on PostgreSQL) and scored while the previous ones are written, up to
   * WRITES_IN_FLIGHT writes at a time (pages hold distinct contacts, and explanations are stored in
   * id order, so concurrent writes never wait on each other in a cycle); only changed scores are
   * written, each page in its own transaction. Progress counts pages written, in page order.
   */
  async function rescoreAll(options: { tenantId: string; onProgress?: (done: number) => Promise<void> }) {
    const { tenantId } = options;
    const { potentialRules } = await database.withTenant(tenantId, (tx) => getScoringSettings(tx, tenantId));
    const read = (afterId: string | null) =>
      database.withTenant(tenantId, async (tx) => {
        const rows = await loadScoringRows(tx, { tenantId, afterId, limit: PAGE });
        return { rows, signals: await signalsOf(tx, { tenantId, contactIds: rows.map((r) => r.id) }) };
      });
    let done = 0;
    let next = read(null);
    const writing: Promise<number>[] = [];
    const settleOldest = async () => {
      done += await writing.shift()!;
      await options.onProgress?.(done);
    };
    for (;;) {
      const page = await next;
      const last = page.rows.length === PAGE ? page.rows.at(-1)!.id : null;
      next = last ? read(last) : Promise.resolve({ rows: [], signals: new Map() });
      // A failed read or write is seen when the loop awaits it; until then it must not count as unhandled.
      next.catch(() => undefined);
      // Scored while earlier pages are written, before this write's transaction opens: it holds no transaction while computing.
      const updates = scoreRows({ rows: page.rows, signals: page.signals, rules: potentialRules });
      while (writing.length >= WRITES_IN_FLIGHT) await settleOldest();
      const count = page.rows.length;
      const write = updates.length ? database.withTenant(tenantId, (tx) => writeScores(tx, { tenantId, updates, at: clock.now() })).then(() => count) : Promise.resolve(count);
      write.catch(() => undefined);
      writing.push(write);
      if (!last) {
        while (writing.length) await settleOldest();
        await next;
        return done;
      }
    }
  }

  const rescoreJob = defineJob({
    name: 'scoring.rescore-all',
    payload: z.object({}),
    expireInSeconds: 3600,
    async run(_payload, ctx) {
      const rescored = await rescoreAll({ tenantId: ctx.tenantId!, onProgress: (n) => ctx.progress(n) });
      return { rescored };
    },
  });

  return { rescoreAll, rescoreJob, rescoreSignalled, rescoreSignalledJob };
}

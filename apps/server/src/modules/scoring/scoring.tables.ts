import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tenantId, tstz, updatedAt } from '../../platform/db/columns';

/**
 * What other modules have learned about reaching a contact (deliveries, failures, replies),
 * accumulated from their events. Contactability reads it; contacts never see it.
 */
export const contactSignals = pgTable(
  'contact_signals',
  {
    tenantId: tenantId(),
    contactId: uuid().notNull(),
    delivered: integer().notNull().default(0),
    failed: integer().notNull().default(0),
    replies: integer().notNull().default(0),
    lastFailureCode: text(),
    lastReplyAt: tstz(),
    /**
     * A signal arrived since the contact was last scored: the background rescore (coalesced per
     * tenant, a couple of seconds later, decision 0020) recomputes it and clears this.
     */
    rescorePending: boolean().notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contactId] }), index('contact_signals_rescore_pending_idx').on(t.tenantId, t.contactId).where(sql`${t.rescorePending}`)],
);

export type PotentialRule = {
  id: string;
  label: string;
  /** A contact field (`company`, `tags`, …) or `attr:<key>`. */
  field: string;
  op: 'eq' | 'neq' | 'contains' | 'gt' | 'lt' | 'exists' | 'has_tag';
  value?: string | number;
  points: number;
};

/** A tenant's scoring settings: the gate's threshold and the commercial-potential rules. */
export const scoringSettings = pgTable('scoring_settings', {
  tenantId: uuid().primaryKey(),
  threshold: integer().notNull().default(70),
  potentialRules: jsonb().$type<PotentialRule[]>().notNull().default([]),
  updatedAt: updatedAt(),
});

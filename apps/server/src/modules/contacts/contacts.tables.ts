import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';

export type Reachability = 'unknown' | 'yes' | 'no';
export type ValidationStatus = 'pending' | 'approved' | 'rejected';
export type ScoreComponent = { code: string; label: string; points: number };
export type ScoreDetails = { contactability: ScoreComponent[]; digitalMaturity: ScoreComponent[]; potential: ScoreComponent[] };

/**
 * A prospect or customer. One person is one contact per tenant: `phone_key` (see phone.ts) is
 * unique. Scores and the validation state live here so lists and queues can sort and filter on
 * them; the scoring module computes the scores and writes them through this module.
 */
export const contacts = pgTable(
  'contacts',
  {
    tenantId: tenantId(),
    id: id(),
    firstName: text().notNull().default(''),
    lastName: text().notNull().default(''),
    company: text().notNull().default(''),
    phoneRaw: text().notNull().default(''),
    phoneE164: text('phone_e164'),
    phoneKey: text(),
    phoneValid: boolean().notNull().default(false),
    phoneType: text(),
    phoneCountry: text(),
    email: text(),
    website: text(),
    address: text(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    source: text().notNull().default('manual'),
    ownerId: uuid(),
    attributes: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** Lower-cased, accent-free name, company and email: what trigram search matches. */
    searchText: text().notNull().default(''),
    whatsapp: text().$type<Reachability>().notNull().default('unknown'),
    whatsappCheckedAt: tstz(),
    imessage: text().$type<Reachability>().notNull().default('unknown'),
    imessageCheckedAt: tstz(),
    /** Mirrors the blacklist (kept in step by the blacklist functions) so lists can filter on it. */
    blacklisted: boolean().notNull().default(false),
    validationStatus: text().$type<ValidationStatus>().notNull().default('pending'),
    validatedAt: tstz(),
    validatedBy: uuid(),
    validationExpiresAt: tstz(),
    validationReason: text(),
    scoreContactability: smallint().notNull().default(0),
    scoreDigitalMaturity: smallint().notNull().default(0),
    scorePotential: smallint().notNull().default(0),
    /** The explanation of the three scores: a row of score_explanations, shared by every contact with the same one. */
    scoreExplanationId: uuid(),
    scoredAt: tstz(),
    /** The import that created the contact: tells a duplicate inside one file from an existing contact. */
    importId: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('contacts_tenant_phone_key_key').on(t.tenantId, t.phoneKey).where(sql`${t.phoneKey} is not null`),
    index('contacts_tenant_email_idx').on(t.tenantId, t.email),
    // Trigrams only, no tenant_id: in a GIN the tenant is one key whose posting list holds every
    // contact of the tenant, read and intersected by each search (240 ms for an e-mail search in a
    // tenant of 946,000). The tenant is checked on the few rows the trigrams find.
    index('contacts_search_trgm_idx').using('gin', sql`${t.searchText} gin_trgm_ops`),
    index('contacts_phone_trgm_idx').using('gin', sql`${t.phoneKey} gin_trgm_ops`),
    index('contacts_tenant_tags_idx').using('gin', t.tenantId, t.tags),
    // `attributes @> {"key": value}` for rare attribute values (contact-filter.ts); contacts without
    // attributes (most imports) add no entry.
    index('contacts_attributes_idx').using('gin', sql`${t.attributes} jsonb_path_ops`).where(sql`${t.attributes} <> '{}'::jsonb`),
    index('contacts_tenant_owner_idx').on(t.tenantId, t.ownerId, t.id),
    index('contacts_tenant_contactability_idx').on(t.tenantId, sql`${t.scoreContactability} desc`, sql`${t.id} desc`),
    index('contacts_validation_queue_idx')
      .on(t.tenantId, sql`${t.scoreContactability} desc`, sql`${t.id} desc`)
      .where(sql`${t.validationStatus} = 'pending'`),
  ],
);

/**
 * Score explanations, stored once per distinct text and named by its hash: a million contacts share
 * a few dozen of them. Inline, each contact carried ~600 bytes of JSON that every import and re-score
 * wrote again (decision 0032). Rows are never changed; a new explanation is a new row.
 */
export const scoreExplanations = pgTable(
  'score_explanations',
  {
    tenantId: tenantId(),
    /** md5 of the explanation's JSON text, as a uuid. */
    id: uuid().notNull(),
    details: jsonb().$type<ScoreDetails>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export type ConsentChannel = 'whatsapp' | 'imessage' | 'sms' | 'any';
export type ConsentStatus = 'opted_in' | 'opted_out';

/** Every consent decision ever recorded: append-only evidence. */
export const consentEvents = pgTable(
  'consent_events',
  {
    tenantId: tenantId(),
    id: id(),
    contactId: uuid().notNull(),
    channel: text().$type<ConsentChannel>().notNull(),
    status: text().$type<ConsentStatus>().notNull(),
    source: text().notNull(),
    textShown: text(),
    evidence: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    recordedBy: uuid(),
    recordedAt: tstz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('consent_events_tenant_contact_idx').on(t.tenantId, t.contactId, t.recordedAt),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete('cascade'),
  ],
);

/** The current consent per contact and channel (the latest event). */
export const consentStates = pgTable(
  'consent_states',
  {
    tenantId: tenantId(),
    contactId: uuid().notNull(),
    channel: text().$type<ConsentChannel>().notNull(),
    status: text().$type<ConsentStatus>().notNull(),
    eventId: uuid().notNull(),
    updatedAt: tstz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.contactId, t.channel] }),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete('cascade'),
  ],
);

/** Do-not-contact numbers, contacts or not. Matched on the phone key. */
export const blacklist = pgTable(
  'blacklist',
  {
    tenantId: tenantId(),
    phoneKey: text().notNull(),
    phoneE164: text('phone_e164'),
    phoneRaw: text().notNull(),
    reason: text().notNull(),
    source: text().notNull().default('manual'),
    addedBy: uuid(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.phoneKey] }), index('blacklist_tenant_created_idx').on(t.tenantId, t.createdAt)],
);

/** People who share a contact's household; confirmed ones are protected from deletion and automatic edits. */
export const householdMembers = pgTable(
  'household_members',
  {
    tenantId: tenantId(),
    id: id(),
    contactId: uuid().notNull(),
    name: text().notNull(),
    relation: text().notNull().default(''),
    phone: text(),
    confirmed: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('household_members_tenant_contact_idx').on(t.tenantId, t.contactId),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete('cascade'),
  ],
);

export type FieldType = 'text' | 'number' | 'date' | 'choice';

/** The tenant's catalogue of custom attributes: what `contacts.attributes` may hold, and its type. */
export const fieldDefinitions = pgTable(
  'field_definitions',
  {
    tenantId: tenantId(),
    key: text().notNull(),
    label: text().notNull(),
    type: text().$type<FieldType>().notNull(),
    choices: text().array().notNull().default(sql`'{}'::text[]`),
    position: integer().notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

/** A saved filter, reused by lists, exports and campaign audiences. */
export const segments = pgTable(
  'segments',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    filter: jsonb().$type<Record<string, unknown>>().notNull(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export type ValidationAction = 'approved' | 'rejected' | 'note' | 'expired' | 'reset';

export const validationEvents = pgTable(
  'validation_events',
  {
    tenantId: tenantId(),
    id: id(),
    contactId: uuid().notNull(),
    action: text().$type<ValidationAction>().notNull(),
    reason: text(),
    note: text(),
    userId: uuid(),
    at: tstz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('validation_events_tenant_contact_idx').on(t.tenantId, t.contactId, t.at),
    index('validation_events_tenant_user_idx').on(t.tenantId, t.userId, t.at),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete('cascade'),
  ],
);

export type ImportMode = 'file-only' | 'skip-existing' | 'update-existing';
export type ImportStatus = 'draft' | 'queued' | 'running' | 'completed' | 'failed';

/** A CSV import: the stored file, the chosen mapping, and its progress and counts. */
export const contactImports = pgTable(
  'contact_imports',
  {
    tenantId: tenantId(),
    id: id(),
    blobId: uuid().notNull(),
    fileName: text().notNull(),
    fileSize: bigint({ mode: 'number' }).notNull(),
    encoding: text().notNull(),
    delimiter: text().notNull(),
    columns: text().array().notNull(),
    mapping: jsonb().$type<Record<string, string>>(),
    mode: text().$type<ImportMode>().notNull().default('file-only'),
    options: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: text().$type<ImportStatus>().notNull().default('draft'),
    taskId: uuid(),
    /** Rows committed so far (the checkpoint a resumed import continues after). */
    processedRows: integer().notNull().default(0),
    processedBytes: bigint({ mode: 'number' }).notNull().default(0),
    inserted: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    skipped: integer().notNull().default(0),
    rejected: integer().notNull().default(0),
    error: text(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: tstz(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('contact_imports_tenant_created_idx').on(t.tenantId, t.createdAt)],
);

/** Rows an import could not take or skipped, with their number and why: the downloadable report. */
export const importIssues = pgTable(
  'import_issues',
  {
    tenantId: tenantId(),
    importId: uuid().notNull(),
    rowNumber: integer().notNull(),
    kind: text().$type<'rejected' | 'skipped'>().notNull(),
    reason: text().notNull(),
    data: jsonb().$type<string[]>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.importId, t.rowNumber] }),
    foreignKey({ columns: [t.tenantId, t.importId], foreignColumns: [contactImports.tenantId, contactImports.id] }).onDelete('cascade'),
  ],
);

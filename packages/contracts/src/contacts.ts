import { z } from 'zod';

export const Reachability = z.enum(['unknown', 'yes', 'no']);
export const ValidationStatus = z.enum(['pending', 'approved', 'rejected']);
export const ConsentChannel = z.enum(['whatsapp', 'imessage', 'sms', 'any']);
export const ConsentStatus = z.enum(['opted_in', 'opted_out']);
export const ImportMode = z.enum(['file-only', 'skip-existing', 'update-existing']);
export const FieldType = z.enum(['text', 'number', 'date', 'choice']);

const Text = (max: number) => z.string().trim().max(max);
const Tag = z.string().trim().min(1).max(60);
export const AttributeKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and underscores');

export const ScoreComponent = z.object({ code: z.string(), label: z.string(), points: z.number() });

export const Contact = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  company: z.string(),
  /** As entered. */
  phone: z.string(),
  phoneE164: z.string().nullable(),
  phoneValid: z.boolean(),
  phoneType: z.string().nullable(),
  email: z.string().nullable(),
  website: z.string().nullable(),
  address: z.string().nullable(),
  tags: z.array(z.string()),
  source: z.string(),
  ownerId: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  scores: z.object({ contactability: z.number(), digitalMaturity: z.number(), potential: z.number() }),
  scoreDetails: z
    .object({ contactability: z.array(ScoreComponent), digitalMaturity: z.array(ScoreComponent), potential: z.array(ScoreComponent) })
    .nullable(),
  validated: z.boolean(),
  validation: z.object({
    status: ValidationStatus,
    at: z.string().nullable(),
    by: z.string().nullable(),
    expiresAt: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  blacklisted: z.boolean(),
  consent: z.record(z.string(), ConsentStatus),
  reachability: z.object({ whatsapp: Reachability, imessage: Reachability }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Contact = z.infer<typeof Contact>;

export const ContactInput = z.strictObject({
  firstName: Text(120).optional(),
  lastName: Text(120).optional(),
  company: Text(200).optional(),
  phone: Text(40).optional(),
  email: z.union([z.email().max(254), z.literal('')]).optional(),
  website: Text(300).optional(),
  address: Text(500).optional(),
  tags: z.array(Tag).max(50).optional(),
  ownerId: z.uuid().nullable().optional(),
  attributes: z.record(AttributeKey, z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).optional(),
});
export type ContactInput = z.infer<typeof ContactInput>;

const Range = z.object({ min: z.number().int().min(0).max(100).optional(), max: z.number().int().min(0).max(100).optional() });

/** A saved or ad-hoc filter over contacts: lists, exports, bulk actions and campaign audiences use it. */
export const ContactFilter = z.strictObject({
  search: z.string().trim().max(200).optional(),
  tags: z.array(Tag).max(20).optional(),
  ownerId: z.uuid().nullable().optional(),
  contactability: Range.optional(),
  digitalMaturity: Range.optional(),
  potential: Range.optional(),
  consent: z.object({ channel: ConsentChannel, status: z.enum(['opted_in', 'opted_out', 'none']) }).optional(),
  validation: z.array(ValidationStatus).max(3).optional(),
  phoneValid: z.boolean().optional(),
  whatsapp: Reachability.optional(),
  imessage: Reachability.optional(),
  blacklisted: z.boolean().optional(),
  attributes: z
    .array(z.object({ key: AttributeKey, op: z.enum(['eq', 'neq', 'contains', 'gt', 'lt', 'exists']), value: z.union([z.string(), z.number()]).optional() }))
    .max(10)
    .optional(),
});
export type ContactFilter = z.infer<typeof ContactFilter>;

export const ContactSort = z.enum(['recent', 'name', 'contactability', 'potential']);

export const ContactListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
  sort: ContactSort.default('recent'),
  segment: z.uuid().optional(),
  /** A ContactFilter as JSON, for filters the simple parameters below cannot say. */
  filter: z.string().max(4000).optional(),
  search: z.string().trim().max(200).optional(),
  tag: z.union([Tag, z.array(Tag)]).optional(),
  owner: z.uuid().optional(),
  validation: ValidationStatus.optional(),
  phoneValid: z.enum(['true', 'false']).optional(),
  whatsapp: Reachability.optional(),
  blacklisted: z.enum(['true', 'false']).optional(),
  minContactability: z.coerce.number().int().min(0).max(100).optional(),
});

export const ConsentInput = z.strictObject({
  channel: ConsentChannel,
  status: ConsentStatus,
  source: z.string().trim().min(1).max(120),
  text: z.string().trim().max(2000).optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});

export const ConsentEvent = z.object({
  id: z.string(),
  channel: ConsentChannel,
  status: ConsentStatus,
  source: z.string(),
  text: z.string().nullable(),
  evidence: z.record(z.string(), z.unknown()),
  recordedBy: z.string().nullable(),
  recordedAt: z.string(),
});

export const BlacklistEntry = z.object({
  phone: z.string(),
  phoneE164: z.string().nullable(),
  phoneKey: z.string(),
  reason: z.string(),
  source: z.string(),
  addedBy: z.string().nullable(),
  createdAt: z.string(),
  contactCount: z.number(),
});
export const BlacklistInput = z.strictObject({ phone: z.string().trim().min(3).max(40), reason: z.string().trim().min(1).max(300) });

export const HouseholdMember = z.object({
  id: z.string(),
  name: z.string(),
  relation: z.string(),
  phone: z.string().nullable(),
  confirmed: z.boolean(),
});
export const HouseholdMemberInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  relation: z.string().trim().max(60).default(''),
  phone: z.string().trim().max(40).nullable().optional(),
  confirmed: z.boolean().default(false),
});

/** No defaults here: a PATCH changes only what it names. */
export const HouseholdMemberPatch = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  relation: z.string().trim().max(60).optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  confirmed: z.boolean().optional(),
});

export const FieldDefinition = z.object({ key: z.string(), label: z.string(), type: FieldType, choices: z.array(z.string()) });
export const FieldDefinitionInput = z.strictObject({
  key: AttributeKey,
  label: z.string().trim().min(1).max(80),
  type: FieldType,
  choices: z.array(z.string().trim().min(1).max(80)).max(100).default([]),
});

export const Segment = z.object({ id: z.string(), name: z.string(), filter: ContactFilter, createdAt: z.string(), updatedAt: z.string() });
export const SegmentInput = z.strictObject({ name: z.string().trim().min(1).max(120), filter: ContactFilter });

export const ContactImport = z.object({
  id: z.string(),
  fileName: z.string(),
  fileSize: z.number(),
  encoding: z.string(),
  delimiter: z.string(),
  columns: z.array(z.string()),
  mapping: z.record(z.string(), z.string()).nullable(),
  mode: ImportMode,
  status: z.enum(['draft', 'queued', 'running', 'completed', 'failed']),
  taskId: z.string().nullable(),
  processedRows: z.number(),
  progress: z.number(),
  counts: z.object({ inserted: z.number(), updated: z.number(), skipped: z.number(), rejected: z.number() }),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ContactImport = z.infer<typeof ContactImport>;

/** Contact fields a CSV column can be mapped to (plus `attr:<key>`, `tags` and `consent`). */
export const IMPORT_FIELDS = ['firstName', 'lastName', 'fullName', 'company', 'phone', 'email', 'website', 'address', 'tags', 'consent'] as const;

export const ImportPreview = z.object({
  import: ContactImport,
  rows: z.array(z.array(z.string())),
  guessedMapping: z.record(z.string(), z.string()),
});

export const StartImportBody = z.strictObject({
  /** Column name → `firstName` | … | `attr:<key>` | `ignore`. */
  mapping: z.record(z.string(), z.string().max(60)),
  mode: ImportMode.default('file-only'),
  /** Consent recorded for every imported contact with a truthy `consent` column (or all, when no column is mapped). */
  consent: z.object({ channel: ConsentChannel, source: z.string().trim().min(1).max(120), text: z.string().max(2000).optional() }).optional(),
  tags: z.array(Tag).max(10).default([]),
});

import { z } from 'zod';
import { ScoreComponent } from './contacts';

export const PotentialRule = z.object({
  id: z.string().min(1).max(40),
  label: z.string().trim().min(1).max(120),
  field: z.string().regex(/^(firstName|lastName|company|email|website|source|tags|attr:[a-z][a-z0-9_]{0,39})$/, 'a contact field, tags or attr:<key>'),
  op: z.enum(['eq', 'neq', 'contains', 'gt', 'lt', 'exists', 'has_tag']),
  value: z.union([z.string().max(200), z.number()]).optional(),
  points: z.number().int().min(-100).max(100),
});
export type PotentialRule = z.infer<typeof PotentialRule>;

export const ScoringSettings = z.object({
  threshold: z.number().int().min(0).max(100),
  potentialRules: z.array(PotentialRule).max(100),
});
export type ScoringSettings = z.infer<typeof ScoringSettings>;

export const ScoringSettingsInput = z.strictObject({
  threshold: z.number().int().min(0).max(100).optional(),
  potentialRules: z.array(PotentialRule).max(100).optional(),
});

export const ScoringPreviewInput = z.strictObject({ potentialRules: z.array(PotentialRule).max(100), limit: z.number().int().min(1).max(50).default(10) });
export const ScoringPreview = z.object({
  items: z.array(
    z.object({
      contactId: z.string(),
      name: z.string(),
      current: z.number(),
      potential: z.number(),
      components: z.array(ScoreComponent),
    }),
  ),
});
export const TaskStarted = z.object({ taskId: z.string().nullable() });

import { and, asc, eq } from 'drizzle-orm';
import { ContactFilter, type FieldDefinitionInput, type SegmentInput } from '@leadmaster/contracts';
import type { z } from 'zod';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError } from '../../platform/errors';
import { fieldDefinitions, segments } from './contacts.tables';
import { segmentNotFound } from './contacts.errors';

type SegmentRow = typeof segments.$inferSelect;

export function presentSegment(row: SegmentRow) {
  return {
    id: row.id,
    name: row.name,
    // Stored filters were valid when saved; anything a later release no longer understands is dropped.
    filter: ContactFilter.catch({}).parse(row.filter),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Saved segments and the custom-field catalogue. */
export function createSegmentsService(deps: ModuleDeps) {
  const { database } = deps;

  const list = (principal: Principal) =>
    database.withTenant(principal.tenantId, async (tx) =>
      (await tx.select().from(segments).where(eq(segments.tenantId, principal.tenantId)).orderBy(asc(segments.name))).map(presentSegment),
    );

  async function get(options: { principal: Principal; segmentId: string }) {
    const { tenantId } = options.principal;
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.select().from(segments).where(and(eq(segments.tenantId, tenantId), eq(segments.id, options.segmentId))),
    );
    if (!row) throw segmentNotFound();
    return presentSegment(row);
  }

  async function create(options: { principal: Principal; input: z.output<typeof SegmentInput> }) {
    const { tenantId, userId } = options.principal;
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.insert(segments).values({ tenantId, name: options.input.name, filter: options.input.filter, createdBy: userId }).returning(),
    );
    return presentSegment(row!);
  }

  async function update(options: { principal: Principal; segmentId: string; input: Partial<z.output<typeof SegmentInput>> }) {
    const { tenantId } = options.principal;
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx
        .update(segments)
        .set({ ...(options.input.name ? { name: options.input.name } : {}), ...(options.input.filter ? { filter: options.input.filter } : {}) })
        .where(and(eq(segments.tenantId, tenantId), eq(segments.id, options.segmentId)))
        .returning(),
    );
    if (!row) throw segmentNotFound();
    return presentSegment(row);
  }

  async function remove(options: { principal: Principal; segmentId: string }) {
    const { tenantId } = options.principal;
    const rows = await database.withTenant(tenantId, (tx) =>
      tx.delete(segments).where(and(eq(segments.tenantId, tenantId), eq(segments.id, options.segmentId))).returning({ id: segments.id }),
    );
    if (rows.length === 0) throw segmentNotFound();
  }

  const listFields = (principal: Principal) =>
    database.withTenant(principal.tenantId, async (tx) =>
      (
        await tx
          .select()
          .from(fieldDefinitions)
          .where(eq(fieldDefinitions.tenantId, principal.tenantId))
          .orderBy(asc(fieldDefinitions.position), asc(fieldDefinitions.key))
      ).map((f) => ({ key: f.key, label: f.label, type: f.type, choices: f.choices })),
    );

  async function createField(options: { principal: Principal; input: z.output<typeof FieldDefinitionInput> }) {
    const { tenantId } = options.principal;
    const { input } = options;
    if (input.type === 'choice' && input.choices.length === 0) {
      throw new AppError('validation_failed', 'A choice field needs at least one choice', { field: 'choices' });
    }
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx
        .insert(fieldDefinitions)
        .values({ tenantId, key: input.key, label: input.label, type: input.type, choices: input.type === 'choice' ? input.choices : [] })
        .onConflictDoNothing()
        .returning(),
    );
    if (!row) throw new AppError('already_exists', `A field "${input.key}" already exists`, { field: 'key', key: input.key, reason: 'field_key_taken' });
    return { key: row.key, label: row.label, type: row.type, choices: row.choices };
  }

  return { list, get, create, update, remove, listFields, createField };
}

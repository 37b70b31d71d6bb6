import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { CreateInboxLabelBody, CreateQuickReplyBody, InboxLabel, UpdateInboxLabelBody, UpdateQuickReplyBody } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, notFound } from '../../platform/errors';
import { normalizeSearch } from '../contacts';
import { getTenant } from '../tenants';
import { conversations, inboxLabels, messages, messagingSettings, quickReplies } from './messaging.tables';
import { conversationNotFound, type ConversationsService } from './conversations.service';
import type { Realtime } from './realtime';
import { equalsAny } from '../../platform/db/equals-any';

type LabelRow = typeof inboxLabels.$inferSelect;
const labelNotFound = () => notFound('Label');
const quickReplyNotFound = () => notFound('Quick reply');
/** How many of the latest inbound messages the label rules read. */
const SUGGEST_FROM_MESSAGES = 20;

/** Keywords in both languages: a contact writes in theirs, whatever the workspace's locale. */
const DEFAULT_LABELS: { es: string; en: string; color: InboxLabel['color']; keywords: string[] }[] = [
  { es: 'Interesado', en: 'Interested', color: 'green', keywords: ['me interesa', 'interesado', 'interesada', 'precio', 'cuanto sale', 'cotizacion', 'presupuesto', 'interested', 'price', 'how much', 'quote'] },
  { es: 'No interesado', en: 'Not interested', color: 'red', keywords: ['no me interesa', 'no gracias', 'no estoy interesado', 'no estoy interesada', 'not interested', 'no thanks', 'no thank you'] },
  { es: 'Seguimiento', en: 'Follow up', color: 'amber', keywords: ['mas tarde', 'manana', 'la semana que viene', 'despues te', 'llamame', 'later', 'tomorrow', 'next week', 'call me'] },
  { es: 'Cita', en: 'Appointment', color: 'blue', keywords: ['cita', 'reunion', 'turno', 'agendar', 'appointment', 'meeting', 'book a call'] },
  { es: 'Cliente', en: 'Customer', color: 'violet', keywords: [] },
];

const presentLabel = (row: LabelRow): InboxLabel => ({ id: row.id, name: row.name, color: row.color as InboxLabel['color'], keywords: row.keywords });
const duplicate = (field: string) => new AppError('conflict', `Another one already has this ${field}`, { fields: { [field]: 'already used' } });
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505' || (err as { cause?: { code?: string } }).cause?.code === '23505';

/** Does `text` (normalised) contain the keyword as whole words? */
function matches(text: string, keyword: string): boolean {
  const k = normalizeSearch(keyword);
  if (!k) return false;
  return new RegExp(`(^|[^\\p{L}\\p{N}])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u').test(text);
}

/**
 * Labels (tenant-defined, created with defaults once), the label rules that suggest them from what
 * the contact wrote, and quick replies.
 */
export function createLabelsService(deps: ModuleDeps & { realtime: Realtime; conversations: ConversationsService }) {
  const { database, realtime } = deps;

  /** The defaults, in the workspace's language, the first time anyone looks (never again). */
  async function seedDefaults(tx: Tx, tenantId: string) {
    const claimed = await tx
      .insert(messagingSettings)
      .values({ tenantId, labelsSeededAt: sql`now()` })
      .onConflictDoUpdate({ target: messagingSettings.tenantId, set: { labelsSeededAt: sql`now()` }, setWhere: isNull(messagingSettings.labelsSeededAt) })
      .returning({ tenantId: messagingSettings.tenantId });
    if (!claimed.length) return;
    const locale = (await getTenant(tx, tenantId)).locale === 'es' ? 'es' : 'en';
    await tx
      .insert(inboxLabels)
      .values(DEFAULT_LABELS.map((l) => ({ tenantId, name: l[locale], color: l.color, keywords: l.keywords })))
      .onConflictDoNothing();
  }

  async function listLabels(principal: Principal) {
    const { tenantId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      await seedDefaults(tx, tenantId);
      const rows = await tx.select().from(inboxLabels).where(eq(inboxLabels.tenantId, tenantId)).orderBy(asc(inboxLabels.createdAt), asc(inboxLabels.id));
      return { items: rows.map(presentLabel), nextCursor: null };
    });
  }

  async function createLabel(options: { principal: Principal; body: z.output<typeof CreateInboxLabelBody> }) {
    const { tenantId } = options.principal;
    try {
      return await database.withTenant(tenantId, async (tx) => {
        await seedDefaults(tx, tenantId);
        const [row] = await tx.insert(inboxLabels).values({ tenantId, ...options.body }).returning();
        return presentLabel(row!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate('name');
      throw err;
    }
  }

  async function updateLabel(options: { principal: Principal; labelId: string; body: z.output<typeof UpdateInboxLabelBody> }) {
    const { tenantId } = options.principal;
    const set = Object.fromEntries(Object.entries(options.body).filter(([, v]) => v !== undefined));
    try {
      return await database.withTenant(tenantId, async (tx) => {
        const [row] = await tx.update(inboxLabels).set(set).where(and(eq(inboxLabels.tenantId, tenantId), eq(inboxLabels.id, options.labelId))).returning();
        if (!row) throw labelNotFound();
        return presentLabel(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate('name');
      throw err;
    }
  }

  /** Removes the label and takes it off every conversation that had it. */
  async function deleteLabel(options: { principal: Principal; labelId: string }) {
    const { tenantId } = options.principal;
    await database.withTenant(tenantId, async (tx) => {
      const [row] = await tx.delete(inboxLabels).where(and(eq(inboxLabels.tenantId, tenantId), eq(inboxLabels.id, options.labelId))).returning({ id: inboxLabels.id });
      if (!row) throw labelNotFound();
      await tx
        .update(conversations)
        .set({ labelIds: sql`array_remove(${conversations.labelIds}, ${row.id}::uuid)` })
        .where(and(eq(conversations.tenantId, tenantId), sql`${conversations.labelIds} @> array[${row.id}::uuid]`));
    });
  }

  async function setConversationLabels(options: { principal: Principal; conversationId: string; labelIds: string[] }) {
    const { tenantId, userId } = options.principal;
    const wanted = [...new Set(options.labelIds)];
    return database.withTenant(tenantId, async (tx) => {
      const known = wanted.length ? await tx.select({ id: inboxLabels.id }).from(inboxLabels).where(and(eq(inboxLabels.tenantId, tenantId), equalsAny(inboxLabels.id, wanted))) : [];
      if (known.length !== wanted.length) throw new AppError('validation_failed', 'Unknown label', { fields: { labelIds: 'not a label of this workspace' } });
      const [row] = await tx
        .update(conversations)
        .set({ labelIds: wanted })
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)))
        .returning({ id: conversations.id });
      if (!row) throw conversationNotFound();
      realtime.conversationChanged(tx, tenantId, row.id);
      return deps.conversations.loadPresented(tx, tenantId, row.id, userId);
    });
  }

  /** Labels whose rules match the contact's latest messages, not yet on the conversation. */
  async function suggestLabels(options: { principal: Principal; conversationId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx.select({ labelIds: conversations.labelIds }).from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      await seedDefaults(tx, tenantId);
      const labels = await tx.select().from(inboxLabels).where(eq(inboxLabels.tenantId, tenantId));
      const recent = await tx
        .select({ body: messages.body })
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, options.conversationId), eq(messages.direction, 'inbound')))
        .orderBy(desc(messages.createdAt))
        .limit(SUGGEST_FROM_MESSAGES);
      const text = normalizeSearch(recent.map((m) => m.body).join(' \n '));
      const found = labels.flatMap((l) => l.keywords.filter((k) => matches(text, k)).map((k) => ({ label: l, keyword: normalizeSearch(k) })));
      // "no me interesa" also contains "me interesa": a keyword inside a longer match does not count.
      const kept = found
        .filter((f) => !found.some((o) => o.keyword.length > f.keyword.length && o.keyword.includes(f.keyword)))
        .filter((f) => !conversation.labelIds.includes(f.label.id));
      const byLabel = new Map<string, { label: InboxLabel; matched: string }>();
      for (const f of kept) if (!byLabel.has(f.label.id)) byLabel.set(f.label.id, { label: presentLabel(f.label), matched: f.keyword });
      return { items: [...byLabel.values()] };
    });
  }

  async function listQuickReplies(principal: Principal) {
    const rows = await database.withTenant(principal.tenantId, (tx) => tx.select().from(quickReplies).where(eq(quickReplies.tenantId, principal.tenantId)).orderBy(asc(sql`lower(${quickReplies.shortcut})`)));
    return { items: rows.map((r) => ({ id: r.id, shortcut: r.shortcut, body: r.body })), nextCursor: null };
  }

  async function createQuickReply(options: { principal: Principal; body: z.output<typeof CreateQuickReplyBody> }) {
    const { tenantId } = options.principal;
    try {
      const [row] = await database.withTenant(tenantId, (tx) => tx.insert(quickReplies).values({ tenantId, ...options.body }).returning());
      return { id: row!.id, shortcut: row!.shortcut, body: row!.body };
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate('shortcut');
      throw err;
    }
  }

  async function updateQuickReply(options: { principal: Principal; quickReplyId: string; body: z.output<typeof UpdateQuickReplyBody> }) {
    const { tenantId } = options.principal;
    const set = Object.fromEntries(Object.entries(options.body).filter(([, v]) => v !== undefined));
    try {
      const [row] = await database.withTenant(tenantId, (tx) => tx.update(quickReplies).set(set).where(and(eq(quickReplies.tenantId, tenantId), eq(quickReplies.id, options.quickReplyId))).returning());
      if (!row) throw quickReplyNotFound();
      return { id: row.id, shortcut: row.shortcut, body: row.body };
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate('shortcut');
      throw err;
    }
  }

  async function deleteQuickReply(options: { principal: Principal; quickReplyId: string }) {
    const { tenantId } = options.principal;
    const [row] = await database.withTenant(tenantId, (tx) => tx.delete(quickReplies).where(and(eq(quickReplies.tenantId, tenantId), eq(quickReplies.id, options.quickReplyId))).returning({ id: quickReplies.id }));
    if (!row) throw quickReplyNotFound();
  }

  return { listLabels, createLabel, updateLabel, deleteLabel, setConversationLabels, suggestLabels, listQuickReplies, createQuickReply, updateQuickReply, deleteQuickReply };
}

export type LabelsService = ReturnType<typeof createLabelsService>;

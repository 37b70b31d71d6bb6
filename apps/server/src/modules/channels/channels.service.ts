import { and, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { ChannelConfig, type CreateChannelBody, type Channel } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, notFound } from '../../platform/errors';
import { randomToken } from '../../platform/crypto/secrets';
import { actorOf, recordAudit } from '../audit';
import { channelAccounts, inboundEvents, type ChannelKind } from './channels.tables';

type ChannelRow = typeof channelAccounts.$inferSelect;
type ParsedCreate = z.output<typeof CreateChannelBody>;

/** Which configuration keys are secrets: encrypted at rest, never returned. */
const SECRET_KEYS: Record<ChannelKind, string[]> = {
  sandbox: [],
  whatsapp_cloud: ['accessToken', 'appSecret', 'verifyToken'],
  bluebubbles: ['password'],
  whatsapp_web: [],
};

export const channelNotFound = () => notFound('Channel');

export function createChannelsService(deps: ModuleDeps) {
  const { database, secrets, config } = deps;
  const base = (origin: string) => config.publicUrl ?? origin;

  function webhookUrl(row: ChannelRow, origin: string, bluebubblesSecret?: string): string | null {
    switch (row.kind) {
      case 'whatsapp_cloud':
        return `${base(origin)}/webhooks/whatsapp/${row.id}`;
      case 'bluebubbles':
        // The secret is part of the URL: shown once, when the channel is created.
        return `${base(origin)}/webhooks/bluebubbles/${row.id}/${bluebubblesSecret ?? '••••••'}`;
      default:
        return null;
    }
  }

  function present(row: ChannelRow, origin: string, bluebubblesSecret?: string): Channel {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      webhookUrl: webhookUrl(row, origin, bluebubblesSecret),
      settings: row.settings,
      providerState: row.providerState,
      createdAt: row.createdAt.toISOString(),
    };
  }

  /** The decrypted secrets of a channel, for its adapter. */
  function secretsOf(row: Pick<ChannelRow, 'secrets'>): Record<string, string> {
    return row.secrets ? (JSON.parse(secrets.decrypt(row.secrets)) as Record<string, string>) : {};
  }

  async function create(options: { principal: Principal; body: ParsedCreate; origin: string }) {
    const { principal, body } = options;
    const { tenantId } = principal;
    const settings: Record<string, unknown> = {};
    const secretValues: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body.config as Record<string, unknown>)) {
      if (SECRET_KEYS[body.kind].includes(key)) secretValues[key] = value;
      else settings[key] = value;
    }
    const bluebubblesSecret = body.kind === 'bluebubbles' ? randomToken(24) : undefined;
    return database.withTenant(tenantId, async (tx) => {
      const [row] = await tx
        .insert(channelAccounts)
        .values({
          tenantId,
          kind: body.kind,
          name: body.name,
          settings,
          secrets: Object.keys(secretValues).length ? secrets.encrypt(JSON.stringify(secretValues)) : null,
          webhookSecretHash: bluebubblesSecret ? secrets.hashToken(bluebubblesSecret) : null,
        })
        .returning();
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'channel.connected', target: { type: 'channel', id: row!.id }, details: { kind: body.kind, name: body.name } });
      return present(row!, options.origin, bluebubblesSecret);
    });
  }

  async function load(tenantId: string, channelId: string) {
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx.select().from(channelAccounts).where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId))),
    );
    if (!row) throw channelNotFound();
    return row;
  }

  async function list(options: { principal: Principal; origin: string }) {
    const rows = await database.withTenant(options.principal.tenantId, (tx) =>
      tx.select().from(channelAccounts).where(eq(channelAccounts.tenantId, options.principal.tenantId)).orderBy(desc(channelAccounts.createdAt)),
    );
    return rows.map((r) => present(r, options.origin));
  }

  const get = async (options: { principal: Principal; channelId: string; origin: string }) =>
    present(await load(options.principal.tenantId, options.channelId), options.origin);

  async function update(options: { principal: Principal; channelId: string; changes: { name?: string | undefined; status?: 'active' | 'disabled' | undefined }; origin: string }) {
    const { tenantId } = options.principal;
    await load(tenantId, options.channelId);
    const changes = Object.fromEntries(Object.entries(options.changes).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) return get(options);
    const [row] = await database.withTenant(tenantId, async (tx) => {
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'channel.updated', target: { type: 'channel', id: options.channelId }, details: changes });
      return tx.update(channelAccounts).set(changes).where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, options.channelId))).returning();
    });
    return present(row!, options.origin);
  }

  async function remove(options: { principal: Principal; channelId: string }) {
    const { tenantId } = options.principal;
    await database.withTenant(tenantId, async (tx) => {
      const removed = await tx.delete(channelAccounts).where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, options.channelId))).returning();
      if (removed.length === 0) throw channelNotFound();
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'channel.removed', target: { type: 'channel', id: options.channelId }, details: { kind: removed[0]!.kind } });
    });
  }

  /** Dead-lettered webhooks (and those still failing), newest first: what an admin looks at. */
  async function problems(options: { principal: Principal; limit: number }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, (tx) =>
      tx
        .select()
        .from(inboundEvents)
        .where(and(eq(inboundEvents.tenantId, tenantId), sql`${inboundEvents.status} = 'dead' or (${inboundEvents.status} = 'pending' and ${inboundEvents.attempts} > 0)`))
        .orderBy(desc(inboundEvents.receivedAt))
        .limit(options.limit),
    );
  }

  return { create, list, get, update, remove, load, secretsOf, problems, configSchema: ChannelConfig };
}

export type ChannelsService = ReturnType<typeof createChannelsService>;
export const invalidChannel = (message: string) => new AppError('validation_failed', message);

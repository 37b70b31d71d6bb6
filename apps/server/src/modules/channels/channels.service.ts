import { and, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { ChannelConfig, ChannelSettingsPatch, SHARED_NUMBER_MAX_MPS, type CreateChannelBody, type Channel, type ChannelTemplate } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, notFound } from '../../platform/errors';
import { randomToken } from '../../platform/crypto/secrets';
import { actorOf, recordAudit } from '../audit';
import { channelAccounts, inboundEvents, type ChannelKind } from './channels.tables';
import { ChannelSendError, type ChannelAdapter } from './adapters/adapter';
import { createAdapterRegistry } from './channels.adapters';
import { createSendGuards, dailyCapOf, sendGuardsOf } from './breaker';
import { messagingLimitOf } from './messaging-limit';
import { createWhatsAppCloudAdapter, type WhatsAppCloudSettings } from './whatsapp-cloud/whatsapp-cloud.adapter';

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

const issue = (field: string, message: string) => new AppError('validation_failed', `Invalid request: ${field}`, { issues: [{ field, message }] });

/**
 * A Cloud API number's send rate: 80/s unless set, up to 1,000; a number shared with the WhatsApp
 * Business app is capped (and defaults) to 20/s, as Meta throttles it.
 */
function withThroughput(kind: ChannelKind, settings: Record<string, unknown>, field = 'body.config'): Record<string, unknown> {
  if (kind !== 'whatsapp_cloud') return settings;
  const shared = settings.sharedWithBusinessApp === true;
  const rate = typeof settings.messagesPerSecond === 'number' ? settings.messagesPerSecond : shared ? SHARED_NUMBER_MAX_MPS : 80;
  if (shared && rate > SHARED_NUMBER_MAX_MPS) {
    throw issue(`${field}.messagesPerSecond`, `A number shared with the WhatsApp Business app sends at most ${SHARED_NUMBER_MAX_MPS} messages per second`);
  }
  return { ...settings, sharedWithBusinessApp: shared, messagesPerSecond: rate };
}

export function createChannelsService(deps: ModuleDeps) {
  const { database, secrets, config } = deps;
  const adapters = createAdapterRegistry();
  const sendGuards = createSendGuards(deps);
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
          settings: withThroughput(body.kind, settings),
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

  /** One channel, with how its sending stands: its circuit breaker, the day's count against a line's cap, WhatsApp's messaging limit. */
  async function get(options: { principal: Principal; channelId: string; origin: string }): Promise<Channel> {
    const { tenantId } = options.principal;
    const row = await load(tenantId, options.channelId);
    const guard = (await database.withTenant(tenantId, (tx) => sendGuardsOf(tx, tenantId, [row.id]))).get(row.id);
    const dayOver = !guard?.dayStartedAt || guard.dayStartedAt.getTime() <= Date.now() - 86_400_000;
    return {
      ...present(row, options.origin),
      sending: {
        breaker: guard?.state ?? 'closed',
        retryAt: guard && guard.state !== 'closed' ? (guard.retryAt?.toISOString() ?? null) : null,
        lastError: guard && guard.state !== 'closed' ? guard.lastError : null,
        sentToday: dayOver ? 0 : (guard?.dayCount ?? 0),
        dailyCap: dailyCapOf(row.kind, row.settings),
        messagingLimit: messagingLimitOf(row),
      },
    };
  }

  async function update(options: {
    principal: Principal;
    channelId: string;
    changes: { name?: string | undefined; status?: 'active' | 'disabled' | undefined; settings?: Record<string, unknown> | undefined };
    origin: string;
  }) {
    const { tenantId } = options.principal;
    const current = await load(tenantId, options.channelId);
    const { settings: patch, ...rest } = options.changes;
    const changes: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (patch) {
      const parsed = ChannelSettingsPatch[current.kind].safeParse(patch);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ field: ['body', 'settings', ...i.path.map(String)].join('.'), message: i.message }));
        throw new AppError('validation_failed', `Invalid request: ${issues.map((i) => i.field).join(', ')}`, { issues });
      }
      const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
      // Turning "shared with the Business app" on without a rate means the shared default, not the old rate.
      const merged = { ...current.settings, ...defined };
      if (defined.sharedWithBusinessApp === true && defined.messagesPerSecond === undefined) delete merged.messagesPerSecond;
      changes.settings = withThroughput(current.kind, merged, 'body.settings');
    }
    if (Object.keys(changes).length === 0) return get(options);
    const [row] = await database.withTenant(tenantId, async (tx) => {
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'channel.updated', target: { type: 'channel', id: options.channelId }, details: changes });
      return tx.update(channelAccounts).set(changes).where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, options.channelId))).returning();
    });
    // The channel as its page shows it (with how its sending stands), as get answers.
    if (!row) throw channelNotFound();
    return get(options);
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

  /**
   * The adapter of a channel account, with its secrets decrypted: how the messaging module sends.
   * A disabled channel sends nothing; its sends pass its circuit breaker and daily cap (breaker.ts).
   */
  async function adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> {
    const row = await load(tenantId, channelId);
    if (row.status === 'disabled') throw new AppError('invalid_state', 'This channel is disabled');
    return sendGuards.guard(adapters.build({ row, secrets: secretsOf(row) }), { tenantId, channelId: row.id, kind: row.kind, settings: row.settings });
  }

  const saveProviderState = (tenantId: string, channelId: string, state: Record<string, unknown>) =>
    database.withTenant(tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ providerState: sql`${channelAccounts.providerState} || ${JSON.stringify(state)}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId))),
    );

  /** Tries the credentials against the provider; the answer (and its time) is kept on the channel. */
  async function testConnection(options: { principal: Principal; channelId: string }) {
    const { tenantId } = options.principal;
    const row = await load(tenantId, options.channelId);
    const testedAt = deps.clock.now().toISOString();
    let result: { ok: boolean; info: Record<string, unknown> | null; error: { code: string; message: string; retryable: boolean } | null; testedAt: string };
    try {
      const info = await adapters.build({ row, secrets: secretsOf(row) }).testConnection();
      result = { ok: true, info, error: null, testedAt };
    } catch (err) {
      if (!(err instanceof ChannelSendError)) throw err;
      result = { ok: false, info: null, error: { code: err.code, message: err.message, retryable: err.retryable }, testedAt };
    }
    await saveProviderState(tenantId, row.id, { connectionTest: result });
    return result;
  }

  function cloudAdapter(row: typeof channelAccounts.$inferSelect) {
    if (row.kind !== 'whatsapp_cloud') throw new AppError('invalid_state', 'Only WhatsApp Cloud API channels have message templates');
    return createWhatsAppCloudAdapter({ settings: row.settings as WhatsAppCloudSettings, secrets: secretsOf(row), http: adapters.http });
  }

  /** The template list as last synced (kept on the channel: tens to hundreds per number). */
  async function templates(options: { principal: Principal; channelId: string }) {
    const row = await load(options.principal.tenantId, options.channelId);
    cloudAdapter(row);
    const stored = row.providerState.templates as { syncedAt: string; items: ChannelTemplate[] } | undefined;
    return { items: stored?.items ?? [], nextCursor: null, syncedAt: stored?.syncedAt ?? null };
  }

  /** Reads every template of the business account from Graph and replaces the stored list. */
  async function syncTemplates(options: { principal: Principal; channelId: string }) {
    const { tenantId } = options.principal;
    const row = await load(tenantId, options.channelId);
    let items: ChannelTemplate[];
    try {
      items = await cloudAdapter(row).listTemplates();
    } catch (err) {
      if (!(err instanceof ChannelSendError)) throw err;
      throw new AppError('invalid_state', `Meta did not give the template list: ${err.message}`, { code: err.code });
    }
    const syncedAt = deps.clock.now().toISOString();
    await saveProviderState(tenantId, row.id, { templates: { syncedAt, items } });
    return { items, nextCursor: null, syncedAt };
  }

  return {
    create,
    list,
    get,
    update,
    remove,
    load,
    secretsOf,
    problems,
    adapterFor,
    testConnection,
    templates,
    syncTemplates,
    saveProviderState,
    sendGuards,
    registerAdapter: adapters.register,
    allowPrivateHostsForTests: adapters.allowPrivateHostsForTests,
    http: adapters.http,
    configSchema: ChannelConfig,
  };
}

export type ChannelsService = ReturnType<typeof createChannelsService>;
export const invalidChannel = (message: string) => new AppError('validation_failed', message);

import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { ModuleDeps } from '../../../platform/deps';
import { defineJob } from '../../../platform/jobs/queue';
import { channelAccounts } from '../channels.tables';
import type { ChannelsService } from '../channels.service';
import { createBlueBubblesAdapter, type BlueBubblesSettings } from './bluebubbles.adapter';
import { blueBubblesEventKey } from './payload';

type StoreEvent = (options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }) => Promise<{ stored: boolean; duplicate: boolean }>;

/** Webhooks and the poll race: look a little before the last message seen (the store dedupes). */
const OVERLAP_MS = 2 * 60_000;
const PAGE = 100;
const MAX_PAGES = 50;

/**
 * BlueBubbles webhooks are unsigned and never retried, so one lost on the way is lost for good.
 * Every few minutes each BlueBubbles account is asked for the messages created since the last one
 * seen; each is stored under the same key its webhook would have had (`new-message:<guid>`, and one
 * per delivery state), so a message seen by both is stored, processed and emitted once.
 */
export function createBlueBubblesReconciler(deps: ModuleDeps & { channels: ChannelsService; storeEvent: StoreEvent }) {
  const { database, jobs, channels } = deps;

  async function reconcile(options: { tenantId: string; channelId: string }) {
    const { tenantId, channelId } = options;
    const row = await channels.load(tenantId, channelId);
    if (row.kind !== 'bluebubbles' || row.status === 'disabled') return { found: 0, stored: 0 };
    const adapter = createBlueBubblesAdapter({ settings: row.settings as BlueBubblesSettings, secrets: channels.secretsOf(row), http: channels.http });
    const state = (row.providerState.reconcile ?? {}) as { lastSeenAt?: string };
    const lastSeen = state.lastSeenAt ? new Date(state.lastSeenAt) : row.createdAt;
    const after = new Date(lastSeen.getTime() - OVERLAP_MS);
    let found = 0;
    let stored = 0;
    let newest = lastSeen.getTime();
    for (let page = 0; page < MAX_PAGES; page++) {
      const messages = await adapter.messagesAfter({ after, offset: page * PAGE, limit: PAGE });
      for (const m of messages) {
        found++;
        newest = Math.max(newest, m.dateCreated);
        const events: { type: string; data: unknown }[] = [{ type: 'new-message', data: m }];
        if (m.isFromMe && (m.dateDelivered || m.dateRead || m.error)) events.push({ type: 'updated-message', data: m });
        for (const event of events) {
          const rawBody = Buffer.from(JSON.stringify(event));
          const result = await deps.storeEvent({ tenantId, channelId, providerEventId: blueBubblesEventKey(event.type, event.data, rawBody), rawBody });
          if (result.stored) stored++;
        }
      }
      if (messages.length < PAGE) break;
    }
    await channels.saveProviderState(tenantId, channelId, { reconcile: { lastSeenAt: new Date(newest).toISOString(), lastRunAt: deps.clock.now().toISOString(), found, stored } });
    if (stored > 0) deps.logger.info({ channelId, found, stored }, 'BlueBubbles reconciliation stored messages the webhook missed');
    return { found, stored };
  }

  const reconcileJob = defineJob({
    name: 'channels.bluebubbles-reconcile',
    payload: z.object({ channelId: z.uuid() }),
    retryLimit: 2,
    async run(payload, ctx) {
      return reconcile({ tenantId: ctx.tenantId!, channelId: payload.channelId });
    },
  });

  /** Every five minutes: one reconciliation job per active BlueBubbles account. */
  const reconcileAllJob = defineJob({
    name: 'channels.bluebubbles-reconcile-all',
    payload: z.object({}).loose(),
    cron: '*/5 * * * *',
    retryLimit: 1,
    async run() {
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      let queued = 0;
      for (const { id: tenantId } of tenants) {
        const rows = await database.withTenant(tenantId, (tx) =>
          tx
            .select({ id: channelAccounts.id })
            .from(channelAccounts)
            .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.kind, 'bluebubbles'), eq(channelAccounts.status, 'active'))),
        );
        for (const r of rows) {
          await jobs.enqueue(reconcileJob, { channelId: r.id }, { tenantId, singletonKey: r.id });
          queued++;
        }
      }
      return { queued };
    },
  });

  return { reconcile, reconcileJob, reconcileAllJob };
}

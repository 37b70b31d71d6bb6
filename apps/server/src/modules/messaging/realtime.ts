import type { Tx } from '../../platform/db/database';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import type { BusEvent } from '../../platform/events/bus';

/**
 * Realtime announcements of the messaging module, sent once the change they describe has
 * committed (SPEC §1.6: `message.created`, `message.status_updated`, `conversation.updated`, `typing`, `unread.updated`).
 */
export function createRealtime(deps: Pick<ModuleDeps, 'bus' | 'logger'> & { loadConversations(tenantId: string, conversationIds: string[]): Promise<{ id: string }[]> }) {
  /**
   * What a transaction announces: its events in order, and the conversations it changed (each
   * announced once, loaded after the commit with one query). All of it is published after the
   * commit with one `publishMany` (one NOTIFY statement on PostgreSQL), however many messages a
   * drain's batch wrote.
   */
  const pendingInTx = new WeakMap<Tx, Map<string, { tenantId: string; events: BusEvent[]; conversations: Set<string> }>>();
  const pendingOf = (tx: Tx, tenantId: string) => {
    let byTenant = pendingInTx.get(tx);
    if (!byTenant) pendingInTx.set(tx, (byTenant = new Map()));
    let pending = byTenant.get(tenantId);
    if (!pending) {
      const created = { tenantId, events: [] as BusEvent[], conversations: new Set<string>() };
      byTenant.set(tenantId, (pending = created));
      afterCommit(tx, async () => {
        const events = [...created.events];
        if (created.conversations.size) {
          const loaded = await deps.loadConversations(created.tenantId, [...created.conversations]);
          for (const c of loaded) events.push({ tenantId: created.tenantId, type: 'conversation.updated', data: c });
        }
        await deps.bus.publishMany(events).catch((err: unknown) => deps.logger.warn({ err, events: events.length }, 'realtime publish failed'));
      });
    }
    return pending;
  };

  return {
    publishAfterCommit(tx: Tx, tenantId: string, type: string, data: unknown) {
      pendingOf(tx, tenantId).events.push({ tenantId, type, data });
    },
    /** An event for one user of the tenant only (their unread counters). */
    publishToUserAfterCommit(tx: Tx, event: { tenantId: string; userId: string; type: string; data: unknown }) {
      afterCommit(tx, () => deps.bus.publish(event).catch((err: unknown) => deps.logger.warn({ err, type: event.type }, 'realtime publish failed')));
    },
    /** Announced once per transaction however many of its changes touched the conversation (a drain's batch). */
    conversationChanged(tx: Tx, tenantId: string, conversationId: string) {
      pendingOf(tx, tenantId).conversations.add(conversationId);
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;

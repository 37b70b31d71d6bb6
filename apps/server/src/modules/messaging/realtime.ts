import type { Tx } from '../../platform/db/database';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';

/**
 * Realtime announcements of the messaging module, sent once the change they describe has
 * committed (SPEC §1.6: `message.created`, `message.status_updated`, `conversation.updated`, `typing`, `unread.updated`).
 */
export function createRealtime(deps: Pick<ModuleDeps, 'bus' | 'logger'> & { loadConversation(tenantId: string, conversationId: string): Promise<unknown> }) {
  const changedInTx = new WeakMap<Tx, Set<string>>();
  const publish = (tenantId: string, type: string, data: unknown) =>
    deps.bus.publish({ tenantId, type, data }).catch((err: unknown) => deps.logger.warn({ err, type }, 'realtime publish failed'));

  return {
    publishAfterCommit(tx: Tx, tenantId: string, type: string, data: unknown) {
      afterCommit(tx, () => publish(tenantId, type, data));
    },
    /** An event for one user of the tenant only (their unread counters). */
    publishToUserAfterCommit(tx: Tx, event: { tenantId: string; userId: string; type: string; data: unknown }) {
      afterCommit(tx, () => deps.bus.publish(event).catch((err: unknown) => deps.logger.warn({ err, type: event.type }, 'realtime publish failed')));
    },
    /** Announced once per transaction however many of its changes touched the conversation (a drain's batch). */
    conversationChanged(tx: Tx, tenantId: string, conversationId: string) {
      let seen = changedInTx.get(tx);
      if (!seen) changedInTx.set(tx, (seen = new Set()));
      if (seen.has(conversationId)) return;
      seen.add(conversationId);
      afterCommit(tx, async () => publish(tenantId, 'conversation.updated', await deps.loadConversation(tenantId, conversationId)));
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;

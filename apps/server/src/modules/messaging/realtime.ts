import type { Tx } from '../../platform/db/database';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import type { BusEvent } from '../../platform/events/bus';

/**
 * Realtime announcements of the messaging module, sent once the change they describe has
 * committed (SPEC §1.6: `message.created`, `message.status_updated`, `conversation.updated`, `typing`, `unread.updated`).
 */
export function createRealtime(
  deps: Pick<ModuleDeps, 'bus' | 'logger'> & {
    loadConversations(tenantId: string, conversationIds: string[]): Promise<{ id: string }[]>;
    /** The same read, inside the transaction `tx` (sent at once: pipelined behind its statements already sent). */
    loadConversationsInTx(tx: Tx, tenantId: string, conversationIds: string[]): Promise<{ id: string }[]>;
  },
) {
  /**
   * What a transaction announces: its events in order, and the conversations it changed (each
   * announced once, loaded after the commit with one query, unless the transaction read them
   * itself: `conversationsChangedReadInTx`). All of it is published after the commit with one
   * `publishMany` (one NOTIFY statement on PostgreSQL), however many messages a drain's batch wrote.
   */
  type Pending = { tenantId: string; events: BusEvent[]; conversations: Set<string>; readInTx: Promise<{ id: string }[]>[] };
  const pendingInTx = new WeakMap<Tx, Map<string, Pending>>();
  const pendingOf = (tx: Tx, tenantId: string) => {
    let byTenant = pendingInTx.get(tx);
    if (!byTenant) pendingInTx.set(tx, (byTenant = new Map()));
    let pending = byTenant.get(tenantId);
    if (!pending) {
      const created: Pending = { tenantId, events: [], conversations: new Set(), readInTx: [] };
      byTenant.set(tenantId, (pending = created));
      afterCommit(tx, async () => {
        const events = [...created.events];
        // Read before the commit (so they are settled): their state as the transaction committed it.
        const read = new Set<string>();
        for (const rows of await Promise.all(created.readInTx)) {
          for (const c of rows) {
            read.add(c.id);
            events.push({ tenantId: created.tenantId, type: 'conversation.updated', data: c });
          }
        }
        const left = [...created.conversations].filter((id) => !read.has(id));
        if (left.length) {
          const loaded = await deps.loadConversations(created.tenantId, left);
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
    /**
     * Conversations the transaction changed for the last time, read in it now (the read is sent at
     * once, pipelined behind the statements already sent) and announced after the commit without a
     * second transaction to load them: the inbound drain's batches, where that load was a
     * transaction of its own between a batch's commit and its NOTIFY. Call it after the last change
     * to them has been sent (changes sent after the read are not in it). It settles before the
     * commit, which goes out behind it; a failed read fails the transaction like any statement.
     */
    conversationsChangedReadInTx(tx: Tx, tenantId: string, conversationIds: string[]): Promise<unknown> {
      if (!conversationIds.length) return Promise.resolve();
      const read = deps.loadConversationsInTx(tx, tenantId, conversationIds);
      // Settled before the commit (which is sent behind it); published by the after-commit callback.
      read.catch(() => undefined);
      pendingOf(tx, tenantId).readInTx.push(read.catch(() => []));
      return read;
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;

import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import type { ChannelAdapter } from '../channels';
import { sql } from 'drizzle-orm';
import { createRealtime } from './realtime';
import { selectConversations } from './messaging.repository';
import { presentConversation } from './messaging.present';
import { conversations as conversationsTable } from './messaging.tables';
import { createInboundHandler } from './inbound';
import { createOutbound } from './outbound';
import { createMediaFetcher } from './media';
import { createConversationsService } from './conversations.service';
import { messagingRoutes } from './messaging.routes';
import { createInboxService } from './inbox.service';
import { createLabelsService } from './labels.service';
import { inboxRoutes } from './inbox.routes';

export type { QueueMessage, Outbound } from './outbound';
export { matchOptOut, DEFAULT_OPT_OUT_KEYWORDS } from './opt-out';

/**
 * Conversations and messages: inbound items from the channels become contacts, conversations and
 * messages; every outbound message (inbox replies, campaigns) goes through one durable path.
 */
export function messagingModule(deps: ModuleDeps & { adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> }) {
  let conversations: ReturnType<typeof createConversationsService> | null = null;
  const realtime = createRealtime({
    ...deps,
    // The conversations a committed transaction changed, as the tenant sees them (no user's unread), in one query.
    loadConversations: (tenantId, ids) =>
      deps.database.withTenant(tenantId, async (tx) =>
        (await selectConversations(tx, tenantId, sql`${conversationsTable.id} = any(${sql.param(ids)}::uuid[])`)).map((row) => presentConversation(row.c, row.contact, row.channelKind)),
      ),
    // `then` sends the query now (a Drizzle query runs when it is first awaited).
    loadConversationsInTx: (tx, tenantId, ids) =>
      selectConversations(tx, tenantId, sql`${conversationsTable.id} = any(${sql.param(ids)}::uuid[])`).then((rows) => rows.map((row) => presentConversation(row.c, row.contact, row.channelKind))),
  });
  const outbound = createOutbound({ ...deps, realtime });
  const media = createMediaFetcher({ ...deps, realtime });
  createInboundHandler({ ...deps, realtime, fetchMediaLater: media.fetchLater });
  conversations = createConversationsService({ ...deps, outbound, realtime });
  const inbox = createInboxService({ ...deps, realtime, conversations });
  const labels = createLabelsService({ ...deps, realtime, conversations });
  deps.jobs.define(outbound.sendJob);
  deps.jobs.define(outbound.drainJob);
  deps.jobs.define(outbound.sweepJob);
  deps.jobs.define(media.fetchJob);
  return {
    outbound,
    conversations,
    inbox,
    recordTranscript: media.recordTranscript,
    routes: async (app: HttpServer) => {
      await app.register(messagingRoutes({ conversations: conversations! }));
      await app.register(inboxRoutes({ inbox, labels }));
    },
  };
}

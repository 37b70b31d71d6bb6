import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import { defineJob } from '../../platform/jobs/queue';
import { putBlob } from '../../platform/storage/blobs';
import type { ChannelAdapter } from '../channels';
import { messages } from './messaging.tables';

type MessageRow = typeof messages.$inferSelect;

/** Inbound media is copied from the provider (their links expire) in the background, once. */
export function createMediaFetcher(deps: ModuleDeps & { adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> }) {
  const { database, jobs, logger } = deps;

  const fetchJob = defineJob({
    name: 'messaging.fetch-media',
    payload: z.object({ messageId: z.uuid() }),
    retryLimit: 5,
    retryDelaySeconds: 10,
    retryBackoff: true,
    async run(payload, ctx) {
      const tenantId = ctx.tenantId!;
      const [message] = await database.withTenant(tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, payload.messageId))));
      if (!message) return { skipped: 'message gone' };
      const adapter = await deps.adapterFor(tenantId, message.channelId);
      if (!adapter.downloadMedia) return { skipped: 'channel cannot download media' };
      const media = [...message.media];
      let fetched = 0;
      for (const [i, item] of media.entries()) {
        if (item.blobId || !item.providerMediaId) continue;
        const file = await adapter.downloadMedia({ providerMediaId: item.providerMediaId, mimeType: item.mimeType, fileName: item.fileName, caption: item.caption, voice: item.voice });
        const blob = await putBlob(database, { tenantId, name: item.fileName ?? `${message.type}-${message.id}`, contentType: file.mimeType, source: [file.data] });
        media[i] = { ...item, blobId: blob.id, mimeType: file.mimeType };
        fetched++;
      }
      await database.withTenant(tenantId, (tx) => tx.update(messages).set({ media }).where(and(eq(messages.tenantId, tenantId), eq(messages.id, message.id))));
      logger.debug({ messageId: message.id, fetched }, 'inbound media stored');
      return { fetched };
    },
  });

  async function fetchLater(tx: Tx, message: MessageRow) {
    await jobs.enqueue(fetchJob, { messageId: message.id }, { tenantId: message.tenantId, tx });
  }

  return { fetchJob, fetchLater };
}

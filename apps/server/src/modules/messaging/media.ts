import { and, eq } from 'drizzle-orm';
import { AppError } from '../../platform/errors';
import { z } from 'zod';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import { defineJob } from '../../platform/jobs/queue';
import { putBlob } from '../../platform/storage/blobs';
import type { ChannelAdapter } from '../channels';
import { messages } from './messaging.tables';
import { presentMessage } from './messaging.present';
import type { Realtime } from './realtime';

type MessageRow = typeof messages.$inferSelect;
const TRANSCRIPT_MAX_CHARS = 20_000;

/** Inbound media is copied from the provider (their links expire) in the background, once. */
export function createMediaFetcher(deps: ModuleDeps & { realtime: Realtime; adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> }) {
  const { database, jobs, logger, realtime } = deps;

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
      const copies = new Map<number, { blobId: string; mimeType: string }>();
      for (const [i, item] of message.media.entries()) {
        if (item.blobId || !item.providerMediaId) continue;
        const file = await adapter.downloadMedia({ providerMediaId: item.providerMediaId, mimeType: item.mimeType, fileName: item.fileName, caption: item.caption, voice: item.voice });
        const blob = await putBlob(database, { tenantId, name: item.fileName ?? `${message.type}-${message.id}`, contentType: file.mimeType, source: [file.data] });
        copies.set(i, { blobId: blob.id, mimeType: file.mimeType });
      }
      const fetched = copies.size;
      // Into the media as they are now (a transcript may have been recorded during the download).
      if (fetched) await updateMedia(tenantId, message.id, (media) => media.map((item, i) => (copies.has(i) && !item.blobId ? { ...item, ...copies.get(i)! } : item)));
      logger.debug({ messageId: message.id, fetched }, 'inbound media stored');
      return { fetched };
    },
  });

  /** Changes a message's media in one transaction that holds the row, and announces the message as it is then. */
  async function updateMedia(tenantId: string, messageId: string, change: (media: MessageRow['media']) => MessageRow['media']) {
    return database.withTenant(tenantId, async (tx) => {
      const [message] = await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId))).for('update');
      if (!message) return null;
      const [row] = await tx.update(messages).set({ media: change(message.media) }).where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId))).returning();
      realtime.publishAfterCommit(tx, tenantId, 'message.updated', presentMessage(row!));
      return row!;
    });
  }

  /**
   * The text of a voice note or audio message, once something transcribed it (SPEC §1.8: an
   * OpenAI-compatible transcription endpoint). Shown under the audio in the thread, as text.
   */
  async function recordTranscript(options: { tenantId: string; messageId: string; mediaIndex: number; text: string }) {
    const text = options.text.trim().slice(0, TRANSCRIPT_MAX_CHARS);
    const row = await updateMedia(options.tenantId, options.messageId, (media) => {
      const item = media[options.mediaIndex];
      if (!item || !(item.voice || item.mimeType?.startsWith('audio/'))) throw new AppError('validation_failed', 'Only an audio attachment has a transcript');
      return media.map((m, i) => (i === options.mediaIndex ? { ...m, transcript: text || null } : m));
    });
    if (!row) throw new AppError('not_found', 'Message not found');
    return presentMessage(row);
  }

  async function fetchLater(tx: Tx, message: MessageRow) {
    await jobs.enqueue(fetchJob, { messageId: message.id }, { tenantId: message.tenantId, tx });
  }

  return { fetchJob, fetchLater, recordTranscript };
}

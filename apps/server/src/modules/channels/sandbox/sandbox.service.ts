import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ModuleDeps } from '../../../platform/deps';
import type { Principal } from '../../../platform/http/auth';
import { AppError } from '../../../platform/errors';
import { defineJob } from '../../../platform/jobs/queue';
import { ChannelSendError, type ChannelAdapter, type OutboundSend, type SendReceipt } from '../adapters/adapter';
import type { ChannelRow } from '../channels.adapters';
import type { ChannelsService } from '../channels.service';
import { errorAction } from '../whatsapp-cloud/payload';
import { SandboxEvent } from './sandbox.events';

type StoreEvent = (options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }) => Promise<{ stored: boolean; duplicate: boolean }>;
type SandboxSettings = { deliveredAfterMs?: number; readAfterMs?: number; failRate?: number; failCodes?: string[]; replies?: string[] };

/** The reply comes a moment after the message was read, as a person would answer. */
const REPLY_AFTER_READ_MS = 1000;

/**
 * The built-in channel with no credentials: it accepts sends and then behaves like a provider —
 * delivered, then read, after the configured delays; a share of sends failing with given codes;
 * replies with given texts. Everything it reports goes through the same durable path as real
 * webhooks: a delayed job stores the event in inbound_events (keyed, so a resend of the same
 * message reports once) and the processing job emits it. Codes the campaign engine retries
 * (throughput, pair rate) fail the send itself, as Graph does; the others arrive as a failed status.
 */
export function createSandbox(deps: ModuleDeps & { channels: ChannelsService; storeEvent: StoreEvent }) {
  const { jobs, clock } = deps;

  const reportJob = defineJob({
    name: 'channels.sandbox-report',
    payload: z.object({ channelId: z.uuid(), providerEventId: z.string().max(300), event: SandboxEvent }),
    retryLimit: 3,
    retryDelaySeconds: 1,
    async run(payload, ctx) {
      return deps.storeEvent({ tenantId: ctx.tenantId!, channelId: payload.channelId, providerEventId: payload.providerEventId, rawBody: Buffer.from(JSON.stringify(payload.event)) });
    },
  });

  const report = (options: { tenantId: string; channelId: string; key: string; event: SandboxEvent; afterMs: number }) =>
    jobs.enqueue(reportJob, { channelId: options.channelId, providerEventId: options.key, event: options.event }, { tenantId: options.tenantId, startAfterSeconds: options.afterMs / 1000 });

  /** A stable pick (the same message always gets the same reply), spread over the list. */
  const pick = <T>(list: T[], seed: string) => list[createHash('sha256').update(seed).digest().readUInt32BE(0) % list.length]!;

  function adapterFor(row: ChannelRow): ChannelAdapter {
    const settings = row.settings as SandboxSettings;
    const delivered = settings.deliveredAfterMs ?? 1500;
    const read = Math.max(settings.readAfterMs ?? 4000, delivered);
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    return {
      kind: 'sandbox',
      capabilities: { sendText: true, sendMedia: true, templates: true, typing: false, readReceipts: true, reachabilityCheck: false, receive: true },

      async send(message: OutboundSend): Promise<SendReceipt> {
        const recipient = message.to.phoneE164 ?? message.to.address ?? null;
        if (!recipient) throw new ChannelSendError({ message: 'The contact has no number', code: 'no_address', retryable: false, action: 'fail' });
        // Our id in theirs: a resend of the same message is the same Sandbox message, reported once.
        const providerMessageId = `sandbox.${message.messageId}`;
        const base = { tenantId: row.tenantId, channelId: row.id };
        const status = (s: 'delivered' | 'read' | 'failed', afterMs: number, error: { code: string; title: string; message: string | null } | null = null) =>
          report({ ...base, key: `status:${providerMessageId}:${s}`, afterMs, event: { type: 'status', providerMessageId, clientRef: message.messageId, recipient, status: s, error, at: at(afterMs) } });
        const failRate = settings.failRate ?? 0;
        if (failRate > 0 && Math.random() < failRate) {
          const code = pick(settings.failCodes?.length ? settings.failCodes : ['131026'], `${message.messageId}:code`);
          const action = errorAction(code);
          if (action.retryable) throw new ChannelSendError({ message: `Sandbox: simulated error ${code} (${action.description})`, code, retryable: true, action: action.action });
          await status('failed', delivered, { code, title: action.description, message: 'Simulated by the Sandbox channel' });
          return { providerMessageId, service: 'sandbox' };
        }
        await status('delivered', delivered);
        await status('read', read);
        if (settings.replies?.length) {
          const afterMs = read + REPLY_AFTER_READ_MS;
          await report({
            ...base,
            key: `reply:${providerMessageId}`,
            afterMs,
            event: { type: 'message', providerMessageId: `sandbox.reply.${message.messageId}`, from: recipient, text: pick(settings.replies, message.messageId), replyTo: providerMessageId, at: at(afterMs) },
          });
        }
        return { providerMessageId, service: 'sandbox' };
      },

      async testConnection() {
        return { sandbox: true, deliveredAfterMs: delivered, readAfterMs: read, failRate: settings.failRate ?? 0, replies: settings.replies?.length ?? 0 };
      },

      async markRead() {},
    };
  }

  /** A message "from" a contact on a Sandbox channel, for demos and tests: stored and processed like any webhook. */
  async function simulateInbound(options: { principal: Principal; channelId: string; from: string; text: string }) {
    const { tenantId } = options.principal;
    const row = await deps.channels.load(tenantId, options.channelId);
    if (row.kind !== 'sandbox') throw new AppError('invalid_state', 'Only Sandbox channels can simulate inbound messages');
    const providerMessageId = `sandbox.in.${randomUUID()}`;
    const from = options.from.startsWith('+') ? options.from : `+${options.from}`;
    const event: SandboxEvent = { type: 'message', providerMessageId, from, text: options.text, replyTo: null, at: clock.now().toISOString() };
    await deps.storeEvent({ tenantId, channelId: row.id, providerEventId: `message:${providerMessageId}`, rawBody: Buffer.from(JSON.stringify(event)) });
    return { providerMessageId };
  }

  return { adapterFor, simulateInbound, reportJob };
}

export type Sandbox = ReturnType<typeof createSandbox>;

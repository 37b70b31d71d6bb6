import { z } from 'zod';
import type { InboundItem } from '../inbound-items';
import { MalformedPayload } from '../whatsapp-cloud/payload';

/**
 * What the Sandbox "provider" reports, stored in inbound_events like any webhook body and parsed
 * back into the items every channel emits: statuses of the messages it accepted, replies, and
 * inbound messages simulated from the API.
 */
export const SandboxEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('status'),
    providerMessageId: z.string(),
    clientRef: z.string().nullable(),
    recipient: z.string().nullable(),
    status: z.enum(['sent', 'delivered', 'read', 'failed']),
    error: z.object({ code: z.string(), title: z.string(), message: z.string().nullable() }).nullable(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('message'),
    providerMessageId: z.string(),
    from: z.string(),
    text: z.string(),
    replyTo: z.string().nullable(),
    at: z.string(),
  }),
]);
export type SandboxEvent = z.infer<typeof SandboxEvent>;

export function parseSandboxEvent(rawBody: Buffer): InboundItem[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch (err) {
    throw new MalformedPayload(`not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  const parsed = SandboxEvent.safeParse(json);
  if (!parsed.success) throw new MalformedPayload('not a Sandbox event');
  const e = parsed.data;
  if (e.type === 'status') {
    return [{ kind: 'status', providerMessageId: e.providerMessageId, clientRef: e.clientRef, status: e.status, service: 'sandbox', recipient: e.recipient, at: new Date(e.at), error: e.error }];
  }
  return [
    {
      kind: 'message',
      providerMessageId: e.providerMessageId,
      direction: 'inbound',
      from: { phone: e.from, name: null },
      service: 'sandbox',
      at: new Date(e.at),
      type: 'text',
      text: e.text,
      media: null,
      replyTo: e.replyTo,
    },
  ];
}

import type { ChannelAdapter, ChannelCapabilities } from '../adapters/adapter';
import { ChannelSendError } from '../adapters/adapter';

const CAPABILITIES: ChannelCapabilities = {
  sendText: false,
  sendMedia: false,
  templates: false,
  typing: false,
  readReceipts: false,
  reachabilityCheck: true,
  receive: true,
};

export const RECEIVE_ONLY_MESSAGE =
  'WhatsApp Web sessions only listen: sending through them is disabled on purpose (automated sending through WhatsApp Web gets numbers banned). Send WhatsApp messages through a WhatsApp Cloud API channel.';

/** The WhatsApp Web listener as a channel adapter: it receives and checks numbers, it never sends. */
export function createWhatsAppWebAdapter(options: { status(): Promise<Record<string, unknown>> }): ChannelAdapter {
  return {
    kind: 'whatsapp_web',
    capabilities: CAPABILITIES,
    async send() {
      throw new ChannelSendError({ code: 'whatsapp_web_receive_only', message: RECEIVE_ONLY_MESSAGE, retryable: false, action: 'fail' });
    },
    testConnection: () => options.status(),
  };
}

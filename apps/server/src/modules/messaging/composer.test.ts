import { describe, expect, it } from 'vitest';
import { ChannelKind } from '@leadmaster/contracts';
import type { ChannelAdapter } from '../channels';
import { createBlueBubblesAdapter } from '../channels/bluebubbles/bluebubbles.adapter';
import { createWhatsAppCloudAdapter } from '../channels/whatsapp-cloud/whatsapp-cloud.adapter';
import { createWhatsAppWebAdapter } from '../channels/whatsapp-web/whatsapp-web.adapter';
import { SENDS_MEDIA } from './composer';

describe('composer rules', () => {
  it('offers an attachment on exactly the channel kinds whose adapter sends media', () => {
    // Built, never called: no request leaves (the HTTP factory is never asked for a client to use).
    const http = () => ({}) as never;
    const adapters: Record<Exclude<ChannelKind, 'sandbox'>, ChannelAdapter> = {
      whatsapp_cloud: createWhatsAppCloudAdapter({ settings: { phoneNumberId: '1', businessAccountId: '2' } as never, secrets: {}, http }),
      bluebubbles: createBlueBubblesAdapter({ settings: { serverUrl: 'https://bluebubbles.example' } as never, secrets: {}, http }),
      whatsapp_web: createWhatsAppWebAdapter({ status: async () => ({}) }),
    };
    for (const [kind, adapter] of Object.entries(adapters)) expect({ kind, sendMedia: SENDS_MEDIA[kind as ChannelKind] }).toEqual({ kind, sendMedia: adapter.capabilities.sendMedia });
    // The Sandbox's adapter is built by the running app: files.test.ts sends a file through it.
    expect(Object.keys(SENDS_MEDIA).sort()).toEqual([...ChannelKind.options].sort());
  });
});

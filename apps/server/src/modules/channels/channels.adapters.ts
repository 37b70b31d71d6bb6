import { AppError } from '../../platform/errors';
import { createGuardedFetch } from '../../platform/http/guarded-fetch';
import type { ChannelAdapter } from './adapters/adapter';
import type { HttpFactory } from './adapters/transport';
import type { channelAccounts, ChannelKind } from './channels.tables';
import { createWhatsAppCloudAdapter, type WhatsAppCloudSettings } from './whatsapp-cloud/whatsapp-cloud.adapter';
import { createBlueBubblesAdapter, type BlueBubblesSettings } from './bluebubbles/bluebubbles.adapter';

/** Typing and read receipts need the server's Private API, which the last connection test reported. */
const privateApiOf = (row: ChannelRow) => (row.providerState.connectionTest as { info?: { privateApi?: unknown } } | undefined)?.info?.privateApi === true;

export type ChannelRow = typeof channelAccounts.$inferSelect;
export type AdapterContext = { row: ChannelRow; secrets: Record<string, string>; http: HttpFactory };
export type AdapterFactory = (context: AdapterContext) => ChannelAdapter;

/**
 * Which adapter serves each kind of channel. The HTTP ones are built here; adapters that need
 * more of the module (the Sandbox schedules jobs, WhatsApp Web talks to its session manager)
 * register themselves when the module is built, so this file imports none of them.
 */
export function createAdapterRegistry(env: NodeJS.ProcessEnv = process.env) {
  /**
   * Hosts a test allows to resolve to loopback (its local fakes). Empty in production: nothing
   * in the configuration sets it, so provider calls only ever reach public addresses.
   */
  const allowPrivateHosts: string[] = testPrivateHostsFromEnv(env);
  const http: HttpFactory = (policy) => createGuardedFetch({ ...policy, allowPrivateHosts });

  const factories = new Map<ChannelKind, AdapterFactory>([
    ['whatsapp_cloud', ({ row, secrets, http: h }) => createWhatsAppCloudAdapter({ settings: row.settings as WhatsAppCloudSettings, secrets, http: h })],
    ['bluebubbles', ({ row, secrets, http: h }) => createBlueBubblesAdapter({ settings: row.settings as BlueBubblesSettings, secrets, http: h, privateApi: privateApiOf(row) })],
  ]);

  return {
    http,
    register(kind: ChannelKind, factory: AdapterFactory) {
      factories.set(kind, factory);
    },
    build(context: Omit<AdapterContext, 'http'>): ChannelAdapter {
      const factory = factories.get(context.row.kind);
      if (!factory) throw new AppError('invalid_state', `Channels of kind ${context.row.kind} cannot send or be tested here`);
      return factory({ ...context, http });
    },
    /** TESTS ONLY: let provider calls reach these hosts on loopback (the local fake servers). */
    allowPrivateHostsForTests(hosts: string[]) {
      allowPrivateHosts.splice(0, allowPrivateHosts.length, ...hosts);
    },
  };
}

export type AdapterRegistry = ReturnType<typeof createAdapterRegistry>;

/**
 * TESTS ONLY: `LEADMASTER_TEST_PRIVATE_HOSTS=127.0.0.1` lets the product processes a test starts
 * (`leadmaster worker` in the reliability test) reach the test's fake providers. Honoured only with
 * NODE_ENV=test, and only for loopback names: even a production process started with NODE_ENV=test
 * by mistake cannot be pointed at the private network through it (decision 0017).
 */
export function testPrivateHostsFromEnv(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== 'test' || !env.LEADMASTER_TEST_PRIVATE_HOSTS) return [];
  return env.LEADMASTER_TEST_PRIVATE_HOSTS.split(',')
    .map((h) => h.trim())
    .filter((h) => /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i.test(h));
}

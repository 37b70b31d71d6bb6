import type { ModuleDeps } from '../../../platform/deps';
import { createSessionRepository } from './whatsapp-web.repository';
import { createSessionManager, type SessionManager } from './whatsapp-web.manager';
import { createWhatsAppWebService } from './whatsapp-web.service';
import { whatsappWebRoutes } from './whatsapp-web.routes';
import { createWhatsAppWebAdapter } from './whatsapp-web.adapter';
import { ScriptedWhatsApp } from './scripted-socket';
import type { SessionTimings } from './whatsapp-web.session';
import type { WaSocketFactory } from './socket';
import type { AdapterFactory } from '../channels.adapters';

export { parseStoredEvent as parseWhatsAppWebEvent } from './whatsapp-web.inbound';
export { RECEIVE_ONLY_MESSAGE } from './whatsapp-web.adapter';

/**
 * Which socket real sessions use. `LEADMASTER_WHATSAPP_WEB_DRIVER=scripted` (a socket that offers a
 * QR and never links, for the browser tests) is honoured only with NODE_ENV=test, and nothing that
 * runs under the test runner may open a real WhatsApp connection.
 */
export function defaultSocketFactory(env: NodeJS.ProcessEnv = process.env): WaSocketFactory {
  const testing = env.NODE_ENV === 'test' || Boolean(env.VITEST);
  if (env.LEADMASTER_WHATSAPP_WEB_DRIVER === 'scripted' && testing) return new ScriptedWhatsApp({ qrRefreshMs: 20_000 }).factory;
  if (env.VITEST) {
    return async () => {
      throw new Error('real WhatsApp connections are disabled under the test runner');
    };
  }
  // Baileys (protobuf tables, a WASM bridge: about 30 MB of heap and code) loads with the first real
  // session, not in every server process: most never run one.
  return async (options) => (await import('./baileys-socket')).baileysSocketFactory(options);
}

type Deps = ModuleDeps & {
  channels: { load(tenantId: string, channelId: string): Promise<{ kind: string; createdAt: Date }>; registerAdapter(kind: 'whatsapp_web', factory: AdapterFactory): void };
  inbound: { receiveWhatsAppWeb(options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }): Promise<unknown> };
};

/** WhatsApp Web listener sessions: their API, their adapter, and the sessions a worker process runs. */
export function whatsappWebModule(deps: Deps) {
  const repo = createSessionRepository(deps);
  let manager: SessionManager | null = null;
  const service = createWhatsAppWebService({ ...deps, repo, manager: () => manager });
  const adapterFor = (options: { tenantId: string; channelId: string }) => createWhatsAppWebAdapter({ status: () => service.status(options) });
  // channels.adapterFor and POST /channels/:id/test reach this channel kind through the registry.
  deps.channels.registerAdapter('whatsapp_web', ({ row }) => adapterFor({ tenantId: row.tenantId, channelId: row.id }));

  /** A session manager for this process (tests pass a scripted factory and short timings). */
  const createManager = (options: { factory?: WaSocketFactory; timings?: Partial<SessionTimings>; tickMs?: number; leaseMs?: number } = {}) =>
    createSessionManager({ repo, factory: options.factory ?? defaultSocketFactory(), logger: deps.logger, clock: deps.clock, hooks: service.hooks, ...options });

  return {
    service,
    routes: whatsappWebRoutes({ whatsappWeb: service }),
    adapterFor,
    createManager,
    /** Runs every active WhatsApp Web session in this process (one doing background work); answers the stop. */
    startSessions(options: Parameters<typeof createManager>[0] = {}) {
      manager = createManager(options);
      manager.start();
      const running = manager;
      return async () => {
        await running.stop();
        if (manager === running) manager = null;
      };
    },
    /** Tests: use this manager (started or not) for commands and number checks. */
    useManager(next: SessionManager | null) {
      manager = next;
    },
    /** Wakes the manager after a channel was created (it would find it at the next tick anyway). */
    nudge: () => manager?.nudge(),
  };
}

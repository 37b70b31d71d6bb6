import QRCode from 'qrcode';
import type { ModuleDeps } from '../../../platform/deps';
import type { Principal } from '../../../platform/http/auth';
import { AppError, notFound } from '../../../platform/errors';
import { actorOf, recordAudit, systemActor } from '../../audit';
import type { SessionRepository } from './whatsapp-web.repository';
import type { SessionManager } from './whatsapp-web.manager';
import type { LiveSession, SessionHooks } from './whatsapp-web.session';
import { presentStatus, type SessionStatus } from './whatsapp-web.state';
import { encodeStoredEvent, toInboundItems } from './whatsapp-web.inbound';

type ChannelLookup = { load(tenantId: string, channelId: string): Promise<{ kind: string; createdAt: Date }> };
type InboundStore = { receiveWhatsAppWeb(options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }): Promise<unknown> };

export const STATE_CHANGED = 'session.state_changed';
export const CHANNEL_ALERT = 'channel.alert';

/**
 * The QR inside the status contract and the realtime event: 4 px per module, low error correction,
 * so a real WhatsApp code stays near 6 kB and fits a PostgreSQL NOTIFY (under 8 kB) whole.
 */
const qrDataUrl = (qr: string | null) => (qr ? QRCode.toDataURL(qr, { errorCorrectionLevel: 'L', margin: 2, scale: 4 }) : Promise.resolve(null));
/** What the bus can carry whole; past it the event says "fetch the status" (qr null while QR_REQUIRED). */
const MAX_EVENT_CHARS = 7_000;

/**
 * What the API and the rest of the product ask of WhatsApp Web sessions. Reads come from the session
 * row (any process can answer); restart and logout are written as commands for the process holding
 * the session; the hooks are what a live session reports back (state, messages, a lost link).
 */
export function createWhatsAppWebService(deps: ModuleDeps & { repo: SessionRepository; channels: ChannelLookup; inbound: InboundStore; manager: () => SessionManager | null }) {
  const { database, bus, repo, clock } = deps;

  async function channelOf(tenantId: string, channelId: string) {
    const channel = await deps.channels.load(tenantId, channelId);
    if (channel.kind !== 'whatsapp_web') throw notFound('WhatsApp Web session');
    return channel;
  }

  async function status(options: { tenantId: string; channelId: string }): Promise<SessionStatus> {
    const channel = await channelOf(options.tenantId, options.channelId);
    const row = await repo.find(options);
    if (!row) {
      // A channel created a moment ago: have this process's manager (if any) start it now.
      deps.manager()?.nudge();
      return presentStatus({ state: 'INITIALIZING', since: channel.createdAt, qrDataUrl: null });
    }
    return presentStatus({ state: row.state, since: row.since, qrDataUrl: row.state === 'QR_REQUIRED' ? await qrDataUrl(repo.qrOf(row)) : null });
  }

  async function qrPng(options: { tenantId: string; channelId: string }): Promise<Buffer> {
    await channelOf(options.tenantId, options.channelId);
    const row = await repo.find(options);
    const qr = row?.state === 'QR_REQUIRED' ? repo.qrOf(row) : null;
    if (!qr) throw new AppError('not_found', 'No QR code to scan right now: the session is not waiting for one');
    return QRCode.toBuffer(qr, { type: 'png', errorCorrectionLevel: 'L', margin: 2, width: 320 });
  }

  async function command(options: { principal: Principal; channelId: string; command: 'restart' | 'logout' }) {
    const { tenantId } = options.principal;
    await channelOf(tenantId, options.channelId);
    await repo.requestCommand({ tenantId, channelId: options.channelId, command: options.command, now: clock.now() });
    await database.withTenant(tenantId, (tx) =>
      recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: `channel.whatsapp_web.${options.command}_requested`, target: { type: 'channel', id: options.channelId } }),
    );
    deps.manager()?.nudge();
    return status({ tenantId, channelId: options.channelId });
  }

  /** Which numbers have WhatsApp, through the session this process holds (rate-limited, batched). */
  async function checkOnWhatsApp(options: { tenantId: string; channelId: string; numbers: string[] }) {
    await channelOf(options.tenantId, options.channelId);
    const session = deps.manager()?.session(options.tenantId, options.channelId);
    if (!session || session.state !== 'READY') throw new AppError('not_ready', 'The WhatsApp Web session is not connected in this process');
    const numbers = [...new Set(options.numbers.map((n) => n.replace(/\D/g, '')).filter((n) => n.length >= 6 && n.length <= 15))];
    return session.checkOnWhatsApp(numbers);
  }

  const hooks: SessionHooks = {
    async changed(session: LiveSession) {
      const status = presentStatus({ state: session.state, since: session.since, qrDataUrl: await qrDataUrl(session.qr) });
      const data = { channelId: session.channelId, ...status };
      if (JSON.stringify(data).length > MAX_EVENT_CHARS) data.qr = null;
      await bus.publish({ type: STATE_CHANGED, tenantId: session.tenantId, data });
    },
    async messages(session, messages) {
      for (const message of messages) {
        const items = toInboundItems(message);
        if (items.length === 0) continue;
        await deps.inbound.receiveWhatsAppWeb({ tenantId: session.tenantId, channelId: session.channelId, providerEventId: `message:${message.id}`, rawBody: encodeStoredEvent(items) });
      }
    },
    async loggedOut(session, by) {
      const { tenantId, channelId } = session;
      await database.withTenant(tenantId, (tx) =>
        recordAudit(tx, { tenantId, actor: systemActor, action: 'channel.whatsapp_web.logged_out', target: { type: 'channel', id: channelId }, details: { by } }),
      );
      await bus.publish({
        type: CHANNEL_ALERT,
        tenantId,
        data: { channelId, kind: 'whatsapp_web_logged_out', by, message: 'The WhatsApp Web session was logged out: restart it and scan a new QR code to keep receiving messages.' },
      });
    },
  };

  return { status, qrPng, restart: (o: { principal: Principal; channelId: string }) => command({ ...o, command: 'restart' }), logout: (o: { principal: Principal; channelId: string }) => command({ ...o, command: 'logout' }), checkOnWhatsApp, hooks };
}

export type WhatsAppWebService = ReturnType<typeof createWhatsAppWebService>;

import makeWASocket, { BufferJSON, DisconnectReason, getContentType, initAuthCreds, normalizeMessageContent, proto, type AuthenticationCreds, type SignalDataSet, type SignalDataTypeMap, type WAMessage } from '@whiskeysockets/baileys';
import type { InboundMessageItem } from '../inbound-items';
import type { WaCloseReason, WaSocketFactory, WaWebMessage } from './socket';

/**
 * The real WhatsApp Web connection: Baileys, wired as thinly as possible. It keeps Baileys' auth
 * state in our store (encrypted in the database), maps its events to the session's listener and
 * flattens messages; every rule (states, backoff, health probe, storage) lives in the session.
 */
export const baileysSocketFactory: WaSocketFactory = async ({ auth, listener, logger }) => {
  const stored = await auth.readCreds();
  const creds: AuthenticationCreds = stored ? JSON.parse(stored, BufferJSON.reviver) : initAuthCreds();
  const saveCreds = () => auth.writeCreds(JSON.stringify(creds, BufferJSON.replacer));
  if (!stored) await saveCreds();

  const sock = makeWASocket({
    auth: {
      creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const raw = await auth.readKeys(type, ids);
          const out: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const [id, value] of Object.entries(raw)) {
            let parsed = JSON.parse(value, BufferJSON.reviver);
            if (type === 'app-state-sync-key') parsed = proto.Message.AppStateSyncKeyData.fromObject(parsed);
            out[id] = parsed;
          }
          return out;
        },
        set: async (data: SignalDataSet) => {
          const entries: { type: string; id: string; value: string | null }[] = [];
          for (const [type, byId] of Object.entries(data)) {
            for (const [id, value] of Object.entries(byId ?? {})) entries.push({ type, id, value: value ? JSON.stringify(value, BufferJSON.replacer) : null });
          }
          await auth.writeKeys(entries);
        },
      },
    },
    logger: logger.child({ lib: 'baileys' }, { level: 'warn' }) as never,
    browser: ['LeadMaster', 'Chrome', '1.0'],
    // A listener: no presence, no history download, no outgoing anything.
    markOnlineOnConnect: false,
    syncFullHistory: false,
    shouldSyncHistoryMessage: () => false,
    printQRInTerminal: false,
  });

  sock.ev.on('creds.update', () => void saveCreds());
  sock.ws.on('frame', () => listener.traffic());
  sock.ev.on('connection.update', (update) => {
    if (update.qr) listener.qr(update.qr);
    if (update.connection === 'open') listener.open({ id: sock.user?.id ?? '', name: sock.user?.name ?? sock.user?.notify ?? null });
    if (update.connection === 'close') listener.close(closeReason(update.lastDisconnect?.error));
  });
  sock.ev.on('messages.upsert', ({ messages, type }) => {
    // 'append' is history arriving after a reconnect: new to us all the same (stored once, by id).
    if (type !== 'notify' && type !== 'append') return;
    const flat = messages.flatMap((m) => flatten(m) ?? []);
    if (flat.length) listener.messages(flat);
  });

  return {
    async ping() {
      await sock.query({ tag: 'iq', attrs: { id: sock.generateMessageTag(), to: '@s.whatsapp.net', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] });
    },
    async onWhatsApp(numbers) {
      const found = (await sock.onWhatsApp(...numbers.map((n) => `${n.replace(/\D/g, '')}@s.whatsapp.net`))) ?? [];
      const byNumber = new Map(found.map((r) => [r.jid.split('@')[0]!, r]));
      return numbers.map((number) => {
        const hit = byNumber.get(number.replace(/\D/g, ''));
        return { number, exists: Boolean(hit?.exists), jid: hit?.jid ?? null };
      });
    },
    logout: () => sock.logout(),
    end: () => void sock.end(undefined),
  };
};

function closeReason(error: unknown): WaCloseReason {
  const code = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode ?? null;
  const message = (error as Error | undefined)?.message ?? 'connection closed';
  return {
    loggedOut: code === DisconnectReason.loggedOut,
    restartRequired: code === DisconnectReason.restartRequired,
    qrExpired: code === DisconnectReason.timedOut && message.includes('QR refs'),
    fatal: code === DisconnectReason.badSession || code === DisconnectReason.forbidden || code === DisconnectReason.multideviceMismatch || code === DisconnectReason.connectionReplaced,
    code,
    message,
  };
}

const MEDIA: Record<string, InboundMessageItem['type']> = { imageMessage: 'image', videoMessage: 'video', audioMessage: 'audio', documentMessage: 'document', stickerMessage: 'sticker' };

/** One Baileys message → the session's flat shape; null for protocol noise (receipts, key shares). */
function flatten(m: WAMessage): WaWebMessage | null {
  const chatJid = m.key.remoteJid;
  const content = normalizeMessageContent(m.message);
  const kind = getContentType(content ?? undefined);
  if (!chatJid || !m.key.id || !content || !kind || kind === 'protocolMessage' || kind === 'senderKeyDistributionMessage') return null;
  const base = {
    id: m.key.id,
    chatJid,
    chatAltJid: m.key.remoteJidAlt ?? null,
    fromMe: Boolean(m.key.fromMe),
    pushName: m.pushName ?? null,
    at: new Date(Number(m.messageTimestamp ?? 0) * 1000 || Date.now()),
    media: null,
    replyTo: null,
    reaction: null,
    location: null,
  };
  const media = MEDIA[kind];
  if (media) {
    const body = content[kind as 'imageMessage'] as { mimetype?: string | null; caption?: string | null; fileName?: string | null; ptt?: boolean | null; fileSha256?: Uint8Array | null; contextInfo?: { stanzaId?: string | null } | null };
    return {
      ...base,
      type: media,
      text: body?.caption ?? null,
      media: { providerMediaId: m.key.id, mimeType: body?.mimetype ?? null, fileName: body?.fileName ?? null, caption: body?.caption ?? null, voice: Boolean(body?.ptt), sha256: body?.fileSha256 ? Buffer.from(body.fileSha256).toString('base64') : null },
      replyTo: body?.contextInfo?.stanzaId ?? null,
    };
  }
  if (kind === 'conversation') return { ...base, type: 'text', text: content.conversation ?? null };
  if (kind === 'extendedTextMessage') return { ...base, type: 'text', text: content.extendedTextMessage?.text ?? null, replyTo: content.extendedTextMessage?.contextInfo?.stanzaId ?? null };
  if (kind === 'reactionMessage') return { ...base, type: 'reaction', text: null, reaction: { providerMessageId: content.reactionMessage?.key?.id ?? '', emoji: content.reactionMessage?.text || null } };
  if (kind === 'locationMessage') {
    const l = content.locationMessage!;
    return { ...base, type: 'location', text: null, location: { latitude: l.degreesLatitude ?? 0, longitude: l.degreesLongitude ?? 0, name: l.name ?? null, address: l.address ?? null } };
  }
  return { ...base, type: 'unknown', text: null };
}

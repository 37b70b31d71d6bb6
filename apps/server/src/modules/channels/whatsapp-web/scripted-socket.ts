import type { WaAccount, WaAuthStore, WaCloseReason, WaSocket, WaSocketFactory, WaSocketListener, WaWebMessage } from './socket';

/**
 * A scripted WhatsApp Web socket: what tests (and the browser tests' demo server) use instead of
 * Baileys. It behaves like the real one where the session can tell — a first QR on a fresh
 * connection, a restart request right after a scan, credentials written through the auth store and
 * read back on the next connection — and the test decides everything else.
 */
export class ScriptedWhatsApp {
  readonly sockets: ScriptedSocket[] = [];
  /** Numbers (digits) that "have WhatsApp" for onWhatsApp. */
  readonly onWhatsAppNumbers = new Set<string>();
  /** The next N connections fail to open (the factory throws). */
  failNextConnects = 0;
  /** Refreshes the QR on its own this often (the demo driver); tests refresh by hand. */
  constructor(readonly options: { qrRefreshMs?: number } = {}) {}

  readonly factory: WaSocketFactory = async ({ auth, listener }) => {
    if (this.failNextConnects > 0) {
      this.failNextConnects -= 1;
      throw new Error('scripted: connection refused');
    }
    const socket = new ScriptedSocket(this, auth, listener, this.sockets.length + 1);
    this.sockets.push(socket);
    await socket.boot();
    return socket;
  };

  get last(): ScriptedSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no scripted socket yet');
    return socket;
  }
}

const close = (reason: Partial<WaCloseReason>): WaCloseReason => ({ loggedOut: false, restartRequired: false, qrExpired: false, fatal: false, code: null, message: 'closed', ...reason });

export class ScriptedSocket implements WaSocket {
  ended = false;
  /** The link looks open but nothing comes back: pings never answer. */
  silent = false;
  pings = 0;
  readonly checks: string[][] = [];
  readonly loadedCreds: { value: string | null } = { value: null };
  private qrCount = 0;
  private qrTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: ScriptedWhatsApp,
    private readonly auth: WaAuthStore,
    private readonly listener: WaSocketListener,
    readonly number: number,
  ) {}

  async boot() {
    this.loadedCreds.value = await this.auth.readCreds();
    const creds = this.loadedCreds.value ? (JSON.parse(this.loadedCreds.value) as { me?: WaAccount }) : null;
    // Like Baileys: events come after the factory returned.
    setImmediate(() => {
      if (this.ended) return;
      if (creds?.me) this.listener.open(creds.me);
      else this.showQr();
    });
    if (this.hub.options.qrRefreshMs && !creds?.me) {
      this.qrTimer = setInterval(() => this.showQr(), this.hub.options.qrRefreshMs);
      this.qrTimer.unref();
    }
  }

  showQr() {
    if (this.ended) return;
    this.qrCount += 1;
    // As long as a real one: a ~120-character ref and four base64 keys.
    const ref = `scripted-${this.number}-${this.qrCount}-`.padEnd(120, 'r');
    this.listener.qr(`2@${ref},${'A'.repeat(43)}=,${'B'.repeat(43)}=,${'C'.repeat(43)}=,${'D'.repeat(43)}=`);
  }

  /** The phone scanned the code: credentials are saved, then WhatsApp asks for a restart. */
  async scan(account: WaAccount = { id: '5491144445555:3@s.whatsapp.net', name: 'Ventas' }) {
    await this.auth.writeCreds(JSON.stringify({ me: account, noiseKey: 'scripted' }));
    await this.auth.writeKeys([{ type: 'pre-key', id: '1', value: '{"private":"scripted"}' }]);
    this.emitClose({ restartRequired: true, code: 515, message: 'restart required' });
  }

  qrExpired() {
    this.emitClose({ qrExpired: true, code: 408, message: 'QR refs attempts ended' });
  }

  drop(message = 'Connection Terminated') {
    this.emitClose({ code: 428, message });
  }

  loggedOutByPhone() {
    this.emitClose({ loggedOut: true, code: 401, message: 'Connection Failure' });
  }

  deliver(messages: WaWebMessage[]) {
    this.listener.traffic();
    this.listener.messages(messages);
  }

  private emitClose(reason: Partial<WaCloseReason>) {
    if (this.ended) return;
    this.stopTimers();
    this.ended = true;
    this.listener.close(close(reason));
  }

  private stopTimers() {
    if (this.qrTimer) clearInterval(this.qrTimer);
    this.qrTimer = null;
  }

  ping(): Promise<void> {
    this.pings += 1;
    if (this.silent) return new Promise(() => undefined);
    this.listener.traffic();
    return Promise.resolve();
  }

  async onWhatsApp(numbers: string[]) {
    this.checks.push(numbers);
    return numbers.map((number) => {
      const digits = number.replace(/\D/g, '');
      const exists = this.hub.onWhatsAppNumbers.has(digits);
      return { number, exists, jid: exists ? `${digits}@s.whatsapp.net` : null };
    });
  }

  async logout() {
    this.end();
  }

  end() {
    this.stopTimers();
    this.ended = true;
  }
}

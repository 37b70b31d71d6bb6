import net from 'node:net';

/**
 * Serves one PGlite session to several PostgreSQL wire-protocol clients.
 *
 * PGlite is a single backend session. Clients take turns: a client holds the session from its
 * first message until the backend reports ReadyForQuery "idle" with nothing more queued from that
 * client, so an extended-protocol sequence (Parse/Bind/Execute/Sync) or an open transaction is
 * never interleaved with another client's statements. Each client's session role (the `role`
 * startup parameter, honoured by real PostgreSQL too) is re-applied when the session changes hands.
 */
export interface ProtocolBackend {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
  exec(sql: string): Promise<unknown>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'

const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const SYNC = 0x53; // 'S'

/**
 * `COPY … FROM STDIN` cannot work through a session that receives one message at a time: the backend
 * asks for the data, finds its input empty and exits (PGlite then dies with every later query
 * hanging). Such a statement is answered with an error raised by the backend itself instead, so the
 * transaction state the client sees is exactly the backend's.
 */
const COPY_FROM_STDIN = /(^|;)\s*copy\b[^;]*\bfrom\s+stdin\b/i;
const COPY_REFUSED = `DO $lm$ BEGIN RAISE EXCEPTION 'COPY FROM STDIN is not supported by the embedded database' USING ERRCODE = 'feature_not_supported', HINT = 'Use COPY … FROM a file, or INSERT'; END $lm$`;

/** The SQL text of a Query or Parse message, or null for any other message. */
function statementText(message: Buffer): string | null {
  if (message[0] === QUERY) return message.toString('utf8', 5, message.length - 1);
  if (message[0] !== PARSE) return null;
  const nameEnd = message.indexOf(0, 5);
  if (nameEnd < 0) return null;
  const textEnd = message.indexOf(0, nameEnd + 1);
  return textEnd < 0 ? null : message.toString('utf8', nameEnd + 1, textEnd);
}

function queryMessage(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header[0] = QUERY;
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

class Client {
  started = false;
  /** An extended-protocol COPY FROM STDIN was refused: its messages are dropped up to the Sync. */
  refusingUntilSync = false;
  role: string | null = null;
  buffer: Buffer = Buffer.alloc(0);
  queue: Buffer[] = [];
  closed = false;
  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {}
}

export class WireMultiplexer {
  private server: net.Server | null = null;
  private clients = new Set<Client>();
  private owner: Client | null = null;
  private waiting: Client[] = [];
  private pumping = false;
  private sessionRole: string | null = null;
  private nextId = 1;

  constructor(private readonly backend: ProtocolBackend) {}

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        this.server = server;
        resolve();
      });
    });
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(socket: net.Socket) {
    const client = new Client(this.nextId++, socket);
    this.clients.add(client);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(client, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.drop(client));
  }

  private receive(client: Client, chunk: Buffer) {
    client.buffer = client.buffer.length === 0 ? chunk : Buffer.concat([client.buffer, chunk]);
    for (;;) {
      const buf = client.buffer;
      if (!client.started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        client.buffer = buf.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST || code !== PROTOCOL_3) {
          client.socket.destroy();
          return;
        }
        client.started = true;
        client.role = startupParameter(buf.subarray(8, len), 'role');
        this.enqueue(client, Buffer.from(buf.subarray(0, len)));
        continue;
      }
      if (buf.length < 5) return;
      const len = 1 + buf.readInt32BE(1);
      if (buf.length < len) return;
      client.buffer = buf.subarray(len);
      if (buf[0] === TERMINATE) {
        client.socket.end();
        return;
      }
      this.enqueue(client, Buffer.from(buf.subarray(0, len)));
    }
  }

  private enqueue(client: Client, message: Buffer) {
    client.queue.push(message);
    if (this.owner !== client && !this.waiting.includes(client)) this.waiting.push(client);
    void this.pump();
  }

  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (!this.owner) {
          const next = this.waiting.shift();
          if (!next) return;
          if (next.closed) continue;
          this.owner = next;
          try {
            await this.applyRole(next.role);
          } catch (err) {
            // As PostgreSQL does for an unknown role at connection time: a fatal error, then close.
            next.socket.end(errorResponse((err as Error).message));
            next.closed = true;
            next.queue = [];
            this.owner = null;
            continue;
          }
        }
        const owner = this.owner;
        const message = owner.queue.shift();
        if (!message) {
          // The owner is mid-sequence (e.g. Parse sent, Sync not yet) or mid-transaction: wait for it.
          if (!owner.closed) return;
          await this.release(owner);
          continue;
        }
        const outgoing = this.screen(owner, message);
        if (!outgoing) continue;
        let reply: Uint8Array;
        try {
          reply = await this.backend.execProtocolRaw(outgoing);
        } catch (err) {
          owner.socket.destroy(err as Error);
          await this.release(owner);
          continue;
        }
        if (reply.length > 0 && !owner.closed) owner.socket.write(reply);
        const idle =
          reply.length >= 6 && reply[reply.length - 6] === READY_FOR_QUERY && reply[reply.length - 1] === IDLE;
        if (idle && owner.queue.length === 0) this.owner = null;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The message to execute for this one, or null to drop it (see COPY_FROM_STDIN). */
  private screen(client: Client, message: Buffer): Buffer | null {
    if (client.refusingUntilSync) {
      if (message[0] !== SYNC) return null;
      client.refusingUntilSync = false;
      return queryMessage(COPY_REFUSED);
    }
    const text = statementText(message);
    if (text === null || !COPY_FROM_STDIN.test(text)) return message;
    if (message[0] === QUERY) return queryMessage(COPY_REFUSED);
    client.refusingUntilSync = true;
    return null;
  }

  private async applyRole(role: string | null) {
    if (role === this.sessionRole) return;
    await this.backend.exec(role ? `SET ROLE ${quoteIdent(role)}` : 'RESET ROLE');
    this.sessionRole = role;
  }

  private async release(client: Client) {
    if (this.owner !== client) return;
    // A client that vanished inside a transaction must not leave it open for the next one.
    await this.backend.exec('ROLLBACK').catch(() => undefined);
    this.owner = null;
  }

  private async drop(client: Client) {
    client.closed = true;
    this.clients.delete(client);
    this.waiting = this.waiting.filter((c) => c !== client);
    if (this.owner === client && !this.pumping) {
      await this.release(client);
      void this.pump();
    }
  }
}

function errorResponse(message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C28000\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header[0] = 0x45; // 'E'
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

function startupParameter(body: Buffer, name: string): string | null {
  const parts = body.toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === name) return parts[i + 1] || null;
  return null;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

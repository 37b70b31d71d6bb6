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

class Client {
  started = false;
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
        let reply: Uint8Array;
        try {
          reply = await this.backend.execProtocolRaw(message);
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

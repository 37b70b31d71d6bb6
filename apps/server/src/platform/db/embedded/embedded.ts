import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, unlink, chmod } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { HostOptions, HostReply, HostRequest } from './pglite-host';

/**
 * The embedded database: one PGlite per DATA_DIR, owned by exactly one process.
 *
 * The first process to take `DATA_DIR/embedded.lock` runs PGlite in a worker thread and serves
 * it on a Unix socket; a CLI started while a server runs connects to that socket instead of
 * opening the files a second time (two PGlite instances on one directory corrupt it).
 */
export type OwnerKind = 'server' | 'cli';

export type EmbeddedHandle = {
  socketPath: string;
  /** True when this process runs the database; false when it borrowed another process's. */
  owned: boolean;
  close(): Promise<void>;
};

type LockInfo = { pid: number; kind: OwnerKind; socketPath: string };

const LOCK_FILE = 'embedded.lock';
const MAX_SOCKET_PATH = 100;

export function socketPathFor(dataDir: string): string {
  const inDataDir = path.join(dataDir, 'db.sock');
  if (Buffer.byteLength(inDataDir) <= MAX_SOCKET_PATH) return inDataDir;
  // Unix socket paths are limited to ~107 bytes; deep data directories get a private tmp socket.
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `leadmaster-${digest}.sock`);
}

/** Starts a PGlite worker serving `socketPath`. The caller owns the data directory (or none: memory). */
export async function startPgliteHost(options: HostOptions): Promise<{ worker: Worker; stop(): Promise<void>; dump(file: string): Promise<void> }> {
  await unlink(options.socketPath).catch(() => undefined);
  const worker = new Worker(new URL('./pglite-host.worker.mjs', import.meta.url), {
    workerData: options,
  });
  const request = (req: HostRequest, expect: HostReply['type']) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (reply: HostReply) => {
        if (reply.type === expect) {
          worker.off('message', onMessage);
          resolve();
        } else if (reply.type === 'error') {
          worker.off('message', onMessage);
          reject(new Error(`embedded database: ${reply.message}`));
        }
      };
      worker.on('message', onMessage);
      if (req) worker.postMessage(req);
    });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`embedded database worker exited with code ${code}`)));
    const onMessage = (reply: HostReply) => {
      if (reply.type === 'ready') resolve();
      if (reply.type === 'error') reject(new Error(`embedded database failed to start: ${reply.message}`));
      if (reply.type === 'ready' || reply.type === 'error') worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
  });
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  await chmod(options.socketPath, 0o600);
  let stopped: Promise<void> | null = null;
  return {
    worker,
    dump: (file) => request({ type: 'dump', file }, 'dumped'),
    stop: () =>
      (stopped ??= (async () => {
        await request({ type: 'close' }, 'closed').catch(() => undefined);
        await worker.terminate();
        await unlink(options.socketPath).catch(() => undefined);
      })()),
  };
}

/**
 * Opens the embedded database of `dataDir`: runs it when no live process does, otherwise
 * connects to the running server's socket. Waits while another CLI command holds it.
 */
export async function openEmbedded(options: {
  dataDir: string;
  kind: OwnerKind;
  onWait?: (holder: LockInfo) => void;
  waitTimeoutMs?: number;
}): Promise<EmbeddedHandle> {
  const { dataDir, kind } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const deadline = Date.now() + (options.waitTimeoutMs ?? 120_000);
  let announced = false;
  for (;;) {
    const mine: LockInfo = { pid: process.pid, kind, socketPath: socketPathFor(dataDir) };
    const taken = await tryCreateLock(lockPath, mine);
    if (taken) {
      try {
        const host = await startPgliteHost({ dataDir: path.join(dataDir, 'pglite'), socketPath: mine.socketPath });
        return {
          socketPath: mine.socketPath,
          owned: true,
          close: async () => {
            await host.stop();
            await unlink(lockPath).catch(() => undefined);
          },
        };
      } catch (err) {
        await unlink(lockPath).catch(() => undefined);
        throw err;
      }
    }
    const holder = await readLock(lockPath);
    if (!holder || !isAlive(holder.pid)) {
      // The previous owner died (SIGKILL, power loss): its lock is stale.
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (holder.kind === 'server' && holder.pid !== process.pid && (await canConnect(holder.socketPath))) {
      return { socketPath: holder.socketPath, owned: false, close: async () => undefined };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.kind}); stop it and try again.`,
      );
    }
    if (!announced) options.onWait?.(holder);
    announced = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function tryCreateLock(lockPath: string, info: LockInfo): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    await handle.writeFile(JSON.stringify(info));
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readLock(lockPath: string): Promise<LockInfo | null> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { pid: -1, kind: 'cli', socketPath: '' };
    // Half-written by a process that is starting right now: treat as held and look again shortly.
    return { pid: process.pid, kind: 'cli', socketPath: '' };
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

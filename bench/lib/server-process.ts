import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup';

const CLI = fileURLToPath(new URL('../../apps/server/bin/leadmaster.js', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** Output kept to explain a server that would not start. */
const KEPT_OUTPUT_BYTES = 16_384;

const running = new Set<ChildProcess>();
// Last resort when the bench process exits without its cleanups (uncaught error, process.exit).
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type ServerProcess = { baseUrl: string; pid: number; stop(): Promise<void> };

/**
 * Runs `leadmaster start` as its own process, as in production, and waits for `/ready`.
 * The process is stopped by the cleanup (SIGTERM, then SIGKILL if it hangs).
 */
export async function startServerProcess(options: {
  env: Record<string, string>;
  cleanup: Cleanup;
  log(message: string): void;
}): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, HOST: '127.0.0.1', PORT: String(port) };
  // The caller's shell must not point the server at another database.
  if (!options.env.DATABASE_URL) delete env.DATABASE_URL;
  env.LOG_LEVEL = options.env.LOG_LEVEL ?? 'warn';
  const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT_BYTES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => running.delete(child));

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signalled = performance.now();
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        options.log(`server process ${child.pid} still running ${STOP_TIMEOUT_MS / 1000} s after SIGTERM: killing it`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      options.log(`server process ${child.pid} exited (${code ?? child.signalCode}) ${((performance.now() - signalled) / 1000).toFixed(1)} s after SIGTERM`);
    })());
  options.cleanup.defer(`stop server process ${child.pid}`, stop);

  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`leadmaster start exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`leadmaster start was not ready after ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    const ready = await fetch(`${baseUrl}/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  options.log(`server process ${child.pid} ready at ${baseUrl} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { baseUrl, pid: child.pid!, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

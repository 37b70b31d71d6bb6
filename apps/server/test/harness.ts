import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config';
import { createLogger } from '../src/platform/logger';
import { startRuntime, type Runtime } from '../src/runtime';
import { systemClock, type Clock } from '../src/platform/clock';
import type { HttpServer } from '../src/platform/http/server';
import { openTestDatabase, type TestDatabase } from './db';

export type TestApp = {
  app: HttpServer;
  runtime: Runtime;
  db: TestDatabase;
  /** Every log line the app wrote, for tests that look for leaked secrets. */
  logs: string[];
  client(): TestClient;
  close(): Promise<void>;
};

/** The whole product on a private database, answering through Fastify's inject (no socket). */
export async function startTestApp(
  options: {
    clock?: Clock;
    work?: boolean;
    env?: Record<string, string>;
    db?: TestDatabase;
    /** Extra routes for a test, added before the app is ready. */
    routes?: (app: HttpServer) => void;
  } = {},
): Promise<TestApp> {
  const db = options.db ?? (await openTestDatabase());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lm-test-data-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'info', SECRET_KEY: 'x'.repeat(43), ...options.env });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination: destination as never });
  const runtime = await startRuntime({
    config,
    logger,
    owner: 'server',
    http: true,
    work: options.work ?? false,
    migrate: false,
    database: db,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = runtime.http!.app;
  options.routes?.(app);
  await app.ready();
  return {
    app,
    runtime,
    db,
    logs,
    client: () => new TestClient(app, options.clock),
    close: async () => {
      await runtime.close();
      if (!options.db) await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestResponse<T = any> = { status: number; body: T; headers: Record<string, string | string[] | undefined>; text: string };

/** A browser-like client: keeps cookies and sends our own Origin, unless told otherwise. */
export class TestClient {
  cookies = new Map<string, string>();
  bearer: string | null = null;
  origin: string | null = 'http://localhost:80';
  /** Each client comes from its own address, like separate browsers; per-IP limits are per client. */
  ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  /** Cookies expire by the app's clock (a test's fake clock), as they would for a browser living in that time. */
  constructor(
    private readonly app: HttpServer,
    private readonly clock: Clock = systemClock,
  ) {}

  withBearer(token: string): this {
    this.bearer = token;
    return this;
  }

  async request<T = any>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; rawBody?: string | Buffer } = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.origin && method !== 'GET') headers.origin ??= this.origin;
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    let payload: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.app.inject({ method, url, headers, remoteAddress: this.ip, ...(payload !== undefined ? { payload } : {}) });
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const expired = (c.expires && c.expires.getTime() < this.clock.now().getTime()) || c.maxAge === 0 || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    let body: unknown = res.body;
    try {
      body = JSON.parse(res.body);
    } catch {
      // not JSON
    }
    return { status: res.statusCode, body: body as T, headers: res.headers as TestResponse['headers'], text: res.body };
  }

  get<T = any>(url: string, options?: { headers?: Record<string, string> }) {
    return this.request<T>('GET', url, options);
  }
  post<T = any>(url: string, body?: unknown, options?: { headers?: Record<string, string> }) {
    return this.request<T>('POST', url, { ...options, body: body ?? {} });
  }
  patch<T = any>(url: string, body?: unknown) {
    return this.request<T>('PATCH', url, { body: body ?? {} });
  }
  delete<T = any>(url: string) {
    return this.request<T>('DELETE', url);
  }
}

import { expectOk, fetchCaller, provisionBenchTenant } from '../lib/bench-tenant';
import { measureHttpLoad, type LoadResult } from '../lib/http-load';
import { startServerProcess } from '../lib/server-process';
import type { Figure, Scenario } from '../lib/types';

const CONNECTIONS = 4;

type Endpoint = { label: string; path: string; credentials: 'none' | 'apiKey' | 'cookie' };

const HEALTH: Endpoint = { label: 'GET /health', path: '/health', credentials: 'none' };
const ENDPOINTS: Endpoint[] = [
  HEALTH,
  { label: 'GET /api/v1/users (API key)', path: '/api/v1/users', credentials: 'apiKey' },
  { label: 'GET /api/v1/users (session cookie)', path: '/api/v1/users', credentials: 'cookie' },
];

export const httpOverhead: Scenario = {
  name: 'http-overhead',
  title: 'HTTP overhead of authentication and tenant context',
  description: `
Requests per second and latency of \`GET /health\` (no authentication, no database) against an
authenticated read, \`GET /api/v1/users\`, called with an API key (\`Authorization: Bearer\`) and with a
session cookie. The server runs as its own process (\`leadmaster start\`, \`LOG_LEVEL=warn\`) on a fresh
database; the load comes from the bench process (autocannon, a fixed number of connections, a warm-up
first). The ratio of authenticated to health throughput is the price of resolving the credential, the
tenant context (a transaction with \`app.tenant_id\` set, under row-level security) and the query itself.`,

  async forDatabase(ctx, database) {
    const seconds = ctx.quick ? 1 : 10;
    const warmupSeconds = ctx.quick ? 0.5 : 3;
    ctx.note(
      `${CONNECTIONS} connections; every endpoint warmed up for ${warmupSeconds} s, then each measured for ${seconds} s; load generator and server share the machine's cores.`,
    );
    const server = await startServerProcess({ env: database.env, cleanup: ctx.cleanup, log: ctx.log });
    const call = fetchCaller(server.baseUrl);
    const credentials = await provisionBenchTenant({ call, origin: server.baseUrl });
    const headersFor = (endpoint: Endpoint): Record<string, string> => {
      switch (endpoint.credentials) {
        case 'none':
          return {};
        case 'apiKey':
          return { authorization: `Bearer ${credentials.apiKey}` };
        case 'cookie':
          return { cookie: credentials.cookie };
      }
    };

    const load = (endpoint: Endpoint, duration: number) =>
      measureHttpLoad({ url: `${server.baseUrl}${endpoint.path}`, headers: headersFor(endpoint), connections: CONNECTIONS, seconds: duration });
    // Warm every path before measuring any: the code the endpoints share (auth, Drizzle, postgres.js)
    // would otherwise be optimised during the first measurement and flatter the later ones.
    for (const endpoint of ENDPOINTS) {
      await expectOk({ call, path: endpoint.path, headers: headersFor(endpoint) });
      await load(endpoint, warmupSeconds);
    }

    const figures: Figure[] = [];
    const results = new Map<Endpoint, LoadResult>();
    for (const endpoint of ENDPOINTS) {
      ctx.log(`${database.label}: ${endpoint.label}`);
      const result = await load(endpoint, seconds);
      results.set(endpoint, result);
      figures.push(
        { name: `${endpoint.label}: throughput`, value: result.requestsPerSecond, unit: 'req/s', decimals: 0 },
        { name: `${endpoint.label}: latency p50`, value: result.p50Ms, unit: 'ms', decimals: 2 },
        { name: `${endpoint.label}: latency p99`, value: result.p99Ms, unit: 'ms', decimals: 2 },
      );
    }
    const health = results.get(HEALTH)!;
    for (const endpoint of ENDPOINTS) {
      if (endpoint === HEALTH) continue;
      const result = results.get(endpoint)!;
      figures.push({
        name: `Throughput ratio ${endpoint.label} / health`,
        value: result.requestsPerSecond / health.requestsPerSecond,
        unit: '×',
        decimals: 3,
      });
    }
    return figures;
  },
};

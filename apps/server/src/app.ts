import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import type { ModuleDeps } from './platform/deps';
import { createHttpServer, registerPlatformPlugins, type HttpServer } from './platform/http/server';
import { registerIdempotency } from './platform/http/idempotency';
import { isMigrated } from './platform/db/migrate';
import { realtimeRoutes } from './platform/realtime/realtime';
import { principalOf } from './platform/http/auth';
import { notFound } from './platform/errors';
import { backgroundTasks } from './platform/jobs/tasks.tables';
import { presentTask } from './platform/jobs/queue';
import { and, eq } from 'drizzle-orm';
import { tenantsRoutes } from './modules/tenants';
import { auditRoutes } from './modules/audit';
import type { Modules } from './modules';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

export type BuiltApp = { app: HttpServer };

/** The HTTP side of LeadMaster: platform plugins, then every module's routes, then the web app. */
export async function buildApp(deps: ModuleDeps, modules: Modules, options: { webDist?: string | null } = {}): Promise<BuiltApp> {
  const { identity } = modules;
  const webDist = options.webDist === undefined ? WEB_DIST : options.webDist;
  const webRoot = webDist && existsSync(path.join(webDist, 'index.html')) ? webDist : null;
  const app = await createHttpServer({ config: deps.config, logger: deps.logger, auth: identity.authResolver, webRoot });
  await registerPlatformPlugins(app, { version: VERSION });
  await app.register(rateLimit, { global: false });
  registerIdempotency(app, deps.database);

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await isMigrated(deps.database.sql).catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });

  await app.register(identity.routes);
  await app.register(tenantsRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(modules.contacts.routes);
  await app.register(modules.scoring.routes);
  await app.register(modules.files.routes);
  await app.register(modules.channels.routes);
  await app.register(modules.messaging.routes);
  await app.register(modules.campaigns.routes);
  await app.register(modules.calendar.routes);
  await app.register(realtimeRoutes({ bus: deps.bus, auth: identity.authResolver, config: deps.config }));

  app.get(
    '/api/v1/tasks/:id',
    { config: { auth: { permission: null } }, schema: { tags: ['tasks'], params: z.object({ id: z.uuid() }) } },
    async (request) => {
      const { tenantId } = principalOf(request);
      const [row] = await deps.database.withTenant(tenantId, (tx) =>
        tx.select().from(backgroundTasks).where(and(eq(backgroundTasks.tenantId, tenantId), eq(backgroundTasks.id, request.params.id))),
      );
      if (!row) throw notFound('Task');
      return presentTask(row);
    },
  );

  if (webRoot) await serveWebApp(app, webRoot);
  return { app };
}

/** The single-page app's files; hashed assets are cached for good (page paths: see the not-found handler). */
async function serveWebApp(app: HttpServer, root: string) {
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    setHeaders: (res, filePath) => {
      res.setHeader('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

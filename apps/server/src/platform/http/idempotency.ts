import { createHash } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database';
import { AppError } from '../errors';
import { idempotencyKeys } from './idempotency.tables';
import type { HttpServer } from './server';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `POST` that creates or sends: honours the `Idempotency-Key` header. */
    idempotent?: true;
  }
  interface FastifyRequest {
    idempotencyClaim: { tenantId: string; key: string } | null;
  }
}

const KEY = /^[A-Za-z0-9._:-]{8,200}$/;

/**
 * `Idempotency-Key`: the first request with a key runs and its response is remembered; a retry
 * with the same key and body gets the same response without running again. The same key with a
 * different body is refused. Server errors are forgotten so the client can retry.
 */
export function registerIdempotency(app: HttpServer, database: Database) {
  app.decorateRequest('idempotencyClaim', null);

  // Only the routes that declare `idempotent` carry these hooks (every other request skipped them,
  // but paid for two async hooks each: a webhook's answer is about 200 µs of CPU in all).
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    route.preHandler = [...[route.preHandler ?? []].flat(), claim];
    route.onSend = [...[route.onSend ?? []].flat(), record];
  });

  async function claim(request: FastifyRequest, reply: FastifyReply) {
    if (!request.routeOptions.config?.idempotent) return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new AppError('validation_failed', 'Idempotency-Key must be 8–200 characters of letters, digits and ._:-', {
        field: 'Idempotency-Key',
      });
    }
    const principal = request.principal;
    if (!principal) return;
    const route = `${request.method} ${request.routeOptions.url}`;
    const requestHash = createHash('sha256').update(route).update(JSON.stringify(request.body ?? null)).digest('hex');
    const tenantId = principal.tenantId;
    const outcome = await database.withTenant(tenantId, async (tx) => {
      const [claimed] = await tx
        .insert(idempotencyKeys)
        .values({ tenantId, key, route, requestHash })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (claimed) return { kind: 'claimed' as const };
      const [existing] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
      return { kind: 'existing' as const, existing };
    });
    if (outcome.kind === 'claimed') {
      request.idempotencyClaim = { tenantId, key };
      return;
    }
    const existing = outcome.existing;
    if (!existing) throw new AppError('conflict', 'Retry the request');
    if (existing.requestHash !== requestHash) {
      throw new AppError('conflict', 'This Idempotency-Key was used for a different request', { field: 'Idempotency-Key' });
    }
    if (existing.statusCode === null) throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress');
    return replay(reply, existing.statusCode, existing.response);
  }

  async function record(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    const where = and(eq(idempotencyKeys.tenantId, claim.tenantId), eq(idempotencyKeys.key, claim.key), isNull(idempotencyKeys.statusCode));
    await database.withTenant(claim.tenantId, async (tx) => {
      if (reply.statusCode >= 500) {
        await tx.delete(idempotencyKeys).where(where);
        return;
      }
      const body = typeof payload === 'string' ? safeJson(payload) : null;
      await tx.update(idempotencyKeys).set({ statusCode: reply.statusCode, response: body }).where(where);
    });
    return payload;
  }
}

function replay(reply: FastifyReply, statusCode: number, response: unknown) {
  reply.header('idempotent-replayed', 'true');
  // The stored body was already serialised by the route: send it as-is.
  return reply.status(statusCode).type('application/json; charset=utf-8').serializer((v: unknown) => JSON.stringify(v)).send(response);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export type { FastifyRequest };

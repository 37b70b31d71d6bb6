import { and, desc, eq, isNull } from 'drizzle-orm';
import type { ApiKey } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { actorOf, recordAudit } from '../audit';
import { apiKeys } from './identity.tables';
import { assertCanGrant } from './users.service';
import { formatApiKey, newSecret } from './credentials';
import { apiKeyNotFound } from './identity.errors';

export function presentApiKey(row: typeof apiKeys.$inferSelect): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    permissions: row.permissions,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
  };
}

export function createApiKeysService(deps: ModuleDeps) {
  const { database, secrets, clock } = deps;

  async function list(principal: Principal) {
    const rows = await database.withTenant(principal.tenantId, (tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.tenantId, principal.tenantId)).orderBy(desc(apiKeys.createdAt)),
    );
    return rows.map(presentApiKey);
  }

  /** The token is returned here and never again: only its keyed hash is stored. */
  async function create(options: { principal: Principal; name: string; permissions: string[]; meta: RequestMeta }) {
    const { principal, meta } = options;
    assertCanGrant(principal, options.permissions);
    const secret = newSecret();
    return database.withTenant(principal.tenantId, async (tx) => {
      const [row] = await tx
        .insert(apiKeys)
        .values({
          tenantId: principal.tenantId,
          name: options.name,
          prefix: '',
          secretHash: secrets.hashToken(secret),
          permissions: [...new Set(options.permissions)],
          createdBy: principal.userId,
        })
        .returning();
      const token = formatApiKey({ tenantId: principal.tenantId, id: row!.id, secret });
      const [named] = await tx
        .update(apiKeys)
        .set({ prefix: `${token.slice(0, 12)}…${token.slice(-4)}` })
        .where(and(eq(apiKeys.tenantId, principal.tenantId), eq(apiKeys.id, row!.id)))
        .returning();
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'api_key.created',
        target: { type: 'api_key', id: row!.id },
        meta,
        details: { name: options.name, permissions: row!.permissions },
      });
      return { apiKey: presentApiKey(named!), token };
    });
  }

  async function revoke(options: { principal: Principal; keyId: string; meta: RequestMeta }) {
    const { principal, keyId, meta } = options;
    return database.withTenant(principal.tenantId, async (tx) => {
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: clock.now() })
        .where(and(eq(apiKeys.tenantId, principal.tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
        .returning();
      if (!row) {
        const [existing] = await tx.select().from(apiKeys).where(and(eq(apiKeys.tenantId, principal.tenantId), eq(apiKeys.id, keyId)));
        if (!existing) throw apiKeyNotFound();
        return presentApiKey(existing);
      }
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'api_key.revoked',
        target: { type: 'api_key', id: keyId },
        meta,
        details: { name: row.name },
      });
      return presentApiKey(row);
    });
  }

  return { list, create, revoke };
}

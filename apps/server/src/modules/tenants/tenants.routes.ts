import { Tenant, UpdateTenantBody } from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import type { ModuleDeps } from '../../platform/deps';
import { principalOf } from '../../platform/http/auth';
import { requestMeta } from '../../platform/http/request-meta';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit } from '../audit';
import { getTenant, presentTenant, updateTenant } from './tenants.service';

export function tenantsRoutes(deps: ModuleDeps) {
  const { database } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/tenant',
      { config: { auth: { permission: null } }, schema: { tags: ['tenant'], response: { 200: Tenant } } },
      async (request) => {
        const { tenantId } = principalOf(request);
        return presentTenant(await database.withTenant(tenantId, (tx) => getTenant(tx, tenantId)));
      },
    );

    app.patch(
      '/api/v1/tenant',
      { config: { auth: { permission: 'settings.manage' } }, schema: { tags: ['tenant'], body: UpdateTenantBody, response: { 200: Tenant } } },
      async (request) => {
        const principal = principalOf(request);
        const changes = request.body;
        if (changes.requireTwoFactor !== undefined && principal.builtinRole !== 'owner') {
          throw new AppError('forbidden', 'Only a workspace owner can change the two-factor requirement');
        }
        return database.withTenant(principal.tenantId, async (tx) => {
          const before = await getTenant(tx, principal.tenantId);
          const row = await updateTenant(tx, { tenantId: principal.tenantId, changes });
          await recordAudit(tx, {
            tenantId: principal.tenantId,
            actor: actorOf(principal),
            action: changes.requireTwoFactor !== undefined && changes.requireTwoFactor !== before.requireTwoFactor ? 'tenant.2fa_requirement_changed' : 'tenant.updated',
            target: { type: 'tenant', id: principal.tenantId },
            meta: requestMeta(request),
            details: { changes },
          });
          return presentTenant(row);
        });
      },
    );
  };
}

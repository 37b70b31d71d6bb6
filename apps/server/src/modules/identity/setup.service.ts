import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { SetupBody } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { RequestMeta } from '../../platform/http/request-meta';
import { recordAudit } from '../audit';
import type { AuthService } from './auth.service';
import { isSetupRequired, updateUser } from './identity.repository';
import { insertUserWithLogins, provisionTenant } from './users.service';
import { setupDone } from './identity.errors';

const SETUP_LOCK = 7_204_551_302;

/** First run: creates the first tenant and its owner, and signs the owner in. Once only. */
export function createSetupService(deps: ModuleDeps & { auth: AuthService }) {
  const { database } = deps;

  const required = () => database.withoutTenant((tx) => isSetupRequired(tx));

  async function run(options: { input: z.output<typeof SetupBody>; meta: RequestMeta }) {
    const { input, meta } = options;
    return database.withoutTenant(async (tx) => {
      // Two first visitors at once: the second waits here, then finds setup done.
      await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
      if (!(await isSetupRequired(tx))) throw setupDone();
      const { tenant, roles } = await provisionTenant(tx, input.tenant);
      const owner = roles.find((r) => r.builtin === 'owner')!;
      const actor = { type: 'anonymous' as const, id: null, label: 'first-run setup' };
      const user = await insertUserWithLogins(tx, { tenantId: tenant.id, roleId: owner.id, user: input.owner, actor, meta });
      await recordAudit(tx, { tenantId: tenant.id, actor, action: 'tenant.created', target: { type: 'tenant', id: tenant.id }, meta });
      // Setup signs the owner in: that is their first login.
      await updateUser(tx, { tenantId: tenant.id, userId: user.id, changes: { lastLoginAt: deps.clock.now() } });
      return deps.auth.startSession(tx, { tenantId: tenant.id, userId: user.id, stage: 'active', meta });
    });
  }

  return { required, run };
}

import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createAuthService } from './auth.service';
import { createTwoFactorService } from './two-factor.service';
import { createSetupService } from './setup.service';
import { createUsersService } from './users.service';
import { createRolesService } from './roles.service';
import { createApiKeysService } from './api-keys.service';
import { authRoutes } from './auth.routes';
import { usersRoutes } from './users.routes';

export { provisionTenant, insertUserWithLogins, type NewUser } from './users.service';
export { findBuiltinRole, permissionsOf, userBelongsToTenant, userNames } from './identity.repository';
export { ARGON2_PARAMS } from './passwords';
export { totpCodeAt } from './totp';

/** Accounts, roles, sessions, two-factor and API keys. Its resolver authenticates every request. */
export function identityModule(deps: ModuleDeps) {
  const auth = createAuthService(deps);
  const twoFactor = createTwoFactorService({ ...deps, auth });
  const setup = createSetupService({ ...deps, auth });
  const users = createUsersService(deps);
  const roles = createRolesService(deps);
  const apiKeys = createApiKeysService(deps);
  return {
    authResolver: auth.resolver,
    auth,
    users,
    routes: async (app: HttpServer) => {
      await app.register(authRoutes({ ...deps, auth, twoFactor, setup, users }));
      await app.register(usersRoutes({ users, roles, apiKeys }));
    },
  };
}

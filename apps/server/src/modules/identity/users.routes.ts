import { z } from 'zod';
import {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateRoleBody,
  CreateUserBody,
  ListQuery,
  Ok,
  page,
  Role,
  UpdateRoleBody,
  UpdateUserBody,
  User,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { requestMeta } from '../../platform/http/request-meta';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import type { createUsersService } from './users.service';
import type { createRolesService } from './roles.service';
import type { createApiKeysService } from './api-keys.service';

const IdParams = z.object({ id: z.uuid() });
const isIdCursor = (v: unknown): v is string => typeof v === 'string' && z.uuid().safeParse(v).success;

export function usersRoutes(deps: {
  users: ReturnType<typeof createUsersService>;
  roles: ReturnType<typeof createRolesService>;
  apiKeys: ReturnType<typeof createApiKeysService>;
}) {
  const { users, roles, apiKeys } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/users',
      { config: { auth: { permission: 'users.read' } }, schema: { tags: ['users'], querystring: ListQuery, response: { 200: page(User) } } },
      async (request) => {
        const { limit, cursor } = request.query;
        const afterId = decodeCursor(cursor, isIdCursor);
        const items = await users.list({ principal: principalOf(request), limit: limit + 1, ...(afterId ? { afterId } : {}) });
        const visible = items.slice(0, limit);
        return { items: visible, nextCursor: items.length > limit ? encodeCursor(visible.at(-1)!.id) : null };
      },
    );

    app.post(
      '/api/v1/users',
      {
        config: { auth: { permission: 'users.manage' }, idempotent: true },
        schema: { tags: ['users'], body: CreateUserBody, response: { 201: User } },
      },
      async (request, reply) =>
        reply.status(201).send(await users.create({ principal: principalOf(request), user: request.body, meta: requestMeta(request) })),
    );

    app.get(
      '/api/v1/users/:id',
      { config: { auth: { permission: 'users.read' } }, schema: { tags: ['users'], params: IdParams, response: { 200: User } } },
      async (request) => users.get({ principal: principalOf(request), userId: request.params.id }),
    );

    app.patch(
      '/api/v1/users/:id',
      {
        config: { auth: { permission: 'users.manage' } },
        schema: { tags: ['users'], params: IdParams, body: UpdateUserBody, response: { 200: User } },
      },
      async (request) =>
        users.update({ principal: principalOf(request), userId: request.params.id, changes: request.body, meta: requestMeta(request) }),
    );

    app.post(
      '/api/v1/users/:id/reset-2fa',
      { config: { auth: { permission: 'users.manage' } }, schema: { tags: ['users'], params: IdParams, response: { 200: User } } },
      async (request) => users.resetTwoFactor({ principal: principalOf(request), userId: request.params.id, meta: requestMeta(request) }),
    );

    app.get(
      '/api/v1/roles',
      { config: { auth: { permission: 'users.read' } }, schema: { tags: ['roles'], response: { 200: page(Role) } } },
      async (request) => ({ items: await roles.list(principalOf(request)), nextCursor: null }),
    );

    app.post(
      '/api/v1/roles',
      {
        config: { auth: { permission: 'roles.manage' }, idempotent: true },
        schema: { tags: ['roles'], body: CreateRoleBody, response: { 201: Role } },
      },
      async (request, reply) =>
        reply.status(201).send(await roles.create({ principal: principalOf(request), input: request.body, meta: requestMeta(request) })),
    );

    app.patch(
      '/api/v1/roles/:id',
      {
        config: { auth: { permission: 'roles.manage' } },
        schema: { tags: ['roles'], params: IdParams, body: UpdateRoleBody, response: { 200: Role } },
      },
      async (request) =>
        roles.update({ principal: principalOf(request), roleId: request.params.id, changes: request.body, meta: requestMeta(request) }),
    );

    app.delete(
      '/api/v1/roles/:id',
      { config: { auth: { permission: 'roles.manage' } }, schema: { tags: ['roles'], params: IdParams, response: { 200: Ok } } },
      async (request) => {
        await roles.remove({ principal: principalOf(request), roleId: request.params.id, meta: requestMeta(request) });
        return { ok: true as const };
      },
    );

    app.get(
      '/api/v1/api-keys',
      { config: { auth: { permission: 'api_keys.manage' } }, schema: { tags: ['api-keys'], response: { 200: page(ApiKey) } } },
      async (request) => ({ items: await apiKeys.list(principalOf(request)), nextCursor: null }),
    );

    app.post(
      '/api/v1/api-keys',
      {
        config: { auth: { permission: 'api_keys.manage' }, idempotent: true },
        schema: { tags: ['api-keys'], body: CreateApiKeyBody, response: { 201: CreatedApiKey } },
      },
      async (request, reply) =>
        reply.status(201).send(await apiKeys.create({ principal: principalOf(request), ...request.body, meta: requestMeta(request) })),
    );

    app.delete(
      '/api/v1/api-keys/:id',
      { config: { auth: { permission: 'api_keys.manage' } }, schema: { tags: ['api-keys'], params: IdParams, response: { 200: ApiKey } } },
      async (request) => apiKeys.revoke({ principal: principalOf(request), keyId: request.params.id, meta: requestMeta(request) }),
    );
  };
}

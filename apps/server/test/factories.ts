import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { BuiltinRole } from '@leadmaster/contracts';
import { findBuiltinRole, insertUserWithLogins, provisionTenant, totpCodeAt } from '../src/modules/identity';
import { users } from '../src/modules/identity/identity.tables';
import { newTotpSecret } from '../src/modules/identity/totp';
import { operatorActor } from '../src/modules/audit';
import type { TestApp, TestClient } from './harness';

const unique = () => randomBytes(4).toString('hex');

export type TestTenant = { id: string; slug: string; name: string };
export type TestUser = { id: string; tenantId: string; email: string; username: string; password: string; totpSecret: string | null };

/** A fresh tenant for each test, so tests never share data and can run side by side. */
export async function buildTenant(t: TestApp, overrides: Partial<{ name: string; slug: string; country: string; timezone: string }> = {}): Promise<TestTenant> {
  const slug = overrides.slug ?? `t-${unique()}`;
  const { tenant } = await t.db.withoutTenant((tx) =>
    provisionTenant(tx, {
      name: overrides.name ?? `Tenant ${slug}`,
      slug,
      country: overrides.country ?? 'AR',
      timezone: overrides.timezone ?? 'America/Argentina/Buenos_Aires',
      locale: 'es',
    }),
  );
  return { id: tenant.id, slug: tenant.slug, name: tenant.name };
}

export async function buildUser(
  t: TestApp,
  options: { tenant?: TestTenant; role?: BuiltinRole; roleId?: string; password?: string; email?: string; totp?: boolean } = {},
): Promise<TestUser & { tenant: TestTenant }> {
  const tenant = options.tenant ?? (await buildTenant(t));
  const password = options.password ?? `pw-${unique()}-${unique()}`;
  const name = `u${unique()}`;
  const email = options.email ?? `${name}@example.test`;
  const totpSecret = options.totp ? newTotpSecret() : null;
  const user = await t.db.withTenant(tenant.id, async (tx) => {
    const roleId = options.roleId ?? (await findBuiltinRole(tx, { tenantId: tenant.id, builtin: options.role ?? 'owner' }))!.id;
    const row = await insertUserWithLogins(tx, {
      tenantId: tenant.id,
      roleId,
      user: { email, username: name, name: `User ${name}`, password },
      actor: operatorActor,
    });
    if (totpSecret) {
      await tx
        .update(users)
        .set({ totpSecret: t.runtime.deps.secrets.encrypt(totpSecret), totpEnabledAt: new Date() })
        .where(and(eq(users.tenantId, tenant.id), eq(users.id, row.id)));
    }
    return row;
  });
  return { id: user.id, tenantId: tenant.id, email, username: name, password, totpSecret, tenant };
}

/** A client signed in as `user` (completing the TOTP step when the user has one). */
export async function signIn(t: TestApp, user: TestUser, at: Date = t.runtime.deps.clock.now()): Promise<TestClient> {
  const client = t.client();
  const res = await client.post('/api/v1/auth/login', { login: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  if (res.body.status === 'totp_required') {
    const code = totpCodeAt(user.totpSecret!, at);
    const second = await client.post('/api/v1/auth/login/totp', { code });
    if (second.status !== 200) throw new Error(`totp failed: ${second.status} ${second.text}`);
  }
  return client;
}

export async function buildSignedInUser(t: TestApp, options: Parameters<typeof buildUser>[1] = {}) {
  const user = await buildUser(t, options);
  return { user, client: await signIn(t, user) };
}

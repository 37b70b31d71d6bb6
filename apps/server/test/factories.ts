import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { BuiltinRole } from '@leadmaster/contracts';
import { findBuiltinRole, insertUserWithLogins, provisionTenant, totpCodeAt } from '../src/modules/identity';
import { users } from '../src/modules/identity/identity.tables';
import { newTotpSecret } from '../src/modules/identity/totp';
import { operatorActor } from '../src/modules/audit';
import { normalizePhone } from '../src/modules/contacts';
import { contacts } from '../src/modules/contacts/contacts.tables';
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

/**
 * `count` Argentine mobile contacts who pass the send gate (valid phone, opted in on every channel,
 * contactability 90), written in bulk: numbers `numberPrefix` + seven digits counting from `from`.
 */
export async function buildGatePassingContacts(t: TestApp, tenantId: string, options: { count: number; numberPrefix: string; from?: number }): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < options.count; done += 2000) {
    const rows = Array.from({ length: Math.min(2000, options.count - done) }, (_, k) => {
      const phone = normalizePhone(`${options.numberPrefix}${String((options.from ?? 0) + done + k).padStart(7, '0')}`, 'AR');
      if (!phone.valid) throw new Error(`test number ${phone.raw} is not valid`);
      return { tenantId, firstName: `Ana ${done + k}`, company: 'Acme', phoneRaw: phone.e164!, phoneE164: phone.e164!, phoneKey: phone.key!, phoneValid: true, phoneCountry: 'AR', scoreContactability: 90 };
    });
    const inserted = await t.db.withTenant(tenantId, (tx) => tx.insert(contacts).values(rows).returning({ id: contacts.id }));
    ids.push(...inserted.map((r) => r.id));
  }
  await t.db.withTenant(tenantId, async (tx) => {
    await tx.execute(sql`insert into consent_events (tenant_id, id, contact_id, channel, status, source) select tenant_id, gen_random_uuid(), id, 'any', 'opted_in', 'form' from contacts where tenant_id = ${tenantId}::uuid and id = any(${sql.param(ids)}::uuid[])`);
    await tx.execute(sql`insert into consent_states (tenant_id, contact_id, channel, status, event_id) select tenant_id, contact_id, channel, status, id from consent_events where tenant_id = ${tenantId}::uuid and contact_id = any(${sql.param(ids)}::uuid[])`);
  });
  return ids;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { APP_ROLE } from './security';
import { createSql } from './database';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser, buildUser } from '../../../test/factories';
import { openTestDatabase, usingRealPostgres } from '../../../test/db';

let t: TestApp;
beforeAll(async () => {
  // A pool of two connections, so interleaved requests of two tenants keep reusing the same ones.
  t = await startTestApp({ db: await openTestDatabase({ poolSize: 2 }) });
});
afterAll(async () => {
  await t?.close();
  await t?.db.close();
});

describe('row-level security catalogue', () => {
  it('enables and forces RLS with a tenant policy on every table that has a tenant_id', async () => {
    const owner = createSql(t.db.ownerUrlOrSocket, { max: 1 });
    try {
      const tables = await owner<{ relname: string; rls: boolean; forced: boolean; policies: string[] }[]>`
        select c.relname, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
               coalesce(array_agg(p.polname) filter (where p.polname is not null), '{}') as policies
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          left join pg_policy p on p.polrelid = c.oid
         where n.nspname = 'public' and c.relkind in ('r', 'p')
           and (exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
                or c.relname = 'tenants')
         group by c.relname, c.relrowsecurity, c.relforcerowsecurity
         order by c.relname`;
      expect(tables.length).toBeGreaterThanOrEqual(8);
      for (const table of tables) {
        expect({ table: table.relname, rls: table.rls, forced: table.forced }).toEqual({ table: table.relname, rls: true, forced: true });
        expect(table.policies, table.relname).toContain('tenant_isolation');
      }
      // Every tenant_id leads the primary key (or is the key) of its table.
      const keys = await owner<{ relname: string; first: string }[]>`
        select c.relname, a.attname as first
          from pg_index i
          join pg_class c on c.oid = i.indrelid
          join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
         where n.nspname = 'public' and i.indisprimary
           and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')`;
      // login_directory is the one installation-wide lookup (a login name is unique across tenants).
      for (const k of keys.filter((k) => k.relname !== 'login_directory')) expect(k.first, k.relname).toBe('tenant_id');
    } finally {
      await owner.end();
    }
  });

  it('runs the application as a role that owns nothing, is no superuser and cannot bypass RLS', async () => {
    const [me] = await t.db.sql<{ user: string; superuser: boolean; bypass: boolean; owns: number }[]>`
      select current_user as user, r.rolsuper as superuser, r.rolbypassrls as bypass,
             (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = 'public' and pg_get_userbyid(c.relowner) = current_user) as owns
        from pg_roles r where r.rolname = current_user`;
    expect(me).toEqual({ user: APP_ROLE, superuser: false, bypass: false, owns: 0 });
  });

  it('shows nothing to a query that runs without a tenant context', async () => {
    await buildUser(t);
    const [outside] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from users`;
    expect(outside!.n).toBe(0);
    const inTx = await t.db.withoutTenant((tx) => tx.execute<{ n: number }>(sql`select count(*)::int as n from users`));
    expect(inTx[0]!.n).toBe(0);
  });

  it('refuses to write a row for another tenant even inside a tenant transaction', async () => {
    const a = await buildUser(t);
    const b = await buildUser(t);
    await expect(
      t.db.withTenant(a.tenantId, (tx) =>
        tx.execute(sql`update users set name = 'hijacked' where tenant_id = ${b.tenantId}`),
      ),
    ).resolves.toBeDefined();
    const [row] = await t.db.withTenant(b.tenantId, (tx) => tx.execute<{ name: string }>(sql`select name from users where id = ${b.id}`));
    expect(row!.name).not.toBe('hijacked');
    await expect(
      t.db.withTenant(a.tenantId, (tx) =>
        tx.execute(sql`insert into audit_events (tenant_id, id, actor_type, action) values (${b.tenantId}, gen_random_uuid(), 'system', 'forged')`),
      ),
    ).rejects.toSatisfy((err: Error & { cause?: Error }) => /row-level security/.test(err.cause?.message ?? ''));
  });
});

describe('connection pool', () => {
  it('never lets one tenant read another tenant’s rows across thousands of interleaved requests', async () => {
    const tenants = await Promise.all([buildSignedInUser(t), buildSignedInUser(t)]);
    const expected = tenants.map(({ user }) => user.email);
    const total = usingRealPostgres() ? 2000 : 600;
    let crossReads = 0;
    let checked = 0;
    const worker = async (w: number) => {
      for (let i = w; i < total; i += 8) {
        const which = i % 2;
        const res = await tenants[which]!.client.get('/api/v1/users?limit=50');
        expect(res.status).toBe(200);
        const emails: string[] = res.body.items.map((u: { email: string }) => u.email);
        if (emails.some((e) => e !== expected[which])) crossReads++;
        checked++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    expect(checked).toBe(total);
    expect(crossReads).toBe(0);
  });
});

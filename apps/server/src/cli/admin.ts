import { Command, Option } from 'commander';
import { sql } from 'drizzle-orm';
import { BUILTIN_ROLES, Country, Email, Locale, Password, Slug, TimeZone, Username } from '@leadmaster/contracts';
import { z } from 'zod';
import type { ModuleDeps } from '../platform/deps';
import type { TenantStatus } from '../modules/tenants';
import { checked, CliError, readSecretFromStdin, type CliContext } from './cli-common';

/** Platform-operator commands: tenants and users across the installation. */
export function adminCommands(ctx: CliContext): Command {
  const admin = new Command('admin').description('Operate the installation: tenants and users');

  /**
   * Runs `fn` with the database open (borrowing the running server's when embedded). The server's
   * code is loaded here, not at the top, so `--help` and argument errors answer at once.
   */
  async function withDeps<T>(fn: (deps: ModuleDeps, lib: Lib) => Promise<T>): Promise<T> {
    const { config, logger } = ctx.setup('warn');
    const lib = await loadLib();
    const runtime = await lib.startRuntime({ config, logger, owner: 'cli', http: false, work: false });
    try {
      return await fn(runtime.deps, lib);
    } catch (err) {
      if (err instanceof lib.AppError) throw new CliError(err.message);
      throw err;
    } finally {
      await runtime.close();
    }
  }

  async function tenantIdOf(deps: ModuleDeps, lib: Lib, slug: string): Promise<string> {
    const id = await deps.database.withoutTenant((tx) => lib.findTenantIdBySlug(tx, slug));
    if (!id) throw new CliError(`--tenant: no tenant with slug "${slug}"`);
    return id;
  }

  admin
    .command('create-tenant')
    .description('Create a tenant with its built-in roles')
    .requiredOption('--name <name>', 'display name, e.g. "Acme"')
    .requiredOption('--slug <slug>', 'short unique id, e.g. acme')
    .option('--country <code>', 'default country for phone numbers (ISO 3166-1)', 'AR')
    .option('--timezone <tz>', 'IANA time zone', 'America/Argentina/Buenos_Aires')
    .option('--locale <locale>', 'es or en', 'es')
    .action(async (opts: { name: string; slug: string; country: string; timezone: string; locale: string }) => {
      const input = {
        name: checked(z.string().trim().min(1).max(120), 'name', opts.name),
        slug: checked(Slug, 'slug', opts.slug),
        country: checked(Country, 'country', opts.country),
        timezone: checked(TimeZone, 'timezone', opts.timezone),
        locale: checked(Locale, 'locale', opts.locale),
      };
      const tenant = await withDeps((deps, lib) =>
        deps.database.withoutTenant(async (tx) => {
          const { tenant } = await lib.provisionTenant(tx, input);
          await lib.recordAudit(tx, { tenantId: tenant.id, actor: lib.operatorActor, action: 'tenant.created', target: { type: 'tenant', id: tenant.id } });
          return tenant;
        }),
      );
      ctx.io.stdout.write(`Created tenant ${tenant.slug} (${tenant.id})\n`);
    });

  admin
    .command('create-user')
    .description('Create a user in a tenant; the password is read from standard input')
    .requiredOption('--tenant <slug>', 'the tenant')
    .requiredOption('--email <email>', 'login email')
    .option('--username <username>', 'optional login name')
    .option('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'built-in role').choices([...BUILTIN_ROLES]).default('owner'))
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (opts: { tenant: string; email: string; username?: string; name?: string; role: (typeof BUILTIN_ROLES)[number] }) => {
      const email = checked(Email, 'email', opts.email);
      const username = opts.username === undefined ? undefined : checked(Username, 'username', opts.username);
      const slug = checked(Slug, 'tenant', opts.tenant);
      const password = checked(Password, 'password-stdin', await readSecretFromStdin('Password: ', ctx.io.stderr));
      const user = await withDeps(async (deps, lib) => {
        const tenantId = await tenantIdOf(deps, lib, slug);
        return deps.database.withTenant(tenantId, async (tx) => {
          const role = await lib.findBuiltinRole(tx, { tenantId, builtin: opts.role });
          if (!role) throw new CliError(`tenant ${slug} has no ${opts.role} role`);
          return lib.insertUserWithLogins(tx, {
            tenantId,
            roleId: role.id,
            user: { email, username, name: opts.name ?? email.split('@')[0]!, password },
            actor: lib.operatorActor,
          });
        });
      });
      ctx.io.stdout.write(`Created user ${user.email} (${user.id}) with role ${opts.role}\n`);
    });

  const statusCommand = (name: string, status: TenantStatus, description: string) =>
    admin
      .command(name)
      .description(description)
      .requiredOption('--tenant <slug>', 'the tenant')
      .action(async (opts: { tenant: string }) => {
        const slug = checked(Slug, 'tenant', opts.tenant);
        await withDeps(async (deps, lib) => {
          const tenantId = await tenantIdOf(deps, lib, slug);
          await deps.database.withTenant(tenantId, async (tx) => {
            await lib.setTenantStatus(tx, { tenantId, status });
            await lib.recordAudit(tx, { tenantId, actor: lib.operatorActor, action: `tenant.${status}`, target: { type: 'tenant', id: tenantId } });
          });
        });
        ctx.io.stdout.write(`Tenant ${slug} is now ${status}\n`);
      });
  statusCommand('suspend-tenant', 'suspended', 'Suspend a tenant: its users and API keys are refused');
  statusCommand('activate-tenant', 'active', 'Reactivate a suspended tenant');

  admin
    .command('list-tenants')
    .description('List the tenants of the installation')
    .action(async () => {
      const rows = await withDeps((deps) =>
        deps.database.withoutTenant(async (tx) => {
          const ids = await tx.execute<{ id: string }>(sql`select id from app_tenant_ids()`);
          const out: { slug: string; name: string; status: string }[] = [];
          for (const { id } of ids) {
            await tx.execute(sql`select set_config('app.tenant_id', ${id}, true)`);
            const [t] = await tx.execute<{ slug: string; name: string; status: string }>(sql`select slug, name, status from tenants where id = ${id}`);
            if (t) out.push(t);
          }
          return out;
        }),
      );
      for (const t of rows) ctx.io.stdout.write(`${t.slug}\t${t.status}\t${t.name}\n`);
    });

  return admin;
}

async function loadLib() {
  const [runtime, identity, tenants, audit, errors] = await Promise.all([
    import('../runtime'),
    import('../modules/identity'),
    import('../modules/tenants'),
    import('../modules/audit'),
    import('../platform/errors'),
  ]);
  return {
    startRuntime: runtime.startRuntime,
    provisionTenant: identity.provisionTenant,
    insertUserWithLogins: identity.insertUserWithLogins,
    findBuiltinRole: identity.findBuiltinRole,
    findTenantIdBySlug: tenants.findTenantIdBySlug,
    setTenantStatus: tenants.setTenantStatus,
    recordAudit: audit.recordAudit,
    operatorActor: audit.operatorActor,
    AppError: errors.AppError,
  };
}
type Lib = Awaited<ReturnType<typeof loadLib>>;

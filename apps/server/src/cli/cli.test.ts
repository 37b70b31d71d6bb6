import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpClient, runCli, startServerProcess, type ServerProcess } from '../../test/processes';

const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));

describe('leadmaster CLI', { timeout: 120_000 }, () => {
  it('explains itself with --help at every level', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['start', 'worker', 'migrate', 'admin']) expect(top.stdout).toContain(cmd);
    const admin = await runCli(['admin', '--help']);
    expect(admin.stdout).toMatch(/create-tenant[\s\S]*create-user[\s\S]*suspend-tenant/);
    const createUser = await runCli(['admin', 'create-user', '--help']);
    expect(createUser.stdout).toContain('--password-stdin');
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const env = { DATA_DIR: await tmp('lm-cli-bad-') };
    const slug = await runCli(['admin', 'create-tenant', '--name', 'Acme', '--slug', 'Not A Slug'], { env });
    expect(slug.code).not.toBe(0);
    expect(slug.stderr).toMatch(/--slug: lowercase letters/);
    const missing = await runCli(['admin', 'create-tenant', '--name', 'Acme'], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--slug/);
    const unknown = await runCli(['frobnicate'], { env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command/);
    const tz = await runCli(['admin', 'create-tenant', '--name', 'A', '--slug', 'a1', '--timezone', 'Mars/Olympus'], { env });
    expect(tz.stderr).toMatch(/--timezone: unknown IANA time zone/);
  });

  it('names every bad environment variable and exits', async () => {
    const res = await runCli(['migrate'], { env: { PORT: 'eighty', DATABASE_URL: 'mysql://x/y', LOG_LEVEL: 'loud' } });
    expect(res.code).toBe(78);
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(res.stderr).toContain(name);
  });
});

describe('leadmaster admin on the embedded database', { timeout: 240_000 }, () => {
  let dataDir: string;
  let server: ServerProcess | null = null;
  beforeAll(async () => {
    dataDir = await tmp('lm-cli-data-');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('works with no server running, then the server sees what it created', async () => {
    const env = { DATA_DIR: dataDir };
    const tenant = await runCli(['admin', 'create-tenant', '--name', 'Acme', '--slug', 'acme', '--country', 'AR'], { env });
    expect(tenant.stderr).toBe('');
    expect(tenant.stdout).toMatch(/Created tenant acme/);
    const user = await runCli(['admin', 'create-user', '--tenant', 'acme', '--email', 'ana@acme.test', '--username', 'ana', '--password-stdin'], {
      env,
      input: 'a strong password 1\n',
    });
    expect(user.stdout).toMatch(/Created user ana@acme.test .* with role owner/);
    const dup = await runCli(['admin', 'create-tenant', '--name', 'Acme', '--slug', 'acme'], { env });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/taken/);

    server = await startServerProcess(env);
    const client = httpClient(server.url);
    expect((await client.post('/api/v1/auth/login', { login: 'ana', password: 'a strong password 1' })).status).toBe(200);
  });

  it('borrows the running server’s database instead of opening it twice', async () => {
    const env = { DATA_DIR: dataDir };
    const lock = JSON.parse(await readFile(path.join(dataDir, 'embedded.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: server!.child.pid, kind: 'server' });
    const user = await runCli(['admin', 'create-user', '--tenant', 'acme', '--email', 'bob@acme.test', '--role', 'agent', '--password-stdin'], {
      env,
      input: 'another strong one',
    });
    expect(user.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dataDir, 'embedded.lock'), 'utf8')).pid).toBe(server!.child.pid);
    const client = httpClient(server!.url);
    expect((await client.post('/api/v1/auth/login', { login: 'bob@acme.test', password: 'another strong one' })).status).toBe(200);
    const listed = await runCli(['admin', 'list-tenants'], { env });
    expect(listed.stdout).toMatch(/^acme\tactive\tAcme$/m);
  });

  it('imports a CSV from the command line while the server runs, with counts and a report of rejected rows', async () => {
    const env = { DATA_DIR: dataDir };
    const csv = path.join(dataDir, 'prospects.csv');
    await writeFile(csv, '\uFEFFNombre;Celular;Email\r\nLucía Gómez;011 15-4444-7777;lucia@x.test\r\nSin Datos;;no-es-email\r\n');
    const res = await runCli(['import', 'contacts', csv, '--tenant', 'acme', '--no-progress'], { env });
    expect(res.stderr).toContain('Columns: Nombre → fullName, Celular → phone, Email → email');
    expect(res.stdout).toContain('Imported 2 rows: 1 inserted, 0 updated, 0 skipped, 1 rejected');
    expect(await readFile(`${csv}.issues.csv`, 'utf8')).toContain('3;rejected;"invalid email ""no-es-email""";Sin Datos;;no-es-email');
    const client = httpClient(server!.url);
    await client.post('/api/v1/auth/login', { login: 'ana', password: 'a strong password 1' });
    const found = await client.get(`/api/v1/contacts?search=${encodeURIComponent('11 4444-7777')}`);
    expect(found.body.items.map((c: { firstName: string }) => c.firstName)).toEqual(['Lucía']);
    const bad = await runCli(['import', 'contacts', path.join(dataDir, 'missing.csv'), '--tenant', 'acme'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no such file/);
  });

  it('suspends a tenant: its users are refused until it is activated again', async () => {
    const env = { DATA_DIR: dataDir };
    const client = httpClient(server!.url);
    expect((await client.post('/api/v1/auth/login', { login: 'ana', password: 'a strong password 1' })).status).toBe(200);
    expect((await runCli(['admin', 'suspend-tenant', '--tenant', 'acme'], { env })).code).toBe(0);
    const me = await client.get('/api/v1/auth/me');
    expect(me.status).toBe(403);
    expect(me.body.error.code).toBe('tenant_suspended');
    expect((await runCli(['admin', 'activate-tenant', '--tenant', 'acme'], { env })).code).toBe(0);
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { neutraliseFormula } from './import.service';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

async function upload(client: TestClient, name: string, content: Buffer | string = fixture(name)) {
  const boundary = `----lm${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return client.request('POST', '/api/v1/contacts/imports', { rawBody: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
}

/** Starts an import and runs it to the end, as a worker would. */
async function importFile(client: TestClient, name: string, start: Record<string, unknown> = {}, content?: Buffer | string) {
  const preview = await upload(client, name, content);
  expect(preview.status, preview.text).toBe(201);
  const started = await client.post(`/api/v1/contacts/imports/${preview.body.import.id}/start`, { mapping: preview.body.guessedMapping, ...start });
  expect(started.status, started.text).toBe(202);
  const me = (await client.get('/api/v1/auth/me')).body;
  await t.runtime.modules.contacts.imports.run({ tenantId: me.tenant.id, importId: preview.body.import.id });
  const done = await client.get(`/api/v1/contacts/imports/${preview.body.import.id}`);
  return { preview: preview.body, result: done.body };
}

async function allContacts(client: TestClient) {
  return (await client.get('/api/v1/contacts?limit=200&sort=name')).body.items as Record<string, any>[];
}

describe('CSV import', () => {
  it('reads UTF-8 with a BOM, `;` separators and CRLF, guessing the Spanish headers', async () => {
    const { client } = await buildSignedInUser(t);
    const { preview, result } = await importFile(client, 'utf8-bom-semicolon-crlf.csv');
    expect(preview.import).toMatchObject({ encoding: 'utf-8', delimiter: ';', columns: ['Nombre', 'Apellido', 'Empresa', 'Celular', 'Email'] });
    expect(preview.guessedMapping).toEqual({ Nombre: 'firstName', Apellido: 'lastName', Empresa: 'company', Celular: 'phone', Email: 'email' });
    expect(preview.rows[0]).toEqual(['Ana', 'García', 'Panadería Sol', '011 15-4444-5555', 'ana@sol.com.ar']);
    expect(result).toMatchObject({ status: 'completed', progress: 1, counts: { inserted: 2, updated: 0, skipped: 0, rejected: 0 } });
    const contacts = await allContacts(client);
    expect(contacts.map((c) => [c.firstName, c.lastName, c.company, c.phoneE164, c.source])).toEqual([
      ['Ana', 'García', 'Panadería Sol', '+5491144445555', 'import'],
      ['José', 'Pérez', '', '+5493515551234', 'import'],
    ]);
  });

  it('reads Latin-1 with `,` separators and a quoted separator', async () => {
    const { client } = await buildSignedInUser(t);
    const { preview, result } = await importFile(client, 'latin1-comma.csv');
    expect(preview.import).toMatchObject({ encoding: 'windows-1252', delimiter: ',' });
    expect(preview.guessedMapping).toEqual({ Nombre: 'fullName', Teléfono: 'phone', Dirección: 'address' });
    expect(result.counts.inserted).toBe(1);
    const [c] = await allContacts(client);
    expect(c).toMatchObject({ firstName: 'María José', lastName: 'Núñez', address: 'Av. Corrientes 1234, CABA', phoneE164: '+5491144441111' });
  });

  it('keeps quoted newlines inside a cell and ignores empty lines', async () => {
    const { client } = await buildSignedInUser(t);
    await client.post('/api/v1/auth/me', {});
    const { result } = await importFile(client, 'quoted-newlines-empty-lines.csv');
    expect(result.counts).toEqual({ inserted: 2, updated: 0, skipped: 0, rejected: 0 });
    const names = (await allContacts(client)).map((c) => `${c.firstName} ${c.lastName}`);
    expect(names.sort()).toEqual(['Ada Lovelace', 'John Smith']);
  });

  it('reports rejected and duplicate rows with their row number and reason, and keeps invalid phones flagged', async () => {
    const { client } = await buildSignedInUser(t);
    const { result, preview } = await importFile(client, 'messy.csv', {
      consent: { channel: 'whatsapp', source: 'fair 2026', text: 'Acepto recibir novedades' },
    });
    expect(result.counts).toEqual({ inserted: 3, updated: 0, skipped: 1, rejected: 2 });
    const issues = await client.get(`/api/v1/contacts/imports/${preview.import.id}/issues.csv`);
    expect(issues.headers['content-type']).toMatch(/text\/csv/);
    const lines = issues.text.trim().split(/\r\n/);
    expect(lines[0]).toBe('row;result;reason;Nombre;Celular;Email;Consentimiento');
    expect(lines.slice(1)).toEqual([
      '4;skipped;duplicate of an earlier row in this file;Tres;11 4444-0001;;si',
      '5;rejected;"invalid email ""bad-email""";Cuatro;;bad-email;si',
      '8;rejected;expected 4 columns, found 2;Seis;11 4444-0006',
    ]);
    const contacts = await allContacts(client);
    const cinco = contacts.find((c) => c.firstName === 'Cinco')!;
    expect(cinco).toMatchObject({ phone: '15 4444 5555', phoneValid: false, phoneE164: null });
    const consented = contacts.filter((c) => c.consent.whatsapp === 'opted_in').map((c) => c.firstName).sort();
    expect(consented).toEqual(['Cinco', 'Uno']);
  });

  it('adds nothing when the same file is imported again with skip-existing, and updates with update-existing', async () => {
    const { client } = await buildSignedInUser(t);
    await importFile(client, 'utf8-bom-semicolon-crlf.csv');
    const again = await importFile(client, 'utf8-bom-semicolon-crlf.csv', { mode: 'skip-existing' });
    expect(again.result.counts).toEqual({ inserted: 0, updated: 0, skipped: 2, rejected: 0 });
    const changed = 'Nombre;Empresa;Celular\r\nAna;Panadería Luna;+54 9 11 4444 5555\r\n';
    const update = await importFile(client, 'changed.csv', { mode: 'update-existing' }, changed);
    expect(update.result.counts).toEqual({ inserted: 0, updated: 1, skipped: 0, rejected: 0 });
    const contacts = await allContacts(client);
    expect(contacts).toHaveLength(2);
    expect(contacts.find((c) => c.phoneE164 === '+5491144445555')).toMatchObject({ company: 'Panadería Luna', lastName: 'García' });
  });

  it('refuses an empty file, a binary file and a bad mapping with a message that says why', async () => {
    const { client } = await buildSignedInUser(t);
    const empty = await upload(client, 'empty.csv');
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/empty/);
    const binary = await upload(client, 'not-a-csv.png');
    expect(binary.status).toBe(400);
    expect(binary.body.error.message).toMatch(/binary/);
    const ok = await upload(client, 'utf8-bom-semicolon-crlf.csv');
    const noIdentity = await client.post(`/api/v1/contacts/imports/${ok.body.import.id}/start`, { mapping: { Empresa: 'ignore' } });
    expect(noIdentity.status).toBe(400);
    const unknown = await client.post(`/api/v1/contacts/imports/${ok.body.import.id}/start`, { mapping: { Nombre: 'attr:nope' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('mapping.Nombre');
  });

  it('resumes an interrupted import after its last committed batch, without duplicates', async () => {
    const { client } = await buildSignedInUser(t);
    const rows = Array.from({ length: 4500 }, (_, i) => `Persona ${i};11 5${String(i).padStart(3, '0')}-${String(1000 + i).slice(-4)};p${i}@x.test`);
    const csv = `Nombre;Celular;Email\n${rows.join('\n')}\n`;
    const preview = await upload(client, 'big.csv', csv);
    await client.post(`/api/v1/contacts/imports/${preview.body.import.id}/start`, { mapping: preview.body.guessedMapping });
    const me = (await client.get('/api/v1/auth/me')).body;
    // A worker that dies after the first committed batch.
    let batches = 0;
    await expect(
      t.runtime.modules.contacts.imports.run({
        tenantId: me.tenant.id,
        importId: preview.body.import.id,
        onProgress: async () => {
          if (++batches === 1) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    const midway = (await client.get(`/api/v1/contacts/imports/${preview.body.import.id}`)).body;
    expect(midway).toMatchObject({ status: 'queued', processedRows: 1000 });
    await t.runtime.modules.contacts.imports.run({ tenantId: me.tenant.id, importId: preview.body.import.id });
    const done = (await client.get(`/api/v1/contacts/imports/${preview.body.import.id}`)).body;
    expect(done).toMatchObject({ status: 'completed', processedRows: 4500, counts: { inserted: 4500, skipped: 0, rejected: 0 } });
    // A large import leaves the planner statistics of its rows (PGlite has no autovacuum to do it).
    const [stats] = await t.db.withTenant(me.tenant.id, (tx) =>
      tx.execute<{ rows: number }>(sql`select reltuples::int as rows from pg_class where oid = 'contacts'::regclass`),
    );
    expect(stats!.rows).toBeGreaterThanOrEqual(4500);
    let total = 0;
    let cursor: string | null = null;
    do {
      const page: any = await client.get(`/api/v1/contacts?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      total += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(total).toBe(4500);
  });
});

describe('CSV export', () => {
  it('neutralises every cell a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+54 9 11', '-2', '@cmd', '\tx', '\rx', 'plain', ' =spaced'].map(neutraliseFormula)).toEqual([
      "'=1+1", "'+54 9 11", "'-2", "'@cmd", "'\tx", "'\rx", 'plain', ' =spaced',
    ]);
  });

  it('exports the current filter with formula injection neutralised', async () => {
    const { client } = await buildSignedInUser(t);
    await client.post('/api/v1/contacts', { firstName: '=HYPERLINK("http://evil")', lastName: '+1', company: '@SUM(A1)', tags: ['x'] });
    const cmd = await client.post('/api/v1/contacts', { firstName: '-cmd', tags: ['x'] });
    await client.post(`/api/v1/contacts/${cmd.body.id}/consent`, { channel: 'whatsapp', status: 'opted_in', source: 'form' });
    await client.post('/api/v1/contacts', { firstName: 'Plain', tags: ['y'] });
    const res = await client.get('/api/v1/contacts/export?tag=x');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="contacts-/);
    const text = res.text.replace(/^\uFEFF/, '');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain("'+1");
    expect(text).toContain("'@SUM(A1)");
    expect(text).toContain("'-cmd");
    expect(text).not.toContain('Plain');
    expect(text.trim().split(/\r\n/)).toHaveLength(3);
    // Each row carries its contact's consent (read in the page's statement).
    expect(text.split(/\r\n/).find((line) => line.includes("'-cmd"))).toContain(',opted_in,');
    expect(text.split(/\r\n/).find((line) => line.includes('HYPERLINK'))).not.toContain('opted_in');
    const audit = await client.get('/api/v1/audit?action=contacts.exported');
    expect(audit.body.items[0].details.rows).toBe(2);
  });
});

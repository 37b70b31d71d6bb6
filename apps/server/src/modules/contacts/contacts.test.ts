import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { allOf, filterConditions } from './contact-filter';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function owner() {
  return (await buildSignedInUser(t)).client;
}

const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((c) => c.id);

describe('contacts', () => {
  it('keeps one contact per person across phone formats, and finds it by any of them', async () => {
    const client = await owner();
    const created = await client.post('/api/v1/contacts', { firstName: 'Ana', lastName: 'García', phone: '011 15-4444-5555', email: 'Ana.Garcia@Example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ phone: '011 15-4444-5555', phoneE164: '+5491144445555', phoneValid: true, phoneType: 'mobile' });
    for (const other of ['+54 9 11 4444 5555', '54 11 4444 5555']) {
      const dup = await client.post('/api/v1/contacts', { firstName: 'Otra', phone: other });
      expect(dup.status).toBe(409);
      expect(dup.body.error.details).toEqual({ field: 'phone', contactId: created.body.id });
    }
    for (const search of ['11 4444-5555', '+54 9 11 4444 5555', '1144445555', 'garcia', 'GARCÍA ana', 'ana.garcia@example.com', 'garcia@EXAMPLE ana']) {
      const found = await client.get(`/api/v1/contacts?search=${encodeURIComponent(search)}`);
      expect(ids(found), search).toEqual([created.body.id]);
    }
  });

  it('finds a whole e-mail address by the e-mail index, and a part of one by its text', async () => {
    const [a, b] = [await buildSignedInUser(t), await buildSignedInUser(t)];
    const ana = (await a.client.post('/api/v1/contacts', { firstName: 'Ana', email: 'Ana@Example.com' })).body;
    const mariana = (await a.client.post('/api/v1/contacts', { firstName: 'Mariana', email: 'mariana@example.com' })).body;
    await b.client.post('/api/v1/contacts', { firstName: 'Ana B', email: 'ana@example.com' });
    const search = async (text: string) => ids(await a.client.get(`/api/v1/contacts?search=${encodeURIComponent(text)}`)).sort();
    // The contact with exactly that address, not every address containing it.
    expect(await search(' ANA@example.com')).toEqual([ana.id]);
    expect(await search('mariana@example.com')).toEqual([mariana.id]);
    // No contact has it: the contacts whose address contains it.
    expect(await search('na@example.com')).toEqual([ana.id, mariana.id].sort());
    expect(await search('@example.com')).toEqual([ana.id, mariana.id].sort());

    // The statement: one probe of the e-mail index under the app role's row-level security, and the
    // trigram look-up never run. 1,000 more contacts, analyzed: the planner's own choice, as on a real tenant.
    await t.db.withTenant(a.user.tenantId, async (tx) => {
      await tx.execute(sql`insert into contacts (tenant_id, id, first_name, email, search_text)
        select ${a.user.tenantId}::uuid, gen_random_uuid(), 'Filler', 'filler' || g || '@example.com', 'filler filler' || g || '@example.com'
          from generate_series(1, 1000) g`);
      await tx.execute(sql`select app_analyze_contacts()`);
    });
    type Node = { 'Node Type': string; 'Index Name'?: string; Alias?: string; 'Index Cond'?: string; 'Function Name'?: string; 'Actual Loops': number; Plans?: Node[] };
    const nodes = (n: Node): Node[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
    const explain = (search: string) =>
      t.db.withTenant(a.user.tenantId, async (tx) => {
        const where = allOf(filterConditions({ search }, { tenantId: a.user.tenantId, country: 'AR' }));
        const [row] = await tx.execute<{ 'QUERY PLAN': unknown }>(sql`explain (analyze, format json) select id from contacts where ${where}`);
        const json = row!['QUERY PLAN'];
        return nodes(((typeof json === 'string' ? JSON.parse(json) : json) as { Plan: Node }[])[0]!.Plan);
      });
    for (const [search, trigramsRun] of [['ana@example.com', 0], ['nobody@example.com', 1]] as const) {
      const plan = await explain(search);
      const described = JSON.stringify(plan.map((n) => [n['Node Type'], n['Index Name'] ?? n['Function Name'] ?? '', n['Actual Loops']]));
      expect(plan.some((n) => n['Index Name'] === 'contacts_tenant_email_idx' && n['Actual Loops'] >= 1), described).toBe(true);
      expect(plan.filter((n) => n['Node Type'] === 'Function Scan').map((n) => n['Actual Loops']), described).toEqual([trigramsRun]);
      // The page's contacts are read by the ids found, not by scanning the tenant.
      const read = plan.find((n) => n.Alias === 'contacts');
      expect(read?.['Index Cond'] ?? '', described).toMatch(/\bid = ANY\b/);
    }
  });

  it('keeps an invalid number as entered, flagged', async () => {
    const client = await owner();
    const res = await client.post('/api/v1/contacts', { firstName: 'Bruno', phone: '15 4444 5555' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ phone: '15 4444 5555', phoneE164: null, phoneValid: false });
    const invalid = await client.get('/api/v1/contacts?phoneValid=false');
    expect(ids(invalid)).toEqual([res.body.id]);
  });

  it('pages through a filtered list with keyset cursors, in every sort', async () => {
    const client = await owner();
    const made: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await client.post('/api/v1/contacts', { firstName: `P${String(i).padStart(2, '0')}`, lastName: 'Paged', tags: i % 2 ? ['odd'] : ['even'] });
      made.push(res.body.id);
    }
    for (const sort of ['recent', 'name', 'contactability']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await client.get(`/api/v1/contacts?sort=${sort}&limit=7&tag=odd${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...ids(res));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(new Set(seen).size, sort).toBe(12);
      expect(seen.every((id) => made.indexOf(id) % 2 === 1)).toBe(true);
    }
    const byName = await client.get('/api/v1/contacts?sort=name&limit=3');
    expect(byName.body.items.map((c: { firstName: string }) => c.firstName)).toEqual(['P00', 'P01', 'P02']);
    expect((await client.get('/api/v1/contacts?cursor=garbage')).status).toBe(400);
  });

  it('validates custom attributes against the field catalogue', async () => {
    const client = await owner();
    expect((await client.post('/api/v1/contact-fields', { key: 'industry', label: 'Industry', type: 'choice', choices: ['retail', 'health'] })).status).toBe(201);
    expect((await client.post('/api/v1/contact-fields', { key: 'employees', label: 'Employees', type: 'number' })).status).toBe(201);
    // A key already taken is refused with a reason the web says in the reader's language (decision 0038).
    const taken = await client.post('/api/v1/contact-fields', { key: 'industry', label: 'Rubro', type: 'text' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'already_exists', details: { field: 'key', key: 'industry', reason: 'field_key_taken' } });
    const ok = await client.post('/api/v1/contacts', { company: 'Acme', attributes: { industry: 'retail', employees: 40 } });
    expect(ok.status).toBe(201);
    expect(ok.body.attributes).toEqual({ industry: 'retail', employees: 40 });
    for (const attributes of [{ industry: 'mining' }, { employees: 'many' }, { unknown_field: 'x' }]) {
      const bad = await client.post('/api/v1/contacts', { company: 'Bad', attributes });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.field).toMatch(/^attributes\./);
    }
    const filter = encodeURIComponent(JSON.stringify({ attributes: [{ key: 'employees', op: 'gt', value: 10 }] }));
    expect(ids(await client.get(`/api/v1/contacts?filter=${filter}`))).toEqual([ok.body.id]);
  });

  it('refuses writes to a viewer and unknown owners', async () => {
    const admin = await buildSignedInUser(t);
    const { client: viewer } = await buildSignedInUser(t, { tenant: admin.user.tenant, role: 'viewer' });
    expect((await viewer.get('/api/v1/contacts')).status).toBe(200);
    expect((await viewer.post('/api/v1/contacts', { firstName: 'X' })).status).toBe(403);
    const stranger = await buildSignedInUser(t);
    const res = await admin.client.post('/api/v1/contacts', { firstName: 'Y', ownerId: stranger.user.id });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('ownerId');
  });
});

describe('consent, blacklist and scores', () => {
  async function contact(client: TestClient, body: Record<string, unknown>) {
    const res = await client.post('/api/v1/contacts', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  it('explains the scores and recomputes them when consent changes', async () => {
    const client = await owner();
    const c = await contact(client, { firstName: 'Carla', company: 'Sol SA', phone: '+54 9 11 5555 1234', email: 'carla@solsa.com.ar', website: 'https://solsa.com.ar' });
    const labels = (list: { label: string; points: number }[]) => list.map((p) => `${p.label} ${p.points >= 0 ? '+' : ''}${p.points}`);
    expect(labels(c.scoreDetails.contactability)).toEqual(['valid mobile +40', 'on WhatsApp: unknown +0', 'no consent yet +0', 'has email +5']);
    expect(c.scores.contactability).toBe(45);
    expect(labels(c.scoreDetails.digitalMaturity)).toEqual(['own website +35', 'corporate email domain +35', 'company name +10']);
    const consent = await client.post(`/api/v1/contacts/${c.id}/consent`, { channel: 'whatsapp', status: 'opted_in', source: 'web form', text: 'Acepto recibir mensajes' });
    expect(consent.status).toBe(201);
    const after = (await client.get(`/api/v1/contacts/${c.id}`)).body;
    expect(after.consent).toEqual({ whatsapp: 'opted_in' });
    expect(after.scores.contactability).toBe(65);
    await client.post(`/api/v1/contacts/${c.id}/consent`, { channel: 'whatsapp', status: 'opted_out', source: 'reply STOP' });
    const out = (await client.get(`/api/v1/contacts/${c.id}`)).body;
    expect(out.scores.contactability).toBe(0);
    expect(labels(out.scoreDetails.contactability)).toEqual(['opted out +0']);
    const history = await client.get(`/api/v1/contacts/${c.id}/consent`);
    expect(history.body.items.map((e: { status: string; source: string }) => `${e.status}:${e.source}`)).toEqual(['opted_out:reply STOP', 'opted_in:web form']);
    const free = await contact(client, { firstName: 'Dani', email: 'dani@gmail.com' });
    expect(labels(free.scoreDetails.digitalMaturity)).toEqual(['free-mail domain -10']);
    expect(free.scores.digitalMaturity).toBe(0);
  });

  it('marks every contact with a blacklisted number, whatever its format, and unmarks on removal', async () => {
    const client = await owner();
    const c = await contact(client, { firstName: 'Eva', phone: '(0351) 15 555-1234' });
    const added = await client.post('/api/v1/blacklist', { phone: '+54 351 555 1234', reason: 'asked by phone' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ phoneE164: '+5493515551234', contactCount: 1 });
    const marked = (await client.get(`/api/v1/contacts/${c.id}`)).body;
    expect(marked).toMatchObject({ blacklisted: true, scores: { contactability: 0 } });
    const later = await contact(client, { firstName: 'Eva again', email: 'eva@x.test' });
    const moved = await client.patch(`/api/v1/contacts/${later.id}`, { phone: '0351 155551234' });
    expect(moved.status).toBe(409);
    const noDigit = await client.post('/api/v1/blacklist', { phone: 'sin número', reason: 'complaint' });
    expect(noDigit.status).toBe(400);
    expect(noDigit.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'phone', reason: 'not_a_phone' } });
    const notAContact = await client.post('/api/v1/blacklist', { phone: '+34 612 345 678', reason: 'complaint' });
    expect(notAContact.body.contactCount).toBe(0);
    expect((await client.get('/api/v1/contacts?blacklisted=true')).body.items).toHaveLength(1);
    expect((await client.delete(`/api/v1/blacklist/${encodeURIComponent(added.body.phoneKey)}`)).status).toBe(200);
    expect((await client.get(`/api/v1/contacts/${c.id}`)).body.blacklisted).toBe(false);
    const list = await client.get('/api/v1/blacklist');
    expect(list.body.items.map((e: { phoneE164: string }) => e.phoneE164)).toEqual(['+34612345678']);
  });

  it('re-scores commercial potential from the tenant’s rules, with a preview first', async () => {
    const client = await owner();
    await client.post('/api/v1/contact-fields', { key: 'industry', label: 'Industry', type: 'text' });
    const retail = await contact(client, { company: 'Shop', attributes: { industry: 'retail' }, tags: ['vip'] });
    const other = await contact(client, { company: 'Mine', attributes: { industry: 'mining' } });
    const rules = [
      { id: 'r1', label: 'Retail', field: 'attr:industry', op: 'eq', value: 'retail', points: 60 },
      { id: 'r2', label: 'VIP', field: 'tags', op: 'has_tag', value: 'vip', points: 30 },
    ];
    const preview = await client.post('/api/v1/scoring/preview', { potentialRules: rules });
    const previewed = Object.fromEntries(preview.body.items.map((i: { contactId: string; potential: number }) => [i.contactId, i.potential]));
    expect(previewed[retail.id]).toBe(90);
    expect(previewed[other.id]).toBe(0);
    const saved = await client.request('PUT', '/api/v1/scoring/settings', { body: { potentialRules: rules, threshold: 60 } });
    expect(saved.status).toBe(200);
    expect(saved.body.taskId).toBeTruthy();
    // The re-score runs as a background job; run it here as a worker would.
    const tenantId = (await client.get('/api/v1/auth/me')).body.tenant.id;
    await t.runtime.modules.scoring.scoring.rescoreAll({ tenantId });
    const after = (await client.get(`/api/v1/contacts/${retail.id}`)).body;
    expect(after.scores.potential).toBe(90);
    expect(after.scoreDetails.potential.map((p: { label: string }) => p.label)).toEqual(['Retail', 'VIP']);
    expect((await client.get('/api/v1/scoring/settings')).body.threshold).toBe(60);
  });

  it('saves segments and lists a segment’s contacts', async () => {
    const client = await owner();
    const a = await contact(client, { firstName: 'Seg', tags: ['lead', 'ba'] });
    await contact(client, { firstName: 'Other', tags: ['lead'] });
    const seg = await client.post('/api/v1/segments', { name: 'Leads in BA', filter: { tags: ['lead', 'ba'] } });
    expect(seg.status).toBe(201);
    expect(ids(await client.get(`/api/v1/contacts?segment=${seg.body.id}`))).toEqual([a.id]);
    const bad = await client.post('/api/v1/segments', { name: 'Bad', filter: { nonsense: true } });
    expect(bad.status).toBe(400);
  });

  it('filters on an attribute value through the attributes index, exactly and within the tenant', async () => {
    const [a, b] = [await owner(), await owner()];
    for (const client of [a, b]) {
      await client.post('/api/v1/contact-fields', { key: 'sector', label: 'Sector', type: 'text' });
      await client.post('/api/v1/contact-fields', { key: 'employees', label: 'Employees', type: 'number' });
    }
    const tourism = await contact(a, { company: 'Hotel', attributes: { sector: 'turismo', employees: 40 } });
    const forty = await contact(a, { company: 'Forty', attributes: { sector: 'forty', employees: 40.5 } });
    await contact(a, { company: 'Shop', attributes: { sector: 'comercio' } });
    await contact(a, { company: 'Nothing' });
    const theirs = await contact(b, { company: 'Their hotel', attributes: { sector: 'turismo', employees: 40 } });
    const by = (client: TestClient, key: string, value: unknown) =>
      client.get(`/api/v1/contacts?filter=${encodeURIComponent(JSON.stringify({ attributes: [{ key, op: 'eq', value }] }))}`);
    expect(ids(await by(a, 'sector', 'turismo'))).toEqual([tourism.id]);
    expect(ids(await by(b, 'sector', 'turismo'))).toEqual([theirs.id]);
    // A number field matches its value typed as a number or as text; 40.50 is not the text of 40.5.
    expect(ids(await by(a, 'employees', 40))).toEqual([tourism.id]);
    expect(ids(await by(a, 'employees', '40.5'))).toEqual([forty.id]);
    expect(ids(await by(a, 'employees', '40.50'))).toEqual([]);
    expect(ids(await by(a, 'sector', 'mining'))).toEqual([]);
    // The index look-up itself (a function that bypasses row-level security) answers for the transaction's tenant only.
    const tenantOf = async (client: TestClient) => (await client.get('/api/v1/auth/me')).body.tenant.id as string;
    const lookUp = (tenantId: string) =>
      t.runtime.deps.database.withTenant(tenantId, (tx) => tx.execute<{ id: string }>(sql`select app_contact_ids_by_attributes('{"sector":"turismo"}', null) as id`));
    expect((await lookUp(await tenantOf(a))).map((r) => r.id)).toEqual([tourism.id]);
    expect((await lookUp(await tenantOf(b))).map((r) => r.id)).toEqual([theirs.id]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { addToBlacklist } from '../consent.service';
import { rowMapper, type Candidate } from './import-rows';
import { writeBatch } from './import-batch';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const columns = ['Nombre', 'Celular', 'Email'];
const mapRow = rowMapper({ columns, mapping: { Nombre: 'firstName', Celular: 'phone', Email: 'email' }, country: 'AR', fields: [], tags: [] });
const candidate = (record: string[], rowNumber: number) => {
  const r = mapRow(record, rowNumber);
  if (r.ok !== true) throw new Error('not a candidate');
  return r.candidate as Candidate;
};

type Stored = { first_name: string; blacklisted: boolean; score_contactability: number; score_digital_maturity: number; score_explanation_id: string; details: unknown };

describe('import batches', () => {
  it('write each new contact once, already scored with its consent and the blacklist', async () => {
    const { user } = await buildSignedInUser(t);
    const { tenantId } = user;
    const { database, events } = t.runtime.deps;
    await database.withTenant(tenantId, (tx) =>
      addToBlacklist(tx, { tenantId, phone: '011 15-4444-0002', country: 'AR', reason: 'asked', source: 'manual', addedBy: null }),
    );
    const candidates = [
      candidate(['Ana', '011 15-4444-0001', 'ana@gmail.com'], 2),
      candidate(['Bea', '+54 9 11 4444-0002', ''], 3),
      candidate(['Ciro', 'no tengo', ''], 4),
    ];
    const writes = await database.withTenant(tenantId, async (tx) => {
      const { counts } = await writeBatch(tx, {
        tenantId,
        importId: null,
        mode: 'skip-existing',
        candidates,
        issues: [],
        consent: { channel: 'whatsapp', source: 'form', allRows: true },
        userId: null,
        events,
      });
      expect(counts).toMatchObject({ inserted: 3, skipped: 0 });
      // This transaction's own row operations on contacts: three inserts and nothing else.
      const [stats] = await tx.execute<{ ins: number; upd: number }>(
        sql`select n_tup_ins::int as ins, n_tup_upd::int as upd from pg_stat_xact_user_tables where relname = 'contacts'`,
      );
      return stats;
    });
    expect(writes).toEqual({ ins: 3, upd: 0 });

    const stored = () =>
      database.withTenant(tenantId, (tx) =>
        tx.execute<Stored>(
          sql`select c.first_name, c.blacklisted, c.score_contactability, c.score_digital_maturity, c.score_explanation_id, e.details
                from contacts c left join score_explanations e on e.tenant_id = c.tenant_id and e.id = c.score_explanation_id
               where c.tenant_id = ${tenantId} order by c.first_name`,
        ),
      );
    const afterImport = await stored();
    expect(afterImport.map((c) => [c.first_name, c.blacklisted, c.score_contactability, c.score_digital_maturity])).toEqual([
      ['Ana', false, 65, 0], // valid mobile 40, consent 20, email 5; free mail -10
      ['Bea', true, 0, 0],
      ['Ciro', false, 20, 0], // no valid phone, consent 20
    ]);
    // Each explanation is stored once and shared: Ana's says why she scored 65.
    expect(afterImport.every((c) => c.details !== null)).toBe(true);
    expect((afterImport[0]!.details as { contactability: { label: string }[] }).contactability.map((p) => p.label)).toContain('valid mobile');
    // A full re-score finds nothing to change: the import scored exactly as scoring does.
    await t.runtime.modules.scoring.scoring.rescoreAll({ tenantId });
    expect(await stored()).toEqual(afterImport);
  });
});

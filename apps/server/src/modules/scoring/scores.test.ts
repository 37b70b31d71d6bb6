import { describe, expect, it } from 'vitest';
import { computeScores, computeScoresDirect, type ScoringInput } from './scores';
import type { PotentialRule } from './scoring.tables';

const RULES: PotentialRule[] = [
  { id: 'r1', label: 'retail', field: 'attr:rubro', op: 'eq', value: 'retail', points: 30 },
  { id: 'r2', label: 'big', field: 'attr:employees', op: 'gt', value: 50, points: 20 },
  { id: 'r3', label: 'vip', field: 'tags', op: 'has_tag', value: 'vip', points: 25 },
  { id: 'r4', label: 'acme', field: 'company', op: 'contains', value: 'acme', points: 10 },
];

/** Every value each input can take that changes a score or a label, combined at random. */
function* inputs(count: number): Generator<ScoringInput> {
  let seed = 7;
  const pick = <T>(values: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return values[seed % values.length]!;
  };
  for (let i = 0; i < count; i++) {
    const email = pick([null, 'ana@gmail.com', 'ana@ACME.com.ar', 'ana@hotmail.com.ar', 'broken']);
    const company = pick(['', 'Acme SA', 'Otra']);
    const website = pick([null, 'https://acme.com']);
    yield {
      phoneValid: pick([true, false]),
      phoneType: pick([null, 'mobile', 'fixed_line', 'fixed_line_or_mobile', 'voip']),
      email,
      website,
      company,
      tags: pick([[], ['vip'], ['cliente', 'vip'], ['cliente']]),
      attributes: {
        ...pick([{}, { rubro: 'retail' }, { rubro: 'Retail' }, { rubro: 'gastronomía' }]),
        ...pick([{}, { employees: 10 }, { employees: 80 }, { employees: '120' }]),
        ...pick([{}, { linkedin: 'x' }, { instagram: 'y', facebook: 'z' }, { twitter: '' }]),
      },
      whatsapp: pick(['unknown', 'yes', 'no'] as const),
      imessage: pick(['unknown', 'yes', 'no'] as const),
      blacklisted: pick([false, false, false, true]),
      consent: pick<ScoringInput['consent']>([{}, { whatsapp: 'opted_in' }, { sms: 'opted_out' }, { whatsapp: 'opted_in', sms: 'opted_out' }]),
      signals: pick([null, { delivered: 0, failed: 0, replies: 0 }, { delivered: 3, failed: 0, replies: 1 }, { delivered: 1, failed: 1, replies: 0 }, { delivered: 0, failed: 4, replies: 0 }]),
      fields: { firstName: 'Ana', lastName: 'García', company, email, website, source: 'import' },
    };
  }
}

describe('memoised scores', () => {
  it('equal the direct computation for every input, whatever was computed before', () => {
    for (const rules of [RULES, [], RULES.slice(2)]) {
      for (const input of inputs(5_000)) expect(computeScores(input, rules)).toEqual(computeScoresDirect(input, rules));
    }
  });

  it('follow a change of rules (a new rules array is a new memo)', () => {
    const [input] = [...inputs(1)];
    const before = computeScores(input!, [{ id: 'a', label: 'any', field: 'source', op: 'exists', points: 10 }]);
    const after = computeScores(input!, [{ id: 'a', label: 'any', field: 'source', op: 'exists', points: 40 }]);
    expect([before.potential, after.potential]).toEqual([10, 40]);
  });
});

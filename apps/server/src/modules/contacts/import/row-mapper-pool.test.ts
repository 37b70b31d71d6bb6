import { describe, expect, it } from 'vitest';
import { inlineRowMapping, startRowMappingPool, type MapItem } from './row-mapper-pool';

const options = {
  columns: ['Nombre', 'Celular', 'Email', 'Rubro'],
  mapping: { Nombre: 'fullName', Celular: 'phone', Email: 'email', Rubro: 'attr:rubro' },
  country: 'AR',
  fields: [{ key: 'rubro', type: 'choice' as const, choices: ['Gastronomía', 'Turismo'] }],
  tags: ['feria'],
};

describe('row mapping on worker threads', () => {
  it('maps every record exactly as the main thread does, in order', async () => {
    const items: MapItem[] = Array.from({ length: 1200 }, (_, i) => ({
      rowNumber: i + 2,
      record: [
        i % 7 === 0 ? 'García, Ana' : `José Pérez ${i}`,
        ['011 15-4444-' + String(1000 + i), '+54 9 351 496 ' + String(1000 + i), 'no tengo', ''][i % 4]!,
        i % 50 === 0 ? 'roto@' : `p${i}@example.com`,
        ['gastronomía', 'Turismo', 'otro', ''][i % 4]!,
      ],
    }));
    const pool = await startRowMappingPool({ ...options, threads: 2 });
    try {
      expect(pool.threads).toBe(2);
      const chunks = [items.slice(0, 300), items.slice(300, 700), items.slice(700)];
      const threaded = (await Promise.all(chunks.map((c) => pool.map(c)))).flat();
      const inline = await inlineRowMapping(options).map(items);
      expect(threaded).toEqual(inline);
      expect(inline.filter((r) => r.ok === false).length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});

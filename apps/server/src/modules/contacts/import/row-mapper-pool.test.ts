import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inlineRowMapping, MAPPING_THREAD_NICE, startRowMappingPool, type MapItem } from './row-mapper-pool';

/** The nice value of each thread of this process (Linux: /proc/self/task; the main thread's id is the pid). */
function threadNiceValues(): { tid: number; nice: number }[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(tid), nice: Number(fields[16]) }];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}

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

  it.runIf(process.platform === 'linux')('runs its threads below the main thread’s priority, which it leaves alone', async () => {
    const before = threadNiceValues().filter((t) => t.nice === MAPPING_THREAD_NICE).length;
    const pool = await startRowMappingPool({ ...options, threads: 2 });
    try {
      expect(threadNiceValues().filter((t) => t.nice === MAPPING_THREAD_NICE).length - before).toBe(2);
      expect(threadNiceValues().find((t) => t.tid === process.pid)?.nice).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

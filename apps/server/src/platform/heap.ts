import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, before the
 * next one: `(1 + percent / 100) ×` the live heap (decision 0056). V8's own factor reaches 4× on a
 * machine with plenty of memory, so a worker whose live heap is 50 MB peaks near 230 MB of mostly
 * garbage (batches that outlived two scavenges); at 50 % it peaks near 100 MB, for a few more
 * (short) collections. 0 is V8's own value of the flag: its heuristic. V8 reads the flag at every
 * full collection, so setting it once the process runs takes effect from the next one.
 * Process-wide: the runtime owns its process. `percent` is a whole number ≥ 0 (config checks it).
 */
export function setHeapGrowth(percent: number): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

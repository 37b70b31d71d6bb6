import { describe, expect, it } from 'vitest';
import { pushTo } from './collections';

describe('pushTo', () => {
  it('groups values by key in arrival order, adding to the same list', () => {
    const groups = new Map<string, number[]>();
    for (let i = 0; i < 10; i++) pushTo(groups, i % 3 === 0 ? 'three' : 'other', i);
    expect([...groups]).toEqual([
      ['three', [0, 3, 6, 9]],
      ['other', [1, 2, 4, 5, 7, 8]],
    ]);
    const first = groups.get('three');
    pushTo(groups, 'three', 12);
    // The list grows where it is: no copy per value.
    expect(groups.get('three')).toBe(first);
    expect(first).toEqual([0, 3, 6, 9, 12]);
  });
});

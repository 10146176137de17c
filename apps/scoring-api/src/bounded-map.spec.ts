import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('keeps the most recently inserted keys, first in first out', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) map.set(key, i);
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => map.get(k))).toEqual([undefined, undefined, 2, 3, 4]);
    expect(map.size).toBe(3);
  });

  it('updates an existing key in place without evicting', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    expect([map.get('a'), map.get('b'), map.size]).toEqual([10, 2, 2]);
    map.set('c', 3);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('holds nothing with capacity 0', () => {
    const map = new BoundedMap<string, number>(0);
    map.set('a', 1);
    expect([map.get('a'), map.size]).toEqual([undefined, 0]);
  });
});

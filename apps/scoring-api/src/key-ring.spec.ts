import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('keeps the most recently inserted keys, first in first out', () => {
    const map = new BoundedMap<number>(3);
    for (const [i, key] of [10, 11, 12, 13, 14].entries()) map.set(key, i);
    expect([10, 11, 12, 13, 14].map((k) => map.get(k))).toEqual([undefined, undefined, 2, 3, 4]);
    expect(map.size).toBe(3);
  });

  it('updates an existing key in place without evicting', () => {
    const map = new BoundedMap<number>(2);
    map.set(1, 1);
    map.set(2, 2);
    map.set(1, 10);
    expect([map.get(1), map.get(2), map.size]).toEqual([10, 2, 2]);
    map.set(3, 3);
    expect([map.get(1), map.get(2), map.get(3)]).toEqual([undefined, 2, 3]);
  });

  it('holds nothing with capacity 0', () => {
    const map = new BoundedMap<number>(0);
    map.set(1, 1);
    expect([map.get(1), map.size]).toEqual([undefined, 0]);
  });

  it('keeps the last `capacity` of many ids — large and hashed (53-bit) — across growth and wrap-around', () => {
    const capacity = 5_000;
    const map = new BoundedMap<string>(capacity);
    const ids = Array.from({ length: 12_345 }, (_, i) =>
      i % 3 === 0 ? 2 ** 52 + i * 7919 : i % 3 === 1 ? 3e9 + i : i,
    );
    ids.forEach((id) => map.set(id, `v${id}`));
    expect(map.size).toBe(capacity);
    const kept = ids.slice(-capacity);
    expect(kept.every((id) => map.get(id) === `v${id}`)).toBe(true);
    expect(ids.slice(0, -capacity).filter((id) => map.get(id) !== undefined)).toEqual([]);
  });
});

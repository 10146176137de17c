import { KeyRing } from './key-ring.js';

describe('KeyRing', () => {
  it('keeps the most recently inserted keys, first in first out, reusing the oldest slot', () => {
    const ring = new KeyRing(3);
    const slots = [10, 11, 12, 13, 14].map((key) => ring.insert(key));
    expect(slots).toEqual([0, 1, 2, 0, 1]);
    expect([10, 11, 12, 13, 14].map((k) => ring.slotOf(k))).toEqual([-1, -1, 2, 0, 1]);
    expect(ring.size).toBe(3);
    expect([ring.holds(0, 13), ring.holds(0, 10), ring.holds(2, 12), ring.holds(-1, 12)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('holds nothing with capacity 0', () => {
    const ring = new KeyRing(0);
    expect(ring.insert(1)).toBe(-1);
    expect([ring.slotOf(1), ring.size, ring.holds(0, 1)]).toEqual([-1, 0, false]);
  });

  it('keeps the last `capacity` of many ids — large and hashed (53-bit) — across growth and wrap-around', () => {
    const capacity = 5_000;
    const ring = new KeyRing(capacity);
    const ids = Array.from({ length: 12_345 }, (_, i) =>
      i % 3 === 0 ? 2 ** 52 + i * 7919 : i % 3 === 1 ? 3e9 + i : i,
    );
    const slots = ids.map((id) => ring.insert(id));
    expect(ring.size).toBe(capacity);
    expect(ring.length).toBe(capacity);
    const kept = ids.slice(-capacity);
    expect(kept.every((id, i) => ring.slotOf(id) === slots[ids.length - capacity + i])).toBe(true);
    expect(ids.slice(0, -capacity).filter((id) => ring.slotOf(id) >= 0)).toEqual([]);
  });
});

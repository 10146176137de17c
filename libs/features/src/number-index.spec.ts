import { NumberIndex } from './number-index.js';
import { seededRandom } from './testing/transactions.js';

describe('NumberIndex', () => {
  it.each([
    ['hashed keys', {}],
    ['small whole keys in the dense array (denseBelow 1,000), the rest hashed', { denseBelow: 1_000 }],
  ])(
    'behaves as a Map under random sets, overwrites and deletes (growth and backward-shift deletion): %s',
    (_, options) => {
      const random = seededRandom(5);
      const index = new NumberIndex(4, options);
      const reference = new Map<number, number>();
      for (let step = 0; step < 50_000; step++) {
        // small, clustered, huge and multiple-of-2^k keys collide in different ways
        const kind = Math.floor(random() * 5);
        const key =
          kind === 0
            ? Math.floor(random() * 500)
            : kind === 1
              ? Math.floor(random() * 64) * 1024
              : kind === 2
                ? 2 ** 40 + Math.floor(random() * 300)
                : kind === 3
                  ? -Math.floor(random() * 50)
                  : Math.floor(random() * 100) + 0.5;
        if (random() < 0.35) {
          expect(index.delete(key)).toBe(reference.delete(key));
        } else {
          const value = Math.floor(random() * 1e6);
          index.set(key, value);
          reference.set(key, value);
        }
        if (step % 97 === 0) {
          // one expectation per check (an expect per key makes the spec slow)
          expect([...reference].filter(([k, v]) => index.get(k) !== v)).toEqual([]);
        }
      }
      expect(index.size).toBe(reference.size);
      for (const [k, v] of reference) expect(index.get(k)).toBe(v);
      expect(index.get(123456789)).toBe(-1);
      const seen = new Map<number, number>();
      index.forEach((k, v) => seen.set(k, v));
      expect(seen).toEqual(reference);
    },
  );

  it('behaves as a Map for a sliding window of consecutive ids among scattered ones (blocks of shared slots)', () => {
    // what the online state and the scoring API's answer memory do: insert the next id, delete the oldest
    const random = seededRandom(11);
    const index = new NumberIndex(16);
    const reference = new Map<number, number>();
    const window = 3_000;
    const mismatches: Array<[number, number]> = []; // [after inserting id, key read wrong]
    for (let id = 1_000_000_000; id < 1_000_020_000; id++) {
      index.set(id, id % 9973);
      reference.set(id, id % 9973);
      if (id % 5 === 0) {
        const scattered = -(2 ** 33) - Math.floor(random() * 1e6) * 8;
        index.set(scattered, 1);
        reference.set(scattered, 1);
      }
      if (reference.size > window) {
        const oldest = reference.keys().next().value as number;
        expect(index.delete(oldest)).toBe(true);
        reference.delete(oldest);
      }
      if (id % 257 === 0) for (const [k, v] of reference) if (index.get(k) !== v) mismatches.push([id, k]);
    }
    expect(mismatches).toEqual([]);
    expect(index.size).toBe(reference.size);
    for (const [k, v] of reference) expect(index.get(k)).toBe(v);
    expect(index.get(1_000_020_000)).toBe(-1);
    expect(index.delete(999_999_999)).toBe(false);
  });
});

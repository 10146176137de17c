import { argsortDescending } from './sorting.js';
import { hashedUniform } from './synthetic.js';

/** The reference: a comparator sort, stable, descending (-0 and +0 equal). */
function referenceOrder(scores: number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

describe('argsortDescending', () => {
  it('orders negatives, zeros of both signs, tiny and huge values, keeping ties in row order', () => {
    const scores = [3, -1, 0, -0, 2.5, -1e300, 1e-300, 3, -2, 0, Number.MIN_VALUE, -Number.MIN_VALUE];
    expect(Array.from(argsortDescending(scores))).toEqual(referenceOrder(scores));
    expect(Array.from(argsortDescending(scores))).toEqual([0, 7, 4, 6, 10, 2, 3, 9, 11, 1, 8, 5]);
  });

  it('agrees with a comparator sort on 100,000 hashed scores with many ties, float32 and float64', () => {
    const continuous = Array.from({ length: 100_000 }, (_, i) => hashedUniform(i, 1, 1) * 2 - 1);
    expect(Array.from(argsortDescending(continuous))).toEqual(referenceOrder(continuous));
    const tied = continuous.map((x) => Math.round(x * 50) / 50);
    expect(Array.from(argsortDescending(tied))).toEqual(referenceOrder(tied));
    const float32 = Float32Array.from(continuous);
    expect(Array.from(argsortDescending(float32))).toEqual(referenceOrder(Array.from(float32)));
  });
});

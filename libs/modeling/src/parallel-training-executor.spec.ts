import { SeededRandom } from '@fraudops/core';
import { binFeatureMatrix, fitFeatureBins, sampleColumns } from './binning.js';
import { binWithWorkers } from './gbdt.js';
import { histogramLayout, subtractHistogram } from './histogram.js';
import {
  cutIntoPieces,
  deriveSibling,
  planHistogramJobs,
  startTrainingWorkers,
  zeroRanges,
} from './parallel-training-executor.js';

/** Jobs of the given row counts, laid end to end. */
function jobs(sizes: number[]): Array<{ begin: number; end: number }> {
  let begin = 0;
  return sizes.map((size) => {
    const job = { begin, end: begin + size };
    begin += size;
    return job;
  });
}

describe('planHistogramJobs', () => {
  // Two threads, 15 features in groups of 7 and 8: a split job costs each thread 8/15 of it plus the overhead.
  const share = 8 / 15;

  it('splits a lone node by features among the threads', () => {
    expect(planHistogramJobs(jobs([900_000]), 2, share)).toEqual({ split: [0], whole: [[], []] });
  });

  it('deals similar nodes whole, largest first to the least-loaded thread', () => {
    expect(planHistogramJobs(jobs([100, 400, 300, 200]), 2, share)).toEqual({
      split: [],
      whole: [
        [1, 0],
        [2, 3],
      ],
    });
  });

  it('splits the large nodes and deals the small ones when one node dominates a level', () => {
    // Whole: 1,000 rows on one thread. Splitting the largest: ≈ 613 each, then a 300 on each → 913;
    // splitting all three: 1,600 × (8/15 + 0.08) ≈ 981.
    expect(planHistogramJobs(jobs([300, 1_000, 300]), 2, share)).toEqual({ split: [1], whole: [[0], [2]] });
  });

  it('splits every node only when no whole dealing is balanced enough', () => {
    // Whole: 600 vs 400. Split both: 1,000 × (8/15 + 0.08) ≈ 613 each — more than 600, so whole wins here…
    expect(planHistogramJobs(jobs([600, 400]), 2, share).split).toEqual([]);
    // …but not when the two are 700 and 300: 700 whole against ≈ 613 split.
    expect(planHistogramJobs(jobs([700, 300]), 2, share)).toEqual({ split: [0, 1], whole: [[], []] });
  });
});

describe('cutIntoPieces', () => {
  it('cuts each range into near-equal pieces of at most the given rows, largest first, covering every row once', () => {
    const tasks = [
      { begin: 0, end: 10, name: 'a' },
      { begin: 10, end: 13, name: 'b' },
      { begin: 13, end: 20, name: 'c' },
    ];
    const pieces = cutIntoPieces(tasks, 4).map(({ task, begin, end }) => [task.name, begin, end]);
    expect(pieces).toEqual([
      ['a', 6, 10],
      ['c', 16, 20],
      ['a', 0, 3],
      ['a', 3, 6],
      ['b', 10, 13],
      ['c', 13, 16],
    ]);
  });

  it('keeps small ranges whole and an empty range as one empty piece', () => {
    expect(cutIntoPieces([{ begin: 5, end: 5 }], 4).map(({ begin, end }) => [begin, end])).toEqual([[5, 5]]);
    expect(cutIntoPieces([{ begin: 0, end: 4 }], 4).map(({ begin, end }) => [begin, end])).toEqual([[0, 4]]);
  });
});

describe('zeroRanges', () => {
  // Features with 2, 3, 1 and 2 value bins (each one more for its missing bin): 3 + 4 + 2 + 3 = 12 bins.
  const layout = histogramLayout({
    upperBounds: [new Float32Array(2), new Float32Array(3), new Float32Array(1), new Float32Array(2)],
  });

  it("covers exactly its group's bins (three values a bin), merging neighbours", () => {
    expect(zeroRanges(layout, [0, 1, 2, 3], [1, 2], false)).toEqual([9, 27]);
    expect(zeroRanges(layout, [0, 1, 2, 3], [0, 3], false)).toEqual([0, 9, 27, 36]);
  });

  it('gives the first group the features outside the tree, so every value is zeroed by exactly one group', () => {
    const tree = [1, 3];
    const first = zeroRanges(layout, tree, [3], true);
    const other = zeroRanges(layout, tree, [1], false);
    expect(first).toEqual([0, 9, 21, 36]);
    expect(other).toEqual([9, 21]);
    const covered = new Uint8Array(layout.size);
    for (const ranges of [first, other])
      for (let z = 0; z < ranges.length; z += 2) covered.fill(1, ranges[z], ranges[z + 1]);
    expect(covered.every((v) => v === 1)).toBe(true);
  });
});

describe('deriveSibling', () => {
  const parent = Float64Array.from({ length: 12 }, (_, i) => 0.1 * (i + 1) + 1e-9 * i);
  const built = Float64Array.from({ length: 12 }, (_, i) => 0.03 * i);

  it('gives the bits subtractHistogram gives, over the whole histogram or split into ranges', () => {
    const expected = new Float64Array(12);
    subtractHistogram(parent, built, expected);
    const whole = new Float64Array(12);
    deriveSibling(built, parent, whole, null);
    const split = new Float64Array(12).fill(Number.NaN);
    deriveSibling(built, parent, split, [0, 3, 9, 12]);
    deriveSibling(built, parent, split, [3, 9]);
    expect(whole).toEqual(expected);
    expect(split).toEqual(expected);
  });
});

describe('startTrainingWorkers', () => {
  it('bins with a worker (its bounds, the codes here) as fitFeatureBins and binFeatureMatrix do alone', async () => {
    const random = new SeededRandom(3);
    const rows = 3_000;
    const cols = 4;
    // A continuous feature, a few distinct values, a mostly missing one, and one with negatives; NaN scattered.
    const values = Float32Array.from({ length: rows * cols }, (_, i) => {
      const f = i % cols;
      if (i % 7 === 0 || (f === 2 && random.nextFloat() < 0.9)) return Number.NaN;
      return f === 1 ? Math.floor(random.nextFloat() * 5) : random.nextFloat() * 100 - (f === 3 ? 50 : 0);
    });
    values[2_990 * cols + 1] = 40; // a value of the few-valued feature that the 1,000-row sample misses
    const matrix = { rows, cols, values };
    const sample = sampleColumns(matrix, 1_000, 2, (bytes) => new ArrayBuffer(bytes));
    expect(sample.columns[1]).not.toContain(40);
    const alone = binFeatureMatrix(matrix, fitFeatureBins(matrix, { maxBins: 16, sampleRows: 1_000, seed: 2 }));
    expect(Array.from(alone.bins.upperBounds[1])).toEqual([0.5, 1.5, 2.5, 3.5, 22, Infinity]);
    const workers = startTrainingWorkers(1);
    try {
      const memory = (bytes: number) => new SharedArrayBuffer(bytes);
      const codes = new Uint8Array(memory(rows * cols));
      const binned = await binWithWorkers(matrix, workers, codes, { maxBins: 16, seed: 2, sampleRows: 1_000, memory });
      expect(binned.bins.upperBounds).toEqual(alone.bins.upperBounds);
      expect(binned.codes).toEqual(alone.codes);
    } finally {
      await workers.close();
    }
  });
});

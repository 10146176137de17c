import { planHistogramJobs } from './parallel-training-executor.js';

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

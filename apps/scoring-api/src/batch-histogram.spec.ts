import { Histogram, Registry } from 'prom-client';
import { BatchHistogram } from './batch-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 0.5, 0.9];

/** The same observations through prom-client's Histogram and ours, each on a registry of its own. */
function pair() {
  const reference = new Registry();
  const ours = new Registry();
  const config = { name: 'test_score', help: 'Scores.', labelNames: ['role'] as const, buckets: BUCKETS };
  return {
    reference,
    ours,
    theirs: new Histogram({ ...config, labelNames: ['role'], registers: [reference] }),
    mine: new BatchHistogram({ ...config, registers: [ours] }),
  };
}

describe('BatchHistogram', () => {
  it("exposes exactly what prom-client's histogram exposes for the same observations", async () => {
    const { reference, ours, theirs, mine } = pair();
    // Values on, between, below and above the bounds; a sum that depends on the order of addition.
    const values = Float32Array.from([0.001, 0.0005, 0.3, 0.9, 0.95, 1e-7, 0.1, 0.1000001, 0.7, 0.01]);
    const selected = Uint8Array.from([1, 1, 0, 1, 1, 1, 1, 0, 1, 1]);
    const champion = mine.labels({ role: 'champion' });
    champion.observeEach(values, selected);
    values.forEach((v, i) => {
      if (selected[i]) theirs.labels({ role: 'champion' }).observe(v);
    });
    mine.labels({ role: 'challenger' }).observeEach(values);
    values.forEach((v) => theirs.observe({ role: 'challenger' }, v));

    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
    expect(await ours.metrics()).toContain('test_score_count{role="champion"} 8');
  });

  it('shows a label set once it has an observation, and nothing after a reset', async () => {
    const { reference, ours, theirs, mine } = pair();
    const bound = mine.labels({ role: 'champion' });
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.metrics()).not.toContain('test_score_count');
    bound.observe(0.2);
    theirs.observe({ role: 'champion' }, 0.2);
    expect(await ours.metrics()).toBe(await reference.metrics());
    ours.resetMetrics();
    reference.resetMetrics();
    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('refuses a value that is not a finite number and a missing label', () => {
    const { mine } = pair();
    expect(() => mine.labels({ role: 'champion' }).observe(Number.NaN)).toThrow('Value is not a valid number: NaN');
    expect(() => mine.labels({} as { role: string })).toThrow('test_score: label "role" is missing');
  });
});

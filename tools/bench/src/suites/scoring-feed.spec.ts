import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnlineFeatureState, baselineFeatureSpec, featureNames } from '@fraudops/features';
import { FEED_CUSTOMERS, FEED_TERMINALS, feedTransaction, steadyFeedVectors } from './scoring-feed.js';

const STEADY = { timeBase: Date.UTC(2018, 9, 1) / 1000, secondsPerTransaction: 86_400 / 10_000 };

describe('the steady feed in TypeScript', () => {
  it('uses the constants and formulas of score-requests.lua', () => {
    const lua = readFileSync(join(__dirname, '../../peers/score-requests.lua'), 'utf8');
    expect(lua).toContain('(n * 7919) % customers, (n * 104729) % terminals, ((n * 31) % 20000) / 100');
    expect(lua).toContain('time_base + math.floor(n * seconds_per_tx + 1e-6)');
    expect(lua).toContain(`os.getenv("BENCH_CUSTOMERS") or "${FEED_CUSTOMERS}"`);
    expect(lua).toContain(`os.getenv("BENCH_TERMINALS") or "${FEED_TERMINALS}"`);
    expect(feedTransaction(3, 1000, 8.64)).toEqual({
      transactionId: 3,
      txDatetime: 1025,
      customerId: 23757 % 5000,
      terminalId: 314187 % 10000,
      txAmount: 0.93,
    });
  });

  it('gives the vectors of an online state that has seen the retention, as float32', () => {
    const rows = 50;
    const vectors = steadyFeedVectors(baselineFeatureSpec, rows, STEADY);
    const width = featureNames(baselineFeatureSpec).length;
    expect(vectors).toHaveLength(rows * width);
    // The same rows by hand: a state fed the feed from its first transaction; the last `rows` vectors.
    const state = new OnlineFeatureState(baselineFeatureSpec);
    const total = Math.ceil((37 * 86_400) / STEADY.secondsPerTransaction) + rows;
    const last: number[][] = [];
    for (let n = 1; n <= total; n++) {
      const tx = feedTransaction(n, STEADY.timeBase, STEADY.secondsPerTransaction);
      const v = state.process(tx);
      if (n > total - rows) last.push(Array.from(Float32Array.from(v)));
    }
    expect(Array.from(vectors.subarray(0, width))).toEqual(last[0]);
    expect(Array.from(vectors.subarray((rows - 1) * width))).toEqual(last[rows - 1]);
    // At steady size every card has a 30-day history: 2 transactions a day (column 7: the card's 30-day count).
    expect(vectors[7]).toBeGreaterThanOrEqual(59);
    expect(vectors[7]).toBeLessThanOrEqual(61);
  });
});

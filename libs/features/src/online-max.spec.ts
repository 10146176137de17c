import { v2FeatureSpec } from './baseline.js';
import { DAY_US } from './calendar.js';
import { featureNames } from './feature-spec.js';
import { OnlineFeatureState } from './online.js';
import { decodeOnlineSnapshot, encodeOnlineSnapshot } from './snapshot.js';

const DAY = DAY_US / 1e6;
const T0 = 1_700_000_000;

/** A seeded stream in time order: few customers, amounts with many ties and zeros, silences long enough to evict. */
function stream(count: number, seed: number) {
  let s = seed >>> 0;
  const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const amounts = [0, 5, 5, 10, 20, 20, 37.5, 100];
  const rows: { id: number; time: number; customer: number; terminal: number; amount: number }[] = [];
  let time = T0;
  for (let i = 0; i < count; i++) {
    // mostly minutes to hours apart, sometimes a whole window (7 days) or the retention (37+ days) of silence
    const gap = random();
    time += gap < 0.001 ? 40 * DAY : gap < 0.005 ? 7 * DAY : gap < 0.3 ? 0 : Math.floor(random() * 8 * 3600);
    rows.push({
      id: i + 1,
      time,
      // customer 6 only in the first 10 days of every 45: silent 35 days, so the oldest of its last week's
      // transactions are evicted (37 days) while its last one is still held when it comes back
      customer: Math.floor(random() * ((time - T0) % (45 * DAY) < 10 * DAY ? 7 : 6)),
      terminal: Math.floor(random() * 4),
      amount: amounts[Math.floor(random() * amounts.length)],
    });
  }
  return rows;
}

/** The card's largest amount over the 7 days up to and including this transaction, by brute force. */
function bruteMax(rows: ReturnType<typeof stream>, i: number): number {
  let max = 0;
  for (let j = i; j >= 0 && rows[j].time > rows[i].time - 7 * DAY; j--) {
    if (rows[j].customer === rows[i].customer && rows[j].amount > max) max = rows[j].amount;
  }
  return max;
}

describe('OnlineFeatureState: the cached window maximum', () => {
  const column = featureNames(v2FeatureSpec).indexOf('CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW');

  it('equals a brute-force maximum for every transaction: ties, zeros, evictions, slot reuse, labels, a restore', () => {
    expect(column).toBeGreaterThanOrEqual(0);
    const rows = stream(12000, 7);
    let state = new OnlineFeatureState(v2FeatureSpec);
    const out = new Float64Array(state.width);
    let reused = 0;
    for (let i = 0; i < rows.length; i++) {
      const { id, time, customer, terminal, amount } = rows[i];
      if (i === 3000) {
        // the cache is not in the snapshot: a restored state walks again where it has to
        state = decodeOnlineSnapshot(v2FeatureSpec, encodeOnlineSnapshot(state));
      }
      const before = state.stats().customers;
      state.processInto(id, time, customer, terminal, amount, out);
      if (state.stats().customers > before && i > 100) reused++;
      if (i % 5 === 0 && i > 10) state.recordLabel(rows[i - 10].id, (i / 5) % 2);
      expect([i, out[column]]).toEqual([i, bruteMax(rows, i)]);
    }
    // the stream did forget customers and take them back (their slots reused)
    expect(reused).toBeGreaterThan(5);
  });
});

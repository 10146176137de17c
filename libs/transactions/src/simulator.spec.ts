import { simulateTransactions, resolveSimulationParams } from './simulator.js';
import { TransactionsError } from './errors.js';

function scenarioCounts(scenarios: Uint8Array): number[] {
  const counts = [0, 0, 0, 0];
  for (const s of scenarios) counts[s]++;
  return counts;
}

describe('simulateTransactions, default parameters (the handbook dataset)', () => {
  const progress: string[] = [];
  const tx = simulateTransactions({}, { onProgress: (p) => progress.push(p.stage) });

  it('reproduces the published row count and first row', () => {
    expect(tx.length).toBe(1_754_155);
    expect(tx.txTimeSeconds[0]).toBe(31);
    expect(tx.customerId[0]).toBe(596);
    expect(tx.terminalId[0]).toBe(3156);
    expect(tx.txAmount[0]).toBe(57.16);
    expect(tx.txDatetime[0]).toBe(Date.UTC(2018, 3, 1, 0, 0, 31) / 1000);
  });

  it('reproduces the frauds added by each scenario step and the final scenario counts', () => {
    expect(tx.metadata.fraudsAddedByScenario).toEqual({
      s1: 978,
      s2: 9099,
      s3: 4604,
    });
    expect(scenarioCounts(tx.txFraudScenario)).toEqual([1_754_155 - 14_681, 973, 9077, 4631]);
    let frauds = 0;
    for (const f of tx.txFraud) frauds += f;
    expect(frauds).toBe(14_681);
    expect(frauds / tx.length).toBe(0.008369271814634397);
  });

  it('numbers rows in time order with stable ties and consistent time columns', () => {
    for (let i = 0; i < tx.length; i++) {
      if (tx.transactionId[i] !== i) throw new Error(`transaction id ${tx.transactionId[i]} at row ${i}`);
      if (i > 0 && tx.txDatetime[i] < tx.txDatetime[i - 1]) throw new Error(`row ${i} is earlier than row ${i - 1}`);
      if (tx.txTimeDays[i] !== Math.floor(tx.txTimeSeconds[i] / 86400)) throw new Error(`row ${i}: day mismatch`);
    }
    expect(tx.txTimeDays[tx.length - 1]).toBe(182);
  });

  it('reports progress through every stage', () => {
    expect(progress[0]).toBe('profiles');
    expect(new Set(progress)).toEqual(new Set(['profiles', 'transactions', 'sort', 'frauds']));
  });
});

describe('simulateTransactions, small worlds', () => {
  const small = { customers: 50, terminals: 100, days: 20 };

  it('is deterministic for a given seed', () => {
    const a = simulateTransactions({ ...small, seed: 7 });
    const b = simulateTransactions({ ...small, seed: 7 });
    expect(a.length).toBeGreaterThan(0);
    expect(b.txAmount).toEqual(a.txAmount);
    expect(b.terminalId).toEqual(a.terminalId);
    expect(b.txFraudScenario).toEqual(a.txFraudScenario);
  });

  it('draws a different world when the seed shifts', () => {
    const a = simulateTransactions({ ...small, seed: 0 });
    const b = simulateTransactions({ ...small, seed: 1 });
    expect(b.txAmount).not.toEqual(a.txAmount);
  });

  it('starts at the requested date', () => {
    const tx = simulateTransactions({ ...small, startDate: '2024-01-01' });
    expect(tx.metadata.startEpochSeconds).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(tx.txDatetime[0]).toBe(tx.metadata.startEpochSeconds + tx.txTimeSeconds[0]);
  });

  it('refuses parameters outside the domain, naming them', () => {
    expect(() => resolveSimulationParams({ customers: 2 })).toThrow(/customers must be an integer in \[3, /);
    expect(() => resolveSimulationParams({ radius: -1 })).toThrow(/radius must be a positive number/);
    expect(() => resolveSimulationParams({ startDate: '2018-02-30' })).toThrow(TransactionsError);
    expect(() => resolveSimulationParams({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});

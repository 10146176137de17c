import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulateTransactions } from './simulator.js';
import { findAvailableTerminals, generateCustomerProfiles, generateTerminalProfiles } from './profiles.js';
import { baselineSplit, prequentialFolds } from './splits.js';
import { findInvalidValues } from './contract.js';
import { fingerprintTransactions } from './fingerprint.js';

// The published dataset, simulated once for every check in this file (the expensive part of the suite).
const tx = simulateTransactions();

// Totals and fingerprint of the numpy implementation on the default parameters, recorded once from
// tools/bench/peers/simulator_numpy.py --json (it takes minutes; the small-world parity runs live).
const numpyReference = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'handbook-numpy-reference.json'), 'utf8'));

const sum = (values: Uint8Array, rows?: Uint32Array) => {
  let total = 0;
  if (rows) for (const r of rows) total += values[r];
  else for (const v of values) total += v;
  return total;
};

describe('the handbook dataset (default parameters)', () => {
  it('has the published row count and first row', () => {
    expect(tx.length).toBe(1_754_155);
    expect([tx.txTimeSeconds[0], tx.customerId[0], tx.terminalId[0], tx.txAmount[0]]).toEqual([31, 596, 3156, 57.16]);
    expect(new Date(tx.txDatetime[0] * 1000).toISOString()).toBe('2018-04-01T00:00:31.000Z');
  });

  it('has the published frauds per scenario step and final scenario counts', () => {
    expect(tx.metadata.fraudsAddedByScenario).toEqual({ s1: 978, s2: 9099, s3: 4604 });
    const counts = [0, 0, 0, 0];
    for (const s of tx.txFraudScenario) counts[s]++;
    expect(counts.slice(1)).toEqual([973, 9077, 4631]);
    expect(sum(tx.txFraud)).toBe(14_681);
    expect(sum(tx.txFraud) / tx.length).toBe(0.008369271814634397);
  });

  it('is bit-identical to the numpy implementation of the spec (SHA-256 of every column)', () => {
    expect(numpyReference.rows).toBe(tx.length);
    expect(fingerprintTransactions(tx)).toBe(numpyReference.sha256);
  });

  it('is in time order with transaction ids numbering the rows, and satisfies the contract', () => {
    let ordered = true;
    for (let i = 1; i < tx.length && ordered; i++)
      ordered = tx.txDatetime[i - 1] <= tx.txDatetime[i] && tx.transactionId[i] === i;
    expect(ordered).toBe(true);
    expect(tx.txTimeDays[tx.length - 1]).toBe(182);
    expect(findInvalidValues(tx).invalidRows).toBe(0);
  });

  it('gives customers the published number of reachable terminals (mean 75.2, min 22, max 106)', () => {
    const available = findAvailableTerminals(generateCustomerProfiles(5000, 0), generateTerminalProfiles(10000, 1), 5);
    const counts = Array.from({ length: 5000 }, (_, c) => available.offsets[c + 1] - available.offsets[c]);
    expect(Math.min(...counts)).toBe(22);
    expect(Math.max(...counts)).toBe(106);
    expect(Number((counts.reduce((a, b) => a + b, 0) / counts.length).toFixed(1))).toBe(75.2);
  });

  it('splits like the handbook baseline: 67,240 / 598 train and 58,264 / 385 test', () => {
    const split = baselineSplit(tx);
    expect(split.trainDays).toEqual([115, 121]);
    expect(split.testDays).toEqual([129, 135]);
    expect([split.train.length, sum(tx.txFraud, split.train)]).toEqual([67_240, 598]);
    expect([split.test.length, sum(tx.txFraud, split.test)]).toEqual([58_264, 385]);
  });

  it('builds prequential folds, each a test length earlier, the first one being the baseline split', () => {
    const folds = prequentialFolds(tx, { trainStart: 115, folds: 4 });
    const baseline = baselineSplit(tx);
    expect(folds[0].train).toEqual(baseline.train);
    expect(folds[0].test).toEqual(baseline.test);
    expect(folds.map((f) => f.trainDays[0])).toEqual([115, 108, 101, 94]);
    expect(folds.map((f) => f.testDays[0])).toEqual([129, 122, 115, 108]);
    for (const fold of folds) {
      expect(tx.txTimeDays[fold.train[0]]).toBe(fold.trainDays[0]);
      expect(tx.txTimeDays[fold.test[fold.test.length - 1]]).toBe(fold.testDays[1]);
    }
  });
});

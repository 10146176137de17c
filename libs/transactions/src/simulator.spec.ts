import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { simulateTransactions, resolveSimulationParams, type SimulationProgress } from './simulator.js';
import { fingerprintTransactions } from './fingerprint.js';
import { TransactionsError } from './errors.js';

// The numpy implementation of the same spec (the benchmark peer) is the reference for any parameters.
const PYTHON = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
const NUMPY_PEER = join(__dirname, '..', '..', '..', 'tools', 'bench', 'peers', 'simulator_numpy.py');

function numpySimulation(args: string[]): { rows: number; sha256: string; frauds_added_by_scenario: number[] } {
  return JSON.parse(execFileSync(PYTHON, [NUMPY_PEER, ...args, '--json'], { encoding: 'utf8' }));
}

describe('simulateTransactions', () => {
  const small = { customers: 60, terminals: 150, days: 30 };

  it.each([
    { seed: 0, radius: 5, startDate: '2018-04-01' },
    { seed: 11, radius: 12.5, startDate: '2021-02-28' },
  ])(
    'matches the numpy implementation bit for bit on a small world (seed $seed, radius $radius)',
    ({ seed, radius, startDate }) => {
      const tx = simulateTransactions({ ...small, seed, radius, startDate });
      const reference = numpySimulation([
        '--customers',
        '60',
        '--terminals',
        '150',
        '--days',
        '30',
        '--seed',
        String(seed),
        '--radius',
        String(radius),
        '--start-date',
        startDate,
      ]);
      expect(tx.length).toBe(reference.rows);
      expect(Object.values(tx.metadata.fraudsAddedByScenario)).toEqual(reference.frauds_added_by_scenario);
      expect(fingerprintTransactions(tx)).toBe(reference.sha256);
    },
  );

  it('is deterministic for a given seed and draws another world for another seed', () => {
    const a = simulateTransactions({ ...small, seed: 7 });
    const b = simulateTransactions({ ...small, seed: 7 });
    const c = simulateTransactions({ ...small, seed: 8 });
    expect(a.length).toBeGreaterThan(1000);
    expect(fingerprintTransactions(b)).toBe(fingerprintTransactions(a));
    expect(fingerprintTransactions(c)).not.toBe(fingerprintTransactions(a));
  });

  it('dates transactions from the start date and labels every fraud with a scenario', () => {
    const tx = simulateTransactions({ ...small, startDate: '2024-01-01' });
    expect(tx.metadata.startEpochSeconds).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(tx.metadata.params).toEqual({ ...small, startDate: '2024-01-01', radius: 5, seed: 0 });
    for (let i = 0; i < tx.length; i++) {
      if (tx.txDatetime[i] !== tx.metadata.startEpochSeconds + tx.txTimeSeconds[i])
        throw new Error(`row ${i}: datetime`);
      if ((tx.txFraud[i] === 1) !== tx.txFraudScenario[i] > 0) throw new Error(`row ${i}: label and scenario disagree`);
    }
  });

  it('makes no transactions for customers without a terminal in reach', () => {
    const tx = simulateTransactions({ ...small, radius: 1e-6 });
    expect(tx.length).toBe(0);
    expect(tx.metadata.fraudsAddedByScenario).toEqual({ s1: 0, s2: 0, s3: 0 });
  });

  it('reports progress through every stage, ending each', () => {
    const seen: SimulationProgress[] = [];
    simulateTransactions(small, { onProgress: (p) => seen.push(p) });
    expect(seen[0]).toEqual({ stage: 'profiles', done: 0, total: 1 });
    expect(seen).toContainEqual({ stage: 'transactions', done: 60, total: 60 });
    expect(seen[seen.length - 1]).toEqual({ stage: 'frauds', done: 1, total: 1 });
    expect(new Set(seen.map((p) => p.stage))).toEqual(new Set(['profiles', 'transactions', 'sort', 'frauds']));
  });

  it('refuses parameters outside the domain, naming them', () => {
    expect(() => resolveSimulationParams({ customers: 2 })).toThrow(/customers must be an integer in \[3, /);
    expect(() => resolveSimulationParams({ terminals: 1 })).toThrow(/terminals must be an integer in \[2, /);
    expect(() => resolveSimulationParams({ radius: -1 })).toThrow(/radius must be a positive number/);
    expect(() => resolveSimulationParams({ startDate: '2018-02-30' })).toThrow(TransactionsError);
    expect(() => resolveSimulationParams({ startDate: '01/04/2018' })).toThrow(
      /startDate must be a calendar date YYYY-MM-DD/,
    );
    expect(() => resolveSimulationParams({ seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => resolveSimulationParams({ days: 0 })).toThrow(/days must be an integer in \[1, /);
  });
});

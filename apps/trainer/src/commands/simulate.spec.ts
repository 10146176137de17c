import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capture } from '../testing/capture.js';
import { fingerprintTransactions, simulateTransactions } from '@fraudops/transactions';
import { readTransactions } from '@fraudops/transactions-io';
import { createOutput } from '@fraudops/cli';
import { runCli } from '../cli/program.js';
import { runSimulate, type SimulateOptions } from './simulate.js';

const SMALL = { customers: '80', terminals: '200', days: '45', startDate: '2018-04-01', radius: '5', seed: '0' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-simulate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function simulate(options: Partial<SimulateOptions> & { out: string }) {
  const stdout = new Capture();
  const stderr = new Capture();
  const full: SimulateOptions = { ...SMALL, json: false, ...options };
  const result = await runSimulate(full, createOutput(full.json, { stdout, stderr }));
  return { result, stdout: stdout.text, stderr: stderr.text };
}

describe('fraudops-train simulate', () => {
  it('writes the simulated world to Parquet and prints a summary', async () => {
    const out = join(dir, 'world.parquet');
    const { result, stdout, stderr } = await simulate({ out });
    const expected = simulateTransactions({ customers: 80, terminals: 200, days: 45 });
    expect(result.rows).toBe(expected.length);
    expect(result.bytes).toBe((await stat(out)).size);
    expect(result.fingerprint).toBe(fingerprintTransactions(expected));
    // what was written reads back exactly
    expect(fingerprintTransactions(await readTransactions(out))).toBe(result.fingerprint);
    const frauds = expected.txFraud.reduce((a, b) => a + b, 0);
    expect(result.frauds).toBe(frauds);
    expect(result.fraudsByScenario['1'] + result.fraudsByScenario['2'] + result.fraudsByScenario['3']).toBe(frauds);
    expect(stdout).toContain(`wrote ${out} (parquet,`);
    expect(stdout).toContain(`rows          ${expected.length.toLocaleString('en-US')}`);
    expect(stdout).toMatch(/scenario 2 +[\d,]+ {2}compromised terminals/);
    expect(stdout).toContain('dates         2018-04-01 ');
    expect(stdout).toContain('seed 0 (the handbook dataset)');
    expect(stderr).toContain('adding fraud scenarios…');
  });

  it('prints one JSON object with --json and writes CSV by extension', async () => {
    const out = join(dir, 'world.csv');
    const { stdout, stderr } = await simulate({ out, json: true, seed: '5', startDate: '2024-02-01' });
    const parsed = JSON.parse(stdout);
    expect(stderr).toBe('');
    expect(parsed).toMatchObject({ out, format: 'csv', params: { seed: 5, startDate: '2024-02-01', customers: 80 } });
    expect(parsed.firstDatetime.startsWith('2024-02-01T')).toBe(true);
    const read = await readTransactions(out);
    expect(read.length).toBe(parsed.rows);
    expect(fingerprintTransactions(read)).toBe(parsed.fingerprint);
  });

  it('names the flag of a bad value and exits with the usage code', async () => {
    const stderr = new Capture();
    const out = join(dir, 'never.parquet');
    expect(await runCli(['simulate', '--out', out, '--customers', 'many'], stderr)).toBe(2);
    expect(stderr.text).toBe('error: --customers must be an integer, got "many"\n');
    stderr.text = '';
    expect(await runCli(['simulate', '--out', out, '--start-date', '2018-13-01'], stderr)).toBe(2);
    expect(stderr.text).toBe('error: --start-date: must be a calendar date YYYY-MM-DD, got "2018-13-01"\n');
    stderr.text = '';
    expect(await runCli(['simulate', '--out', join(dir, 'x.json')], stderr)).toBe(2);
    expect(stderr.text).toContain('--out must end in .parquet, .csv or .csv.gz');
    await expect(stat(out)).rejects.toThrow();
  });
});

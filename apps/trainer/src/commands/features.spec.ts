import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capture } from '../testing/capture.js';
import { baselineFeatureSpec, featureSpecHash } from '@fraudops/features';
import { DuckDbSqlEngine } from '@fraudops/features-sql';
import { simulateTransactions } from '@fraudops/transactions';
import { writeTransactions } from '@fraudops/transactions-io';
import { CliError, ExitCode, createOutput } from '@fraudops/cli';
import { runFeatures, type DescribeResult, type FeaturesOptions, type FeaturesResult } from './features.js';

let dir: string;
let data: string;
let rows: number;
let frauds: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-features-'));
  const tx = simulateTransactions({ customers: 60, terminals: 150, days: 50 });
  rows = tx.length;
  frauds = tx.txFraud.reduce((a, b) => a + b, 0);
  data = join(dir, 'transactions.parquet');
  await writeTransactions(data, tx);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function features(options: Partial<FeaturesOptions>) {
  const stdout = new Capture();
  const stderr = new Capture();
  const full: FeaturesOptions = { spec: 'baseline', describe: false, json: false, ...options };
  const result = await runFeatures(full, createOutput(full.json, { stdout, stderr }));
  return { result, stdout: stdout.text, stderr: stderr.text };
}

async function failure(options: Partial<FeaturesOptions>): Promise<CliError> {
  const error = await features(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('fraudops-train features', () => {
  it('writes keys, label and every feature column named as in the spec, with a summary', async () => {
    const out = join(dir, 'features.parquet');
    const { result, stdout, stderr } = await features({ data, out });
    const written = result as FeaturesResult;
    expect(written).toMatchObject({
      rows,
      frauds,
      format: 'parquet',
      spec: { name: 'baseline', hash: featureSpecHash(baselineFeatureSpec) },
    });
    expect(stdout).toContain(`wrote ${out} (parquet,`);
    expect(stdout).toContain(`rows      ${rows.toLocaleString('en-US')}`);
    expect(stdout).toMatch(/dates {5}2018-04-01T\d\d:\d\d:\d\dZ → 2018-05-20T/);
    expect(stderr).toContain(`reading ${data}…`);

    const engine = await DuckDbSqlEngine.open();
    try {
      const file = await engine.query(`SELECT * FROM read_parquet('${out}')`);
      expect(file.columnNames).toEqual([
        'transaction_id',
        'tx_datetime',
        'customer_id',
        'terminal_id',
        'tx_fraud',
        ...baselineFeatureSpec.features.map((f) => f.name),
      ]);
      expect(file.rowCount).toBe(rows);
      // a customer's first transaction counts itself: every 1-day count is ≥ 1
      expect(Array.from(file.columns[8] as ArrayLike<number>).every((n) => n >= 1)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('prints one JSON object with --json and writes CSV by extension', async () => {
    const out = join(dir, 'features.csv');
    const { stdout } = await features({ data, out, json: true });
    const parsed = JSON.parse(stdout) as FeaturesResult;
    expect(parsed).toMatchObject({ out, format: 'csv', rows, frauds });
    expect(parsed.spec.features).toHaveLength(15);
  });

  it('--describe prints names, windows and the hash', async () => {
    const { stdout } = await features({ describe: true });
    expect(stdout).toContain('feature spec baseline v1: 15 features');
    expect(stdout).toContain(`hash   sha256 ${featureSpecHash(baselineFeatureSpec)}`);
    expect(stdout).toMatch(
      /10 {2}TERMINAL_ID_RISK_1DAY_WINDOW +fraud ratio of the terminal's transactions in the 1d window ending 7d before this one/,
    );
    const json = JSON.parse((await features({ describe: true, json: true })).stdout) as DescribeResult;
    expect(json.features[3]).toEqual({
      index: 3,
      name: 'CUSTOMER_ID_NB_TX_1DAY_WINDOW',
      kind: 'window',
      entity: 'customer',
      windowDays: 1,
      delayDays: 0,
      aggregate: 'count',
      meaning: "number of the customer's transactions in the last 1d, up to and including this one",
    });
  });

  it('takes a JSON spec file, and --sql prints its Spark SQL', async () => {
    const path = join(dir, 'spec.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'small',
        version: 2,
        features: [
          { name: 'AMOUNT', kind: 'raw', column: 'tx_amount' },
          {
            name: 'CUSTOMER_MAX_3D',
            kind: 'window',
            entity: 'customer',
            windowDays: 3,
            delayDays: 0,
            aggregate: 'max',
          },
        ],
      }),
    );
    const { stdout } = await features({ spec: path, sql: 'spark' });
    expect(stdout).toContain('spec "small" v2');
    expect(stdout).toContain(
      'MAX(tx_amount) OVER (PARTITION BY customer_id ORDER BY tx_time_us RANGE BETWEEN 259199999999 PRECEDING AND 1 PRECEDING)',
    );
    expect(stdout).toContain('AS `CUSTOMER_MAX_3D`');
  });

  it('fails with messages that name the flag or the problem', async () => {
    expect(await failure({ out: join(dir, 'x.parquet') })).toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/--data/),
    });
    expect(await failure({ data, out: join(dir, 'x.json') })).toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/unsupported file type "\.json"/),
    });
    expect(await failure({ data: join(dir, 'missing.parquet'), out: join(dir, 'x.parquet') })).toMatchObject({
      exitCode: ExitCode.notFound,
    });
    expect(await failure({ spec: 'nope', describe: true })).toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/^--spec: unknown feature spec "nope"/),
    });
    expect(await failure({ sql: 'mysql' })).toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/--sql must be one of duckdb, spark/),
    });
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'b',
        version: 1,
        features: [
          { name: 'R', kind: 'window', entity: 'terminal', windowDays: 1, delayDays: 0, aggregate: 'fraud_ratio' },
        ],
      }),
    );
    expect(await failure({ spec: bad, describe: true })).toMatchObject({
      exitCode: ExitCode.invalidData,
      message: expect.stringMatching(/R.*fraud_ratio needs delayDays ≥ 1/),
    });
    const unlabelled = join(dir, 'unlabelled.csv');
    await writeFile(
      unlabelled,
      'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount\n1,2018-04-01 10:00:00,1,2,10.5\n',
    );
    expect(await failure({ data: unlabelled, out: join(dir, 'y.csv') })).toMatchObject({
      exitCode: ExitCode.invalidData,
      message: expect.stringMatching(/needs fraud labels/),
    });
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { idFromString, simulateTransactions, TransactionsError, type TransactionColumns } from '@fraudops/transactions';
import { readTransactions, writeTransactions } from './dataset-io.js';

const COLUMN_KEYS = [
  'transactionId',
  'txDatetime',
  'customerId',
  'terminalId',
  'txAmount',
  'txFraud',
  'txFraudScenario',
  'txTimeSeconds',
  'txTimeDays',
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-transactions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function readError(
  path: string,
  options: Parameters<typeof readTransactions>[1] = {},
): Promise<TransactionsError> {
  try {
    await readTransactions(path, options);
  } catch (error) {
    if (error instanceof TransactionsError) return error;
    throw error;
  }
  throw new Error(`reading ${path} did not fail`);
}

describe('writeTransactions / readTransactions round trip', () => {
  const world = simulateTransactions({
    customers: 120,
    terminals: 300,
    days: 40,
    seed: 3,
  });

  it.each(['parquet', 'csv', 'csv.gz'])('returns exactly what was written (.%s)', async (extension) => {
    const path = join(dir, `round-trip.${extension}`);
    const written = await writeTransactions(path, world);
    expect(written.rows).toBe(world.length);
    expect(written.bytes).toBeGreaterThan(0);
    const read = await readTransactions(path);
    expect(read.length).toBe(world.length);
    for (const key of COLUMN_KEYS) expect(read[key]).toEqual(world[key]);
    expect(read.report).toMatchObject({
      rowsRead: world.length,
      invalidRows: 0,
      sorted: false,
      generatedTransactionIds: false,
    });
  });

  it('stores integers as integers and datetimes as UTC timestamps in Parquet', async () => {
    const path = join(dir, 'types.parquet');
    await writeTransactions(path, world);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const described = (
      await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)
    ).getRowObjectsJson();
    const first = (
      await connection.runAndReadAll(`SELECT CAST(tx_datetime AS VARCHAR) AS t FROM read_parquet('${path}') LIMIT 1`)
    ).getRowObjectsJson();
    connection.closeSync();
    instance.closeSync();
    expect(Object.fromEntries(described.map((c) => [c['column_name'], c['column_type']]))).toEqual({
      transaction_id: 'BIGINT',
      tx_datetime: 'TIMESTAMP',
      customer_id: 'BIGINT',
      terminal_id: 'BIGINT',
      tx_amount: 'DOUBLE',
      tx_fraud: 'TINYINT',
      tx_fraud_scenario: 'TINYINT',
      tx_time_seconds: 'BIGINT',
      tx_time_days: 'INTEGER',
    });
    expect(first[0]['t']).toBe(
      new Date(world.txDatetime[0] * 1000).toISOString().replace('T', ' ').replace('.000Z', ''),
    );
  });

  it('names the path when the file cannot be written', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const target = join(blocker, 'tx.parquet');
    await expect(writeTransactions(target, world)).rejects.toMatchObject({
      code: 'FILE_ERROR',
      message: expect.stringContaining(`cannot write ${target}`),
    });
  });

  it('refuses to write columns that break the contract', async () => {
    const bad: TransactionColumns = {
      length: 2,
      transactionId: new Float64Array([0, 1]),
      txDatetime: new Float64Array([0, 1]),
      customerId: new Float64Array([0, 1.5]),
      terminalId: new Float64Array([0, 0]),
      txAmount: new Float64Array([1, 2]),
    };
    await expect(writeTransactions(join(dir, 'bad.parquet'), bad)).rejects.toThrow(
      /row 1, column customer_id: must be a non-negative integer.*got 1.5/,
    );
  });
});

describe('readTransactions validation', () => {
  const header = 'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount\n';

  it('stops at a negative amount, naming the row, the column and the problem', async () => {
    const path = await csv(
      'negative.csv',
      `${header}0,2018-04-01 00:00:31,596,3156,57.16\n1,2018-04-01 00:02:10,4961,3412,-81.51\n`,
    );
    const error = await readError(path);
    expect(error.code).toBe('INVALID_ROW');
    expect(error.message).toBe(`${path}: row 2, column tx_amount: must be a finite number ≥ 0, got -81.51`);
  });

  it('names a missing column and the columns the file has', async () => {
    const path = await csv(
      'missing-column.csv',
      'transaction_id,tx_datetime,customer_id,terminal_id\n0,2018-04-01 00:00:31,596,3156\n',
    );
    const error = await readError(path);
    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.message).toContain('column tx_amount is missing');
    expect(error.message).toContain('the file has: transaction_id, tx_datetime, customer_id, terminal_id');
  });

  it('names a mapped column that is not in the file', async () => {
    const path = await csv('mapped-missing.csv', `${header}0,2018-04-01 00:00:31,596,3156,1\n`);
    const error = await readError(path, { columns: { tx_amount: 'amount' } });
    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.message).toContain('column "amount" (mapped to tx_amount) is missing');
  });

  it('reports unparsable and missing values with the raw text', async () => {
    const text = `${header}0,2018-04-01 00:00:31,596,3156,abc\n1,2018-04-01 00:00:32,,3156,3\n`;
    const path = await csv('unparsable.csv', text);
    expect((await readError(path)).message).toBe(
      `${path}: row 1, column tx_amount: must be a finite number ≥ 0, got "abc"`,
    );
    const skipped = await readTransactions(path, { onInvalid: 'skip' });
    expect(skipped.length).toBe(0);
    expect(skipped.report.invalidRows).toBe(2);
    expect(skipped.report.examples).toEqual([
      {
        row: 1,
        field: 'tx_amount',
        problem: 'must be a finite number ≥ 0',
        value: 'abc',
      },
      { row: 2, field: 'customer_id', problem: 'is missing' },
    ]);
  });

  it('skips invalid rows with --on-invalid skip and reports counts with examples', async () => {
    const rows = [
      '0,2018-04-01 00:00:31,596,3156,57.16',
      '1,2018-04-01 00:02:10,4961,3412,-81.51',
      '2,2018-04-01 00:07:56,2,1365,146.00',
      '3,not a date,4128,8737,64.49',
      '4,2018-04-01 00:09:29,927,9906,50.99',
    ];
    const path = await csv('skip.csv', header + rows.join('\n') + '\n');
    const read = await readTransactions(path, { onInvalid: 'skip' });
    expect(Array.from(read.transactionId)).toEqual([0, 2, 4]);
    expect(Array.from(read.txAmount)).toEqual([57.16, 146, 50.99]);
    expect(read.report.rowsRead).toBe(5);
    expect(read.report.invalidRows).toBe(2);
    expect(read.report.examples).toEqual([
      {
        row: 2,
        field: 'tx_amount',
        problem: 'must be a finite number ≥ 0',
        value: -81.51,
      },
      {
        row: 4,
        field: 'tx_datetime',
        problem: 'must be an ISO 8601 datetime or epoch seconds',
        value: 'not a date',
      },
    ]);
  });

  it('reads a foreign file through a column mapping: string ids, offsets, no transaction ids, any order', async () => {
    const path = await csv(
      'foreign.csv',
      [
        'time,card,merchant,amount,is_fraud',
        '2024-05-01T10:00:00+02:00,card-A,m-1,10.5,0',
        '2024-05-01T07:30:00Z,card-B,m-2,99.99,1',
        '2024-05-01T09:00:00,card-A,m-2,5,0',
      ].join('\n') + '\n',
    );
    const read = await readTransactions(path, {
      columns: {
        tx_datetime: 'time',
        customer_id: 'card',
        terminal_id: 'merchant',
        tx_amount: 'amount',
        tx_fraud: 'is_fraud',
      },
    });
    const at = (iso: string) => Date.parse(iso) / 1000;
    // 07:30Z, 08:00Z (10:00+02:00), 09:00Z; ids are the data-row numbers in the file
    expect(Array.from(read.txDatetime)).toEqual([
      at('2024-05-01T07:30:00Z'),
      at('2024-05-01T08:00:00Z'),
      at('2024-05-01T09:00:00Z'),
    ]);
    expect(Array.from(read.transactionId)).toEqual([1, 0, 2]);
    expect(Array.from(read.customerId)).toEqual([
      idFromString('card-B'),
      idFromString('card-A'),
      idFromString('card-A'),
    ]);
    expect(Array.from(read.terminalId)).toEqual([idFromString('m-2'), idFromString('m-1'), idFromString('m-2')]);
    expect(Array.from(read.txAmount)).toEqual([99.99, 10.5, 5]);
    expect(Array.from(read.txFraud ?? [])).toEqual([1, 0, 0]);
    expect(read.txFraudScenario).toBeUndefined();
    expect(read.report).toMatchObject({
      sorted: true,
      generatedTransactionIds: true,
      columnsUsed: { customer_id: 'card', tx_amount: 'amount' },
    });
  });

  it("reads the handbook's upper-case column names and epoch-second datetimes", async () => {
    const path = await csv(
      'handbook.csv',
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD\n0,1522540831,596,3156,57.16,0\n',
    );
    const read = await readTransactions(path);
    expect(read.length).toBe(1);
    expect(read.txDatetime[0]).toBe(1522540831);
    expect(read.txFraud?.[0]).toBe(0);
  });

  it('refuses unknown extensions and missing files', async () => {
    await expect(readTransactions(join(dir, 'x.json'))).rejects.toMatchObject({
      code: 'FILE_ERROR',
    });
    await expect(readTransactions(join(dir, 'nope.parquet'))).rejects.toThrow(/nope.parquet: no such file/);
  });
});

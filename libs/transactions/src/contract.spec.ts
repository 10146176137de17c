import {
  TransactionSchema,
  findInvalidValues,
  idFromString,
  parseDatetime,
  toTransactionColumns,
  FIELD_RULES,
} from './contract.js';
import type { TransactionColumns } from './columns.js';

const valid = {
  transaction_id: 0,
  tx_datetime: '2018-04-01T00:00:31Z',
  customer_id: 596,
  terminal_id: 3156,
  tx_amount: 57.16,
};

describe('TransactionSchema', () => {
  it('accepts integer or string ids, ISO 8601 or epoch-second datetimes, optional labels', () => {
    expect(TransactionSchema.safeParse(valid).success).toBe(true);
    expect(
      TransactionSchema.safeParse({
        ...valid,
        customer_id: 'card-7',
        tx_datetime: 1522540831,
        tx_fraud: 1,
        tx_fraud_scenario: 2,
      }).success,
    ).toBe(true);
    expect(TransactionSchema.safeParse({ ...valid, tx_datetime: '2018-04-01 00:00:31' }).success).toBe(false);
  });

  it('names the field and the problem', () => {
    const issues = (record: object) =>
      TransactionSchema.safeParse(record).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ ...valid, tx_amount: -1 })).toEqual([['tx_amount', 'must be a finite number ≥ 0']]);
    expect(issues({ ...valid, customer_id: 1.5 })).toEqual([
      ['customer_id', 'must be a non-negative integer (or a non-empty string id)'],
    ]);
    expect(issues({ ...valid, tx_fraud: 2 })).toEqual([['tx_fraud', 'must be 0 or 1']]);
    expect(issues({ ...valid, tx_datetime: 'yesterday' })).toEqual([
      ['tx_datetime', 'must be an ISO 8601 datetime or epoch seconds'],
    ]);
  });

  it('agrees with the columnar rules on edge values', () => {
    const cases: Array<[keyof typeof valid, number]> = [
      ['tx_amount', 0],
      ['tx_amount', -0.01],
      ['tx_amount', Number.MAX_VALUE],
      ['customer_id', 0],
      ['customer_id', -1],
      ['customer_id', 2 ** 53],
      ['customer_id', 2 ** 53 - 1],
      ['tx_datetime', -5],
      ['tx_datetime', 1.5],
    ];
    for (const [field, value] of cases) {
      const rule = FIELD_RULES.find((r) => r.field === field);
      expect([field, value, TransactionSchema.safeParse({ ...valid, [field]: value }).success]).toEqual([
        field,
        value,
        rule?.problem(value) === undefined,
      ]);
    }
  });
});

describe('toTransactionColumns', () => {
  it('lays validated records out as columns, mapping string ids and datetimes', () => {
    const columns = toTransactionColumns([
      { ...valid, tx_fraud: 0 },
      {
        ...valid,
        transaction_id: 'tx-9',
        customer_id: 'card-7',
        tx_datetime: '2018-04-01T02:00:00+02:00',
        tx_fraud: 1,
      },
    ]);
    expect(columns.length).toBe(2);
    expect(Array.from(columns.transactionId)).toEqual([0, idFromString('tx-9')]);
    expect(Array.from(columns.customerId)).toEqual([596, idFromString('card-7')]);
    expect(Array.from(columns.txDatetime)).toEqual([1522540831, 1522540800]);
    expect(Array.from(columns.txFraud ?? [])).toEqual([0, 1]);
    expect(columns.txFraudScenario).toBeUndefined();
  });

  it('names the record, the field and the problem of the first bad record', () => {
    expect(() => toTransactionColumns([valid, { ...valid, tx_amount: -3 }])).toThrow(
      'record 1, field tx_amount: must be a finite number ≥ 0',
    );
    const { tx_amount: _dropped, ...withoutAmount } = valid;
    expect(() => toTransactionColumns([withoutAmount])).toThrow('record 0, field tx_amount: is missing');
  });
});

describe('idFromString and parseDatetime', () => {
  it('maps a string to the same id below 2^53 every time, and different strings apart', () => {
    const ids = ['card-1', 'card-2', '', 'é', 'card-1'].map(idFromString);
    expect(ids[0]).toBe(ids[4]);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(Number.isSafeInteger(id) && id >= 0).toBe(true);
  });

  it('reads ISO strings as UTC unless they carry an offset', () => {
    expect(parseDatetime('2018-04-01T00:00:31')).toBe(1522540831);
    expect(parseDatetime('2018-04-01T00:00:31.5Z')).toBe(1522540831.5);
    expect(parseDatetime('2018-04-01T02:00:31+02:00')).toBe(1522540831);
    expect(parseDatetime('2018-04-01')).toBe(1522540800);
    expect(() => parseDatetime('soon')).toThrow(/tx_datetime "soon" must be an ISO 8601 datetime/);
  });
});

describe('findInvalidValues', () => {
  it('counts bad rows once and lists the first problems in row order', () => {
    const columns: TransactionColumns = {
      length: 4,
      transactionId: new Float64Array([0, 1, 2, 3]),
      txDatetime: new Float64Array([0, NaN, 2, 3]),
      customerId: new Float64Array([0, -1, 0, 0]),
      terminalId: new Float64Array([0, 0, 0, 0]),
      txAmount: new Float64Array([1, 1, 1, Infinity]),
      txFraud: new Uint8Array([0, 0, 1, 2]),
    };
    const { invalidRows, examples } = findInvalidValues(columns, { maxExamples: 3 });
    expect(invalidRows).toBe(2);
    expect(examples.map((e) => [e.row, e.field])).toEqual([
      [1, 'tx_datetime'],
      [1, 'customer_id'],
      [3, 'tx_amount'],
    ]);
  });
});

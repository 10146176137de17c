import { TransactionSchema } from './contract.js';
import { isPlainContractTransaction } from './contract-fast-check.js';

const plain = { transaction_id: 17, tx_datetime: 1_538_352_000, customer_id: 596, terminal_id: 3156, tx_amount: 57.16 };

/** Values each field may take in the cases below: valid ones, edge ones and wrong types. */
const VALUES: unknown[] = [
  0,
  -0,
  1,
  2,
  3,
  4,
  1.5,
  -1,
  -0.01,
  2 ** 53,
  2 ** 53 - 1,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  '',
  'card-7',
  '2018-10-01T08:15:00Z',
  '2018-10-01',
  null,
  true,
  [],
  {},
  undefined,
];
const FIELDS = [
  'transaction_id',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'tx_amount',
  'tx_fraud',
  'tx_fraud_scenario',
] as const;

describe('isPlainContractTransaction', () => {
  it('takes the everyday form: numeric ids and epoch seconds, string ids, labels and scenarios', () => {
    expect(isPlainContractTransaction(plain)).toBe(true);
    expect(
      isPlainContractTransaction({ ...plain, transaction_id: 'tx-1', customer_id: 'card-7', terminal_id: 'pos-9' }),
    ).toBe(true);
    expect(isPlainContractTransaction({ ...plain, tx_fraud: 1, tx_fraud_scenario: 3 })).toBe(true);
  });

  it('leaves to the schema what is not plain: ISO datetimes, unknown or missing fields, non-objects', () => {
    expect(isPlainContractTransaction({ ...plain, tx_datetime: '2018-10-01T08:15:00Z' })).toBe(false);
    expect(isPlainContractTransaction({ ...plain, note: 'x' })).toBe(false);
    const { tx_amount: _dropped, ...missing } = plain;
    expect(isPlainContractTransaction(missing)).toBe(false);
    expect(isPlainContractTransaction({ ...missing, tx_fraud: 0 })).toBe(false);
    for (const other of [null, [], 'tx', 7, undefined]) expect(isPlainContractTransaction(other)).toBe(false);
  });

  it('never takes what the schema refuses or would change, field by field over every value', () => {
    // Every field set to every value (one at a time, also adding the optional fields): whenever the check takes a
    // record, the schema accepts it and returns the same fields and values.
    let taken = 0;
    for (const field of FIELDS) {
      for (const value of VALUES) {
        const record: Record<string, unknown> = { ...plain, [field]: value };
        if (value === undefined) delete record[field];
        if (!isPlainContractTransaction(record)) continue;
        taken++;
        const parsed = TransactionSchema.safeParse(record);
        expect([field, value, parsed.success]).toEqual([field, value, true]);
        expect(parsed.data).toEqual(record);
      }
    }
    // And it takes enough of them to matter: the valid numbers and strings of each field.
    expect(taken).toBeGreaterThan(30);
  });
});

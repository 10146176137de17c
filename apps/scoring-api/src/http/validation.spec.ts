import { z } from 'zod';
import { ScoringError } from '../errors.js';
import { formatPath, parseBody } from './validation.js';

const schema = z.strictObject({
  transactions: z
    .array(z.strictObject({ transaction_id: z.number().int(), tx_amount: z.number().min(0) }))
    .min(1)
    .max(3),
});

function problems(body: unknown): ScoringError {
  try {
    parseBody(schema, body, 'score request');
  } catch (error) {
    return error as ScoringError;
  }
  throw new Error('expected a validation error');
}

describe('request validation', () => {
  it('formats paths the way clients write them', () => {
    expect(formatPath(['transactions', 3, 'tx_amount'])).toBe('transactions[3].tx_amount');
    expect(formatPath([])).toBe('(body)');
  });

  it('names every bad field with its problem', () => {
    const error = problems({ transactions: [{ transaction_id: 1, tx_amount: -5 }, { tx_amount: 'ten' }] });
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.status).toBe(400);
    expect(error.details).toEqual([
      { path: 'transactions[0].tx_amount', problem: 'must be ≥ 0' },
      { path: 'transactions[1].transaction_id', problem: 'is required (number)' },
      { path: 'transactions[1].tx_amount', problem: 'must be of type number' },
    ]);
    expect(error.message).toBe('Invalid score request: transactions[0].tx_amount must be ≥ 0 (and 2 more).');
  });

  it('never echoes the values it rejects', () => {
    const secretish = '4111-1111-1111-1111';
    const error = problems({ transactions: [{ transaction_id: secretish, tx_amount: secretish, card: secretish }] });
    const text = JSON.stringify({ message: error.message, details: error.details });
    expect(text).not.toContain('4111');
    expect(error.details).toContainEqual({ path: 'transactions[0]', problem: 'has unknown field "card"' });
  });

  it('reports array sizes and caps the number of details', () => {
    expect(problems({ transactions: [] }).details).toEqual([
      { path: 'transactions', problem: 'must have at least 1 item' },
    ]);
    expect(problems({ transactions: [{}, {}, {}, {}] }).details).toEqual([
      { path: 'transactions', problem: 'must have at most 3 items' },
    ]);
    // 3 rows × (unknown field + 2 missing fields) + 12 rows × 2 missing fields = 33 issues.
    const rows = z.strictObject({ transactions: z.array(schema.shape.transactions.element) });
    let many: ScoringError | undefined;
    try {
      parseBody(
        rows,
        {
          transactions: [...Array.from({ length: 3 }, () => ({ extra: 1 })), ...Array.from({ length: 12 }, () => ({}))],
        },
        'x',
      );
    } catch (error) {
      many = error as ScoringError;
    }
    expect(many?.details).toHaveLength(21);
    expect(many?.details[20]).toEqual({ path: '(body)', problem: '13 more problems not shown' });
  });
});

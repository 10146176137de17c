import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactionSchema } from '@fraudops/transactions';
import { readHistory } from './warmup.js';

describe('readHistory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudops-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads CSV with a BOM, CRLF, quotes, blank lines and labels', async () => {
    const path = file(
      'history.csv',
      '\uFEFFTRANSACTION_ID,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud\r\n' +
        '1,"2018-04-01T00:00:31Z",596,3156,57.16,0\r\n\r\n' +
        '2,2018-04-01T00:02:10Z,4961,3412,81.51,1\r\n',
    );
    const rows = await readHistory(path, TransactionSchema);
    expect(rows.map((row) => [(row.transaction as { transaction_id: number }).transaction_id, row.fraud])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('names the line and the field of a bad row, and the line where an unterminated quote opens', async () => {
    const bad = file(
      'bad.csv',
      'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount\n1,2018-04-01T00:00:31Z,596,3156,57.16\n\n2,2018-04-01T00:02:10Z,4961,3412,-5\n',
    );
    await expect(readHistory(bad, TransactionSchema)).rejects.toThrow(/^HISTORY .*bad\.csv line 4: tx_amount /);
    const open = file(
      'open.csv',
      'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount\n1,"2018-04-01T00:00:31Z,596,3156,57.16\n',
    );
    await expect(readHistory(open, TransactionSchema)).rejects.toThrow(/open\.csv line 2: unterminated quoted field$/);
  });
});

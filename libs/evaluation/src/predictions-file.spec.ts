import { parsePredictionsCsv } from './index.js';

describe('parsePredictionsCsv', () => {
  it('reads score and label plus optional customer_id, ISO day and amount, in any column order', () => {
    const table = parsePredictionsCsv(
      'day,customer_id,amount,label,score\n2018-08-08,596,57.16,0,0.12\n2018-08-09T13:00:00Z,17,220.5,1,0.93\n',
    );
    expect(Array.from(table.scores)).toEqual([0.12, 0.93]);
    expect(Array.from(table.labels)).toEqual([0, 1]);
    expect(Array.from(table.cardIds ?? [])).toEqual([596, 17]);
    expect(Array.from(table.days ?? [])).toEqual([17751, 17752]); // days since 1970-01-01
    expect(Array.from(table.amounts ?? [])).toEqual([57.16, 220.5]);
    expect(table.optionalColumns).toEqual(['customer_id', 'day', 'amount']);
  });

  it('accepts aliases, CRLF, quotes, a BOM, and maps non-numeric card ids to integers', () => {
    const table = parsePredictionsCsv(
      '\uFEFFPREDICTION,TX_FRAUD,card_id\r\n0.5,1,"A,1"\r\n0.25,0,B\r\n0.75,0,"A,1"\r\n',
    );
    expect(Array.from(table.scores)).toEqual([0.5, 0.25, 0.75]);
    expect(Array.from(table.cardIds ?? [])).toEqual([0, 1, 0]);
    expect(table.days).toBeUndefined();
  });

  it('names the line and column of bad data', () => {
    expect(() => parsePredictionsCsv('score,label\n0.5,1\nabc,0\n', 'preds.csv')).toThrow(
      'preds.csv line 3, column score: "abc" is not a number',
    );
    expect(() => parsePredictionsCsv('score,label\n0.5,2\n', 'p.csv')).toThrow(
      expect.objectContaining({ code: 'INVALID_LABEL', message: 'p.csv line 2, column label: 2 is not 0 or 1' }),
    );
    expect(() => parsePredictionsCsv('score,label\nNaN,1\n')).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(() => parsePredictionsCsv('score,label\n0.5\n')).toThrow(
      'predictions line 2: 1 fields but the header has 2',
    );
    expect(() => parsePredictionsCsv('label,customer\n1,2\n')).toThrow(
      expect.objectContaining({ code: 'MISSING_COLUMN' }),
    );
    expect(() => parsePredictionsCsv('score,label\n')).toThrow(expect.objectContaining({ code: 'EMPTY_INPUT' }));
    expect(() => parsePredictionsCsv('score,label,day\n0.1,0,3\n0.2,1,2018-01-01\n')).toThrow(/line 3, column day/);
  });
});

describe('parsePredictionsCsv on quoted CSV', () => {
  it('reads a quoted field across lines and names the line a record ends on', () => {
    const table = parsePredictionsCsv('score,label,card\n0.5,1,"A\nB"\n0.25,0,C\n');
    expect(Array.from(table.scores)).toEqual([0.5, 0.25]);
    expect(() => parsePredictionsCsv('score,label,card\n0.5,1,"A\nB"\nx,0,C\n', 'q.csv')).toThrow(
      'q.csv line 4, column score: "x" is not a number',
    );
  });

  it('names the line where an unterminated quote opens', () => {
    expect(() => parsePredictionsCsv('score,label\n0.5,1\n0.25,"0\n', 'u.csv')).toThrow(
      expect.objectContaining({ code: 'INVALID_FILE', message: 'u.csv line 3: unterminated quoted field' }),
    );
  });
});

import type { TransactionColumns } from './columns.js';
import { dayIndices, prequentialFolds, takeRows, timeSplit } from './splits.js';

const START = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86400;

/** One row per [day, card, fraud], at noon; transaction ids are the row numbers. */
function columnsOf(rows: Array<[number, number, number]>, labelled = true): TransactionColumns {
  const n = rows.length;
  const columns: TransactionColumns = {
    length: n,
    transactionId: Float64Array.from(rows, (_, i) => i),
    txDatetime: Float64Array.from(rows, ([day]) => START + day * DAY + 43200),
    customerId: Float64Array.from(rows, ([, card]) => card),
    terminalId: new Float64Array(n),
    txAmount: Float64Array.from(rows, (_, i) => 10 + i),
  };
  if (labelled) columns.txFraud = Uint8Array.from(rows, ([, , fraud]) => fraud);
  return columns;
}

const [A, B, C, D, E] = [1, 2, 3, 4, 5];
// train days 2–4, delay days 5–6, test days 7–8
const rows: Array<[number, number, number]> = [
  [1, A, 1], // 0: before training: A's fraud is not "known" by the split
  [2, B, 0], // 1: train
  [3, C, 1], // 2: train, C known compromised from the first test day on
  [4, D, 0], // 3: train
  [5, E, 1], // 4: delay period: E known from test day 8 (= 5 + delay + 1), not on day 7
  [7, A, 0], // 5: test, kept
  [7, C, 0], // 6: test, dropped
  [7, E, 0], // 7: test, kept (E's fraud is not known yet on day 7)
  [8, E, 0], // 8: test, dropped
  [8, B, 0], // 9: test, kept
  [9, B, 0], // 10: after the test period
];
const options = { trainStart: 2, trainDays: 3, delayDays: 2, testDays: 2, startDate: '2024-01-01' };

describe('timeSplit', () => {
  it('trains on the training days and tests after the delay, dropping cards known compromised by each test day', () => {
    const split = timeSplit(columnsOf(rows), options);
    expect(Array.from(split.train)).toEqual([1, 2, 3]);
    expect(Array.from(split.test)).toEqual([5, 7, 9]);
    expect(split.trainDays).toEqual([2, 4]);
    expect(split.testDays).toEqual([7, 8]);
  });

  it('keeps every test row when asked not to drop known cards, or when the data is unlabelled', () => {
    expect(Array.from(timeSplit(columnsOf(rows), { ...options, dropKnownCompromised: false }).test)).toEqual([
      5, 6, 7, 8, 9,
    ]);
    expect(Array.from(timeSplit(columnsOf(rows, false), options).test)).toEqual([5, 6, 7, 8, 9]);
    expect(() => timeSplit(columnsOf(rows, false), { ...options, dropKnownCompromised: true })).toThrow(
      /needs labelled transactions/,
    );
  });

  it('accepts the training start as a date', () => {
    expect(Array.from(timeSplit(columnsOf(rows), { ...options, trainStart: '2024-01-03' }).train)).toEqual([1, 2, 3]);
  });

  it('counts days from the first transaction when no start date is given', () => {
    // the first row is on day 1 of options.startDate, so every day index shifts by one
    const { startDate: _ignored, ...withoutStart } = options;
    expect(Array.from(dayIndices(columnsOf(rows)).slice(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(timeSplit(columnsOf(rows), { ...withoutStart, trainStart: 1 }).train)).toEqual([1, 2, 3]);
  });

  it('refuses impossible windows, naming the option', () => {
    expect(() => timeSplit(columnsOf(rows), { ...options, trainDays: 0 })).toThrow(
      /trainDays must be a positive integer/,
    );
    expect(() => timeSplit(columnsOf(rows), { ...options, delayDays: -1 })).toThrow(
      /delayDays must be a non-negative integer/,
    );
    expect(() => timeSplit(columnsOf(rows), { ...options, trainStart: 2.5 })).toThrow(
      /trainStart must be an integer day index/,
    );
  });
});

describe('prequentialFolds', () => {
  it('moves each fold back by the test length', () => {
    const folds = prequentialFolds(columnsOf(rows), { ...options, trainStart: 4, folds: 2 });
    expect(folds.map((f) => [f.trainDays, f.testDays])).toEqual([
      [
        [4, 6],
        [9, 10],
      ],
      [
        [2, 4],
        [7, 8],
      ],
    ]);
    expect(Array.from(folds[1].test)).toEqual([5, 7, 9]);
  });

  it('refuses folds that would start before day 0', () => {
    expect(() => prequentialFolds(columnsOf(rows), { ...options, trainStart: 2, folds: 3 })).toThrow(
      /would start training on day -2/,
    );
  });
});

describe('takeRows', () => {
  it('copies the chosen rows of every present column', () => {
    const taken = takeRows(columnsOf(rows), Uint32Array.from([2, 9]));
    expect(taken.length).toBe(2);
    expect(Array.from(taken.customerId)).toEqual([C, B]);
    expect(Array.from(taken.txAmount)).toEqual([12, 19]);
    expect(Array.from(taken.txFraud ?? [])).toEqual([1, 0]);
    expect(taken.txFraudScenario).toBeUndefined();
  });
});

import type { TransactionColumns } from './columns.js';
import { TransactionsError } from './errors.js';
import { parseStartDate } from './simulator.js';
import { knownCompromised, splitWindows } from './split-windows.js';

const SECONDS_PER_DAY = 86400;

/** A time-based split as row indices (ascending, i.e. in time order) into the columns it came from. */
export interface TimeSplit {
  train: Uint32Array;
  test: Uint32Array;
  /** First and last training day (inclusive, as day indices). */
  trainDays: [number, number];
  /** First and last test day (inclusive). */
  testDays: [number, number];
}

export interface TimeSplitOptions {
  /** First training day: a day index (0 = the dataset's day 0) or a date `YYYY-MM-DD`. */
  trainStart: number | string;
  /** @defaultValue 7 */
  trainDays?: number;
  /** Days between training and test, during which labels are not yet known. @defaultValue 7 */
  delayDays?: number;
  /** @defaultValue 7 */
  testDays?: number;
  /**
   * Drop from each test day the cards with a fraud already known by then: on a day from `trainStart` up to
   * the test day minus the delay minus one (the handbook's rule: those cards would be blocked). Needs
   * `txFraud`. @defaultValue true when the columns are labelled
   */
  dropKnownCompromised?: boolean;
  /**
   * Day 0 as `YYYY-MM-DD` (UTC). @defaultValue the columns' `txTimeDays` when present, else the UTC date of the
   * first transaction
   */
  startDate?: string;
}

/** Day index of every row: `txTimeDays` when present, else whole UTC days since `startDate`. */
export function dayIndices(columns: TransactionColumns, startDate?: string): Float64Array {
  if (columns.txTimeDays && startDate === undefined) return columns.txTimeDays;
  const start = startDate !== undefined ? parseStartDate(startDate) : firstMidnight(columns);
  const days = new Float64Array(columns.length);
  for (let i = 0; i < columns.length; i++) days[i] = Math.floor((columns.txDatetime[i] - start) / SECONDS_PER_DAY);
  return days;
}

function firstMidnight(columns: TransactionColumns): number {
  let first = Infinity;
  for (let i = 0; i < columns.length; i++) if (columns.txDatetime[i] < first) first = columns.txDatetime[i];
  return Number.isFinite(first) ? Math.floor(first / SECONDS_PER_DAY) * SECONDS_PER_DAY : 0;
}

function dayOf(
  value: number | string,
  columns: TransactionColumns,
  startDate: string | undefined,
  name: string,
): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new TransactionsError('INVALID_PARAMETER', `${name} must be an integer day index, got ${value}`);
    return value;
  }
  const start =
    startDate !== undefined ? parseStartDate(startDate) : columns.txTimeDays ? undefined : firstMidnight(columns);
  if (start === undefined) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `${name} "${value}" is a date: pass startDate too (the day index of simulated data is relative to it)`,
    );
  }
  return Math.round((parseStartDate(value) - start) / SECONDS_PER_DAY);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TransactionsError('INVALID_PARAMETER', `${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Train on `trainDays` days from `trainStart`, wait `delayDays`, test on the next `testDays` days; optionally
 * drop from each test day the cards already known to be compromised. Pure: row indices, no copies.
 */
export function timeSplit(columns: TransactionColumns, options: TimeSplitOptions): TimeSplit {
  const trainDays = positiveInteger(options.trainDays ?? 7, 'trainDays');
  const testDays = positiveInteger(options.testDays ?? 7, 'testDays');
  const delayDays = options.delayDays ?? 7;
  if (!Number.isInteger(delayDays) || delayDays < 0) {
    throw new TransactionsError('INVALID_PARAMETER', `delayDays must be a non-negative integer, got ${delayDays}`);
  }
  const dropKnown = options.dropKnownCompromised ?? columns.txFraud !== undefined;
  if (dropKnown && !columns.txFraud) {
    throw new TransactionsError('INVALID_PARAMETER', 'dropKnownCompromised needs labelled transactions (tx_fraud)');
  }
  const trainStart = dayOf(options.trainStart, columns, options.startDate, 'trainStart');
  const windows = splitWindows({ trainStart, trainDays, delayDays, testDays });
  const [, trainEnd] = windows.train;
  const [testStart, testEnd] = windows.test;
  const days = dayIndices(columns, options.startDate);

  // The first day (from trainStart on) each card had a fraud: it is known compromised `delayDays` + 1 later.
  const firstFraudDay = new Map<number, number>();
  if (dropKnown && columns.txFraud) {
    for (let i = 0; i < columns.length; i++) {
      const day = days[i];
      if (columns.txFraud[i] !== 1 || day < trainStart || day > testEnd) continue;
      const card = columns.customerId[i];
      const known = firstFraudDay.get(card);
      if (known === undefined || day < known) firstFraudDay.set(card, day);
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const day = days[i];
    if (day >= trainStart && day <= trainEnd) train.push(i);
    else if (day >= testStart && day <= testEnd) {
      if (!knownCompromised(firstFraudDay.get(columns.customerId[i]), day, delayDays)) test.push(i);
    }
  }
  return {
    train: Uint32Array.from(train),
    test: Uint32Array.from(test),
    trainDays: [trainStart, trainEnd],
    testDays: [testStart, testEnd],
  };
}

/** The handbook's baseline split (chapter 3.4): train days 115–121, 7-day delay, test days 129–135. */
export function baselineSplit(columns: TransactionColumns): TimeSplit {
  return timeSplit(columns, { trainStart: 115, trainDays: 7, delayDays: 7, testDays: 7 });
}

export interface PrequentialOptions extends TimeSplitOptions {
  /** @defaultValue 4 */
  folds?: number;
}

/**
 * Prequential validation folds: fold k is {@link timeSplit} with the training start moved back k test
 * lengths, so every fold tests on an earlier period than the one before.
 */
export function prequentialFolds(columns: TransactionColumns, options: PrequentialOptions): TimeSplit[] {
  const folds = positiveInteger(options.folds ?? 4, 'folds');
  const testDays = options.testDays ?? 7;
  const trainStart = dayOf(options.trainStart, columns, options.startDate, 'trainStart');
  const earliest = trainStart - (folds - 1) * testDays;
  if (earliest < 0) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `${folds} folds of ${testDays} test days from day ${trainStart} would start training on day ${earliest}, before day 0`,
    );
  }
  return Array.from({ length: folds }, (_, fold) =>
    timeSplit(columns, { ...options, trainStart: trainStart - fold * testDays }),
  );
}

/** The given rows of every column, as new columns (e.g. a split's train or test set). */
export function takeRows(columns: TransactionColumns, rows: ArrayLike<number>): TransactionColumns {
  const pick = <T extends Float64Array | Uint8Array>(values: T | undefined): T | undefined => {
    if (!values) return undefined;
    const out = new (values.constructor as new (n: number) => T)(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
    return out;
  };
  const taken: TransactionColumns = {
    length: rows.length,
    transactionId: pick(columns.transactionId) as Float64Array,
    txDatetime: pick(columns.txDatetime) as Float64Array,
    customerId: pick(columns.customerId) as Float64Array,
    terminalId: pick(columns.terminalId) as Float64Array,
    txAmount: pick(columns.txAmount) as Float64Array,
  };
  if (columns.txFraud) taken.txFraud = pick(columns.txFraud);
  if (columns.txFraudScenario) taken.txFraudScenario = pick(columns.txFraudScenario);
  if (columns.txTimeSeconds) taken.txTimeSeconds = pick(columns.txTimeSeconds);
  if (columns.txTimeDays) taken.txTimeDays = pick(columns.txTimeDays);
  return taken;
}

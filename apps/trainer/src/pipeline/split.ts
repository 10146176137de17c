import {
  checkWindowClasses,
  dayIndices,
  splitWindows,
  timeSplit,
  TransactionsError,
  type SplitParameterNames,
  type TransactionColumns,
} from '@fraudops/transactions';
import type { FeatureMatrix, FeatureTable } from '@fraudops/features';

/** Which days train, validate (early stopping) and test a model; day indices count from `startDate`. */
export interface SplitOptions {
  /** First training day: a day index or `YYYY-MM-DD`. @defaultValue 115 (the handbook's 2018-07-25) */
  trainStart: number | string;
  trainDays: number;
  delayDays: number;
  testDays: number;
  /** The last days of the training window held out for early stopping (0: no early stopping). */
  validationDays: number;
}

/** The split's parameters as `fraudops-train` calls them, so the split rules' messages name the flags. */
export const SPLIT_FLAGS: SplitParameterNames = {
  trainStart: '--train-start',
  trainDays: '--train-days',
  delayDays: '--delay-days',
  testDays: '--test-days',
  validationDays: '--validation-days',
};

/** Rows of one window: indices into the feature table, plus what the model and evaluation need of them. */
export interface WindowRows {
  rows: Uint32Array;
  matrix: FeatureMatrix;
  labels: Uint8Array;
  /** Card (customer) id, day index and amount of each row, for card precision and cost thresholds. */
  cardIds: Float64Array;
  days: Float64Array;
  amounts: Float64Array;
  /** First and last day (inclusive), as day indices. */
  period: [number, number];
}

export interface PreparedSplit {
  train: WindowRows;
  validation?: WindowRows;
  test: WindowRows;
  /** Days of the whole training window (train + validation). */
  trainWindow: [number, number];
  delayDays: number;
}

/**
 * The transactions in the feature table's row order (both are sorted by time, then id; a file read with
 * another order is matched by transaction id), so split indices address feature rows directly.
 */
export function alignToFeatures(table: FeatureTable, columns: TransactionColumns): TransactionColumns {
  // Usually the feature rows are a contiguous run of the transactions (a time range of the same order).
  const offset = table.rowCount > 0 ? columns.transactionId.indexOf(table.transactionId[0]) : 0;
  let contiguous = offset >= 0 && offset + table.rowCount <= columns.length;
  for (let i = 0; contiguous && i < table.rowCount; i++)
    contiguous = table.transactionId[i] === columns.transactionId[offset + i];
  if (contiguous) {
    const end = offset + table.rowCount;
    return {
      length: table.rowCount,
      transactionId: columns.transactionId.subarray(offset, end),
      txDatetime: columns.txDatetime.subarray(offset, end),
      customerId: columns.customerId.subarray(offset, end),
      terminalId: columns.terminalId.subarray(offset, end),
      txAmount: columns.txAmount.subarray(offset, end),
      txFraud: columns.txFraud?.subarray(offset, end),
    };
  }
  const rowOf = new Map<number, number>();
  for (let i = 0; i < columns.length; i++) rowOf.set(columns.transactionId[i], i);
  const amount = new Float64Array(table.rowCount);
  for (let i = 0; i < table.rowCount; i++) {
    const row = rowOf.get(table.transactionId[i]);
    if (row === undefined)
      throw new Error(`transaction ${table.transactionId[i]} is in the features but not in the data`);
    amount[i] = columns.txAmount[row];
  }
  return {
    length: table.rowCount,
    transactionId: table.transactionId,
    txDatetime: table.txDatetime,
    customerId: table.customerId,
    terminalId: table.terminalId,
    txAmount: amount,
    txFraud: table.label,
  };
}

export function selectRows(matrix: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const { cols } = matrix;
  const values = new Float32Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++)
    values.set(matrix.values.subarray(rows[i] * cols, rows[i] * cols + cols), i * cols);
  return { rows: rows.length, cols, values };
}

function windowRows(
  table: FeatureTable,
  columns: TransactionColumns,
  days: Float64Array,
  rows: Uint32Array,
  period: [number, number],
): WindowRows {
  const labels = new Uint8Array(rows.length);
  const cardIds = new Float64Array(rows.length);
  const dayOf = new Float64Array(rows.length);
  const amounts = new Float64Array(rows.length);
  const label = table.label ?? columns.txFraud;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    labels[i] = label ? label[row] : 0;
    cardIds[i] = columns.customerId[row];
    dayOf[i] = days[row];
    amounts[i] = columns.txAmount[row];
  }
  return { rows, matrix: selectRows(table.matrix, rows), labels, cardIds, days: dayOf, amounts, period };
}

function describeDays(window: WindowRows, name: string): void {
  let frauds = 0;
  for (let i = 0; i < window.labels.length; i++) frauds += window.labels[i];
  checkWindowClasses(name, window.period, { rows: window.rows.length, frauds }, { names: SPLIT_FLAGS });
}

/** Train/validation/test windows over the feature table, per the options (the handbook's rules by default). */
export function prepareSplit(
  table: FeatureTable,
  columns: TransactionColumns,
  startDate: string,
  options: SplitOptions,
): PreparedSplit {
  if (!table.label)
    throw new TransactionsError('MISSING_COLUMN', 'the data has no tx_fraud labels: training needs them');
  const aligned = alignToFeatures(table, columns);
  const split = timeSplit(aligned, {
    trainStart: options.trainStart,
    trainDays: options.trainDays,
    delayDays: options.delayDays,
    testDays: options.testDays,
    startDate,
  });
  const days = dayIndices(aligned, startDate);
  const windows = splitWindows({ ...options, trainStart: split.trainDays[0] }, SPLIT_FLAGS);
  const validationPeriod = windows.validation;
  const fitRows = validationPeriod ? split.train.filter((row) => days[row] <= windows.train[1]) : split.train;
  const validationRows = validationPeriod ? split.train.filter((row) => days[row] >= validationPeriod[0]) : undefined;
  const train = windowRows(table, aligned, days, fitRows, windows.train);
  const validation =
    validationRows && validationPeriod ? windowRows(table, aligned, days, validationRows, validationPeriod) : undefined;
  const test = windowRows(table, aligned, days, split.test, split.testDays);
  describeDays(train, 'training');
  if (validation) describeDays(validation, 'validation');
  describeDays(test, 'test');
  return { train, validation, test, trainWindow: split.trainDays, delayDays: options.delayDays };
}

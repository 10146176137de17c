import { TransactionsError } from './errors.js';

/** First and last day (inclusive) of a window, as day indices from the dataset's day 0. */
export type DayRange = [number, number];

/**
 * The windows of a time-based split, in day indices: the model is fitted on `train`, stopped early on
 * `validation` (the last `validationDays` of the training window, when any), and tested on `test`, which
 * starts `delayDays` after the training window ends (labels are not known before).
 */
export interface SplitWindows {
  train: DayRange;
  validation?: DayRange;
  test: DayRange;
  delayDays: number;
}

export interface SplitWindowOptions {
  /** First training day, as a day index. */
  trainStart: number;
  trainDays: number;
  delayDays: number;
  testDays: number;
  /** Days at the end of the training window held out for early stopping. @defaultValue 0 */
  validationDays?: number;
}

/**
 * How a caller's user knows the parameters (`{ validationDays: '--validation-days' }`), so that messages
 * name what the user typed. @defaultValue the parameter names
 */
export type SplitParameterNames = Partial<Record<keyof SplitWindowOptions, string>>;

const named = (names: SplitParameterNames, key: keyof SplitWindowOptions) => names[key] ?? key;

/**
 * The split's windows from its parameters: the one statement of the split rules, which `timeSplit` (rows of
 * columns), the trainer and the warehouse SQL (`compileSplitTablesSql` in `@fraudops/features`) all follow.
 */
export function splitWindows(options: SplitWindowOptions, names: SplitParameterNames = {}): SplitWindows {
  const integer = (key: keyof SplitWindowOptions, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) {
      throw new TransactionsError(
        'INVALID_PARAMETER',
        `${named(names, key)} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${value}`,
      );
    }
    return value;
  };
  if (!Number.isInteger(options.trainStart)) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `${named(names, 'trainStart')} must be an integer day index, got ${options.trainStart}`,
    );
  }
  const trainDays = integer('trainDays', options.trainDays, 1);
  const testDays = integer('testDays', options.testDays, 1);
  const delayDays = integer('delayDays', options.delayDays, 0);
  const validationDays = options.validationDays ?? 0;
  if (!Number.isInteger(validationDays) || validationDays < 0 || validationDays >= trainDays) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `${named(names, 'validationDays')} must be an integer from 0 to ${trainDays - 1} (fewer than ${named(names, 'trainDays')}), got ${validationDays}`,
    );
  }
  const trainEnd = options.trainStart + trainDays - 1;
  const fitEnd = trainEnd - validationDays;
  const testStart = trainEnd + delayDays + 1;
  return {
    train: [options.trainStart, fitEnd],
    ...(validationDays > 0 ? { validation: [fitEnd + 1, trainEnd] as DayRange } : {}),
    test: [testStart, testStart + testDays - 1],
    delayDays,
  };
}

/** The whole training window (fit + validation). */
export function trainingWindow(windows: SplitWindows): DayRange {
  return [windows.train[0], windows.validation?.[1] ?? windows.train[1]];
}

/**
 * The handbook's rule for the test days: a card with a fraud on a day from the training start up to the
 * test day minus the delay minus one is known compromised on that test day (it would be blocked), so its
 * transactions leave the test set. `firstFraudDay` is the card's first fraud day from the training start on.
 */
export function knownCompromised(firstFraudDay: number | undefined, day: number, delayDays: number): boolean {
  return firstFraudDay !== undefined && firstFraudDay <= day - delayDays - 1;
}

/**
 * A window must hold both classes to train or evaluate on: `EMPTY_WINDOW` when it holds no transaction,
 * `SINGLE_CLASS` when every row has the same label. `name` is how the caller calls it (`training`, `test`).
 */
export function checkWindowClasses(
  name: string,
  period: DayRange,
  counts: { rows: number; frauds: number },
  options: { dates?: [string, string]; names?: SplitParameterNames } = {},
): void {
  const dates = options.dates ? `, ${options.dates[0]}…${options.dates[1]}` : '';
  if (counts.rows === 0) {
    throw new TransactionsError(
      'EMPTY_WINDOW',
      `the ${name} window (days ${period[0]}–${period[1]}${dates}) has no transactions: check ${named(options.names ?? {}, 'trainStart')} and the window lengths`,
    );
  }
  if (counts.frauds === 0 || counts.frauds === counts.rows) {
    throw new TransactionsError(
      'SINGLE_CLASS',
      `the ${name} window (days ${period[0]}–${period[1]}) has a single class (${counts.frauds} frauds in ${counts.rows} rows): a model cannot be ${name === 'test' ? 'evaluated' : 'trained'} on it`,
    );
  }
}

import { EvaluationError, EvaluationErrorCode } from './errors.js';

/**
 * Input checks shared by every metric: they run before any arithmetic so that bad data becomes an error
 * that names the argument and the row, never a NaN in a report.
 */

/** Scores and 0/1 labels after validation (labels copied into a `Uint8Array`). */
export interface CheckedBinary {
  scores: ArrayLike<number>;
  labels: Uint8Array;
  positives: number;
  negatives: number;
}

function describe(value: number): string {
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** Throws unless every value is a finite number; `name` is how the message refers to the array. */
export function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // typeof guards plain arrays holding strings or undefined
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new EvaluationError(
        EvaluationErrorCode.nonFinite,
        `${name}[${i}] is ${typeof value === 'number' ? describe(value) : typeof value}; every value must be a finite number`,
      );
    }
  }
}

export function checkSameLength(
  expected: number,
  values: ArrayLike<unknown>,
  name: string,
  reference = 'scores',
): void {
  if (values.length !== expected) {
    throw new EvaluationError(
      EvaluationErrorCode.lengthMismatch,
      `${name} has ${values.length} values but ${reference} has ${expected}; they must be aligned row by row`,
    );
  }
}

export function checkNotEmpty(length: number, name = 'scores'): void {
  if (length === 0)
    throw new EvaluationError(EvaluationErrorCode.emptyInput, `${name} is empty; at least one row is needed`);
}

/** Validates scores and labels together: same length, at least one row, finite scores, labels in {0, 1}. */
export function checkBinary(scores: ArrayLike<number>, labels: ArrayLike<number>): CheckedBinary {
  checkSameLength(scores.length, labels, 'labels');
  checkNotEmpty(scores.length);
  checkFinite(scores, 'scores');
  const checked = new Uint8Array(labels.length);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === 1) {
      checked[i] = 1;
      positives++;
    } else if (label !== 0) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidLabel,
        `labels[${i}] is ${typeof label === 'number' ? describe(label) : JSON.stringify(label)}; labels must be 0 (genuine) or 1 (fraud)`,
      );
    }
  }
  return { scores, labels: checked, positives, negatives: labels.length - positives };
}

/** For metrics that rank positives against negatives (ROC AUC, recall at a false-positive rate). */
export function requireBothClasses(positives: number, negatives: number, metric: string): void {
  if (positives === 0 || negatives === 0) {
    throw new EvaluationError(
      EvaluationErrorCode.singleClass,
      `${metric} needs both classes but the labels have ${positives === 0 ? 'no fraud (1)' : 'no genuine (0)'} rows`,
    );
  }
}

/** For metrics that are averages over the positives (average precision, recall). */
export function requirePositives(positives: number, metric: string): void {
  if (positives === 0) {
    throw new EvaluationError(
      EvaluationErrorCode.singleClass,
      `${metric} needs at least one fraud (label 1) but there is none`,
    );
  }
}

/** For probability metrics (Brier, log loss, calibration): scores must lie in [0, 1]. */
export function requireProbabilities(scores: ArrayLike<number>, metric: string): void {
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (score < 0 || score > 1) {
      throw new EvaluationError(
        EvaluationErrorCode.scoreOutOfRange,
        `${metric} needs probabilities in [0, 1] but scores[${i}] is ${score}`,
      );
    }
  }
}

export function requirePositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new EvaluationError(EvaluationErrorCode.invalidArgument, `${name} must be a positive integer, got ${value}`);
  }
}

export function requireInRange(value: number, name: string, lower: number, upper: number, inclusive = true): void {
  const inside = inclusive ? value >= lower && value <= upper : value > lower && value < upper;
  if (!(typeof value === 'number' && inside)) {
    const bounds = inclusive ? `[${lower}, ${upper}]` : `(${lower}, ${upper})`;
    throw new EvaluationError(EvaluationErrorCode.invalidArgument, `${name} must be in ${bounds}, got ${value}`);
  }
}

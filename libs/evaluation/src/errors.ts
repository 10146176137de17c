/**
 * The one root error of `@fraudops/evaluation`. `code` is stable (apps map it to exit codes and HTTP
 * statuses); the message names the argument, row or column and the problem.
 */
export const EvaluationErrorCode = {
  /** Two arrays that must be aligned row by row have different lengths. */
  lengthMismatch: 'LENGTH_MISMATCH',
  /** No rows at all, or fewer than a computation needs. */
  emptyInput: 'EMPTY_INPUT',
  /** A score (or another numeric input) is NaN or ±Infinity. */
  nonFinite: 'NON_FINITE',
  /** A label is not 0 or 1. */
  invalidLabel: 'INVALID_LABEL',
  /** The metric needs both classes (or at least one positive) and the labels have only one. */
  singleClass: 'SINGLE_CLASS',
  /** A probability metric got a score outside [0, 1]. */
  scoreOutOfRange: 'SCORE_OUT_OF_RANGE',
  /** A metric needs a column (card id, day, amount) that was not given. */
  missingColumn: 'MISSING_COLUMN',
  /** An option is out of range or malformed (k ≤ 0, an unknown policy, a confidence of 1.2, …). */
  invalidArgument: 'INVALID_ARGUMENT',
  /** A threshold policy's target (e.g. precision 0.99) is reached by no threshold on these predictions. */
  unreachableTarget: 'UNREACHABLE_TARGET',
  /** A predictions file could not be parsed: the message names the line and column. */
  invalidFile: 'INVALID_FILE',
  /** A baseline profile is malformed or does not have the feature asked for. */
  invalidProfile: 'INVALID_PROFILE',
  /** Vega could not be loaded or failed to render a chart. */
  renderFailed: 'RENDER_FAILED',
} as const;
export type EvaluationErrorCode = (typeof EvaluationErrorCode)[keyof typeof EvaluationErrorCode];

export class EvaluationError extends Error {
  constructor(
    readonly code: EvaluationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EvaluationError';
  }
}

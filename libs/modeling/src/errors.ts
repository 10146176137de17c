/**
 * Stable codes of {@link ModelingError}. Callers (the trainer's exit codes, the scoring API's HTTP statuses)
 * branch on these, never on message text.
 */
export const ModelingErrorCode = {
  /** A feature matrix or label array is malformed: wrong length, a label other than 0/1, NaN where none is allowed. */
  invalidInput: 'INVALID_INPUT',
  /** A training or export parameter is out of its domain (the message names it and the allowed range). */
  invalidParameter: 'INVALID_PARAMETER',
  /** Training cannot proceed with these labels (e.g. only one class present). */
  singleClass: 'SINGLE_CLASS',
  /** A model file is not a readable ONNX or XGBoost JSON model (corrupt bytes, truncated file, bad JSON). */
  invalidModel: 'INVALID_MODEL',
  /** A well-formed model that this library does not handle (another objective, a categorical split, dart, …). */
  unsupportedModel: 'UNSUPPORTED_MODEL',
  /** The model's input (name or width) is not the `features` [N, F] tensor the caller scores with. */
  inputMismatch: 'INPUT_MISMATCH',
  /** The model was trained on another feature spec than the scorer's (its metadata hash differs or is absent). */
  featureSpecMismatch: 'FEATURE_SPEC_MISMATCH',
  /** A model file could not be read from disk. */
  fileError: 'FILE_ERROR',
  /** onnxruntime-node could not be loaded, or failed to create a session or run the model. */
  runtimeError: 'RUNTIME_ERROR',
  /** A scorer was used after `release()`. */
  released: 'RELEASED',
} as const;
export type ModelingErrorCode = (typeof ModelingErrorCode)[keyof typeof ModelingErrorCode];

/** The one root error of `@fraudops/modeling`. */
export class ModelingError extends Error {
  constructor(
    readonly code: ModelingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelingError';
  }
}

/** Stable codes of {@link FeaturesError}; documented in the library README. */
export type FeaturesErrorCode =
  /** The feature spec is malformed (a bad name, window, aggregate, duplicate…); the message names the feature. */
  | 'INVALID_SPEC'
  /** No built-in spec has that name. */
  | 'UNKNOWN_SPEC'
  /** A fraud-ratio feature was asked of data without a tx_fraud column. */
  | 'LABELS_REQUIRED'
  /** A transaction given to the online state is malformed (a non-finite time, a negative amount…). */
  | 'INVALID_TRANSACTION'
  /** A transaction arrived earlier (by tx_datetime, then transaction_id) than one already consumed. */
  | 'OUT_OF_ORDER'
  /** A transaction id was seen again with different fields. */
  | 'CONFLICTING_DUPLICATE'
  /** A snapshot file is unreadable, truncated, or was written for another feature spec. */
  | 'INVALID_SNAPSHOT'
  /** The SQL engine failed or returned a result without the expected columns. */
  | 'SQL_FAILED'
  /** A file to read or write has an unsupported extension. */
  | 'INVALID_FILE'
  /** A file to read does not exist. */
  | 'FILE_NOT_FOUND'
  /** A table name to splice into SQL is not a plain one- to three-part name. */
  | 'INVALID_TABLE_NAME'
  /** The pandas reference script failed or could not be started. */
  | 'REFERENCE_FAILED';

/** The one error class of `@fraudops/features`: `code` is stable, the message says what and where. */
export class FeaturesError extends Error {
  constructor(
    readonly code: FeaturesErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FeaturesError';
  }
}

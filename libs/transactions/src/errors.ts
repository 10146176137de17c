/**
 * Stable codes of {@link TransactionsError}; callers branch on these (exit codes, HTTP statuses), never on
 * message text.
 */
export type TransactionsErrorCode =
  /** A simulator or split parameter is out of its domain (the message names it). */
  | 'INVALID_PARAMETER'
  /** A row breaks the Transaction contract (the message names the row, the column and the problem). */
  | 'INVALID_ROW'
  /** A required column is absent from a file or from the column mapping. */
  | 'MISSING_COLUMN'
  /** A dataset file cannot be read or written (unsupported extension, unreadable, truncated). */
  | 'FILE_ERROR'
  /** A dataset file to read does not exist. */
  | 'FILE_NOT_FOUND'
  /** A split window (chosen by its parameters) holds no transaction. */
  | 'EMPTY_WINDOW'
  /** A split window holds one class only: a model can be neither trained nor evaluated on it. */
  | 'SINGLE_CLASS'
  /** A source of transactions holds none at all. */
  | 'NO_TRANSACTIONS';

/** The one root error of `@fraudops/transactions`. */
export class TransactionsError extends Error {
  constructor(
    readonly code: TransactionsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransactionsError';
  }
}

/**
 * A statement failure as a Databricks SQL warehouse reports it: an error class, a SQLSTATE and a message.
 * Operations that fail carry one of these into `ERROR_STATE`; the driver raises it as `OperationStateError`
 * whose message is the display message, `[CLASS] text SQLSTATE: xxxxx`.
 */
export class SqlStatementError extends Error {
  constructor(
    readonly errorClass: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqlStatementError';
  }

  get displayMessage(): string {
    return `[${this.errorClass}] ${this.message} SQLSTATE: ${this.sqlState}`;
  }
}

/** DuckDB error kinds (the `Kind Error:` prefix of its messages) → the closest Spark error class and SQLSTATE. */
const DUCKDB_ERROR_KINDS: ReadonlyArray<[RegExp, string, string]> = [
  [/^Parser Error/, 'PARSE_SYNTAX_ERROR', '42601'],
  [/^Catalog Error.*does not exist/s, 'TABLE_OR_VIEW_NOT_FOUND', '42P01'],
  [/^Catalog Error.*already exists/s, 'TABLE_OR_VIEW_ALREADY_EXISTS', '42P07'],
  [/^Catalog Error/, 'CATALOG_ERROR', '42000'],
  [/^Binder Error.*not found/s, 'UNRESOLVED_COLUMN', '42703'],
  [/^Binder Error/, 'DATATYPE_MISMATCH', '42K09'],
  [/^Conversion Error/, 'CAST_INVALID_INPUT', '22018'],
  [/^Out of Range Error/, 'ARITHMETIC_OVERFLOW', '22003'],
  [/^Constraint Error/, 'CONSTRAINT_VIOLATION', '23000'],
  [/^Invalid Input Error/, 'INVALID_PARAMETER_VALUE', '22023'],
  [/^INTERRUPT Error/, 'OPERATION_CANCELED', 'HY008'],
];

/** Turns whatever a statement threw into a `SqlStatementError` (DuckDB's message kept, trimmed of its caret art). */
export function toSqlStatementError(error: unknown): SqlStatementError {
  if (error instanceof SqlStatementError) return error;
  // Not `instanceof Error`: errors from the native DuckDB binding come from another realm under Jest.
  const raw = (error as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw : String(error);
  const text = message.replace(/\n\nLINE \d+:[\s\S]*$/, '').trim();
  for (const [pattern, errorClass, sqlState] of DUCKDB_ERROR_KINDS) {
    if (pattern.test(text)) return new SqlStatementError(errorClass, sqlState, text);
  }
  return new SqlStatementError('INTERNAL_ERROR', 'XX000', text);
}

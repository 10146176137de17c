import type { SqlDialect } from './sql-dialect.js';

/** A scalar a SQL engine returns (or takes as a positional parameter). */
export type SqlValue = number | bigint | string | boolean | null;

/**
 * A query result in columns: `columns[c][r]` is row r of column `columnNames[c]`. Numbers come as JS
 * numbers (an engine may use a Float64Array for a column without NULLs), integers beyond 2^53 as bigint,
 * timestamps and decimals as strings. The feature queries select only integers and doubles.
 */
export interface SqlQueryResult {
  columnNames: readonly string[];
  columns: ReadonlyArray<ArrayLike<SqlValue>>;
  rowCount: number;
}

/**
 * What the feature pipeline needs from a SQL engine — declared here, where it is used; implementations match
 * it structurally (the DuckDB engine beside it, the Databricks SQL warehouse engine in libs/databricks,
 * which does not import this library).
 */
export interface SqlEngine {
  /** Which dialect `compileFeatureSql` must produce for this engine. */
  readonly dialect: SqlDialect;
  /** Runs one statement; `params` bind positional `?` placeholders. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlQueryResult>;
  /** Releases connections; the engine is unusable afterwards. */
  close(): Promise<void>;
}

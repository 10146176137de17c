/** The SQL dialects the feature compiler targets. */
export type SqlDialect = 'duckdb' | 'spark';
export const SQL_DIALECTS: readonly SqlDialect[] = ['duckdb', 'spark'];

/**
 * EVERY difference between the dialects, in one table. The rest of the compiled query (window frames
 * `RANGE BETWEEN n PRECEDING AND m PRECEDING` over a BIGINT key, `ROWS BETWEEN UNBOUNDED PRECEDING AND
 * CURRENT ROW`, COUNT/SUM/MAX, COALESCE, CASE, CAST AS BIGINT/INT/DOUBLE, `%`) is standard SQL with the same
 * meaning in DuckDB and Spark SQL, so both dialects run the very same plan.
 */
export interface DialectRules {
  /** A feature name as an output column (case preserved). */
  quoteIdentifier(name: string): string;
  /** TIMESTAMP → BIGINT microseconds since the epoch (UTC). */
  epochMicros(timestamp: string): string;
  /** BIGINT microseconds since the epoch → TIMESTAMP. */
  timestampFromMicros(micros: string): string;
  /** Integer division of two BIGINTs (used only where the dividend is ≥ 0 or an exact multiple). */
  integerDivide(dividend: string, divisor: string): string;
}

export const DIALECT_RULES: Readonly<Record<SqlDialect, DialectRules>> = {
  duckdb: {
    quoteIdentifier: (name) => `"${name}"`,
    epochMicros: (timestamp) => `epoch_us(${timestamp})`,
    timestampFromMicros: (micros) => `make_timestamp(${micros})`,
    integerDivide: (dividend, divisor) => `(${dividend} // ${divisor})`,
  },
  spark: {
    quoteIdentifier: (name) => `\`${name}\``,
    epochMicros: (timestamp) => `unix_micros(${timestamp})`,
    timestampFromMicros: (micros) => `timestamp_micros(${micros})`,
    integerDivide: (dividend, divisor) => `(${dividend} DIV ${divisor})`,
  },
};

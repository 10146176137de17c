/**
 * Spark SQL functions DuckDB lacks, defined as temporary macros in every session so that Spark SQL — e.g. the
 * feature pipeline's `compileFeatureSql(spec, 'spark')` — runs unchanged. Each has Spark's meaning for UTC
 * timestamps (sessions run with `TimeZone = 'UTC'`).
 */
export const SPARK_FUNCTION_MACROS: readonly string[] = [
  'CREATE TEMP MACRO unix_micros(ts) AS epoch_us(ts)',
  'CREATE TEMP MACRO unix_millis(ts) AS epoch_ms(ts)',
  'CREATE TEMP MACRO unix_seconds(ts) AS CAST(floor(epoch(ts)) AS BIGINT)',
  'CREATE TEMP MACRO timestamp_micros(us) AS make_timestamp(CAST(us AS BIGINT))',
  'CREATE TEMP MACRO timestamp_millis(ms) AS make_timestamp(CAST(ms AS BIGINT) * 1000)',
  'CREATE TEMP MACRO timestamp_seconds(s) AS make_timestamp(CAST(round(CAST(s AS DOUBLE) * 1000000) AS BIGINT))',
];

/**
 * Databricks' `read_files(path, format => 'parquet')` over the emulator's volumes: `/Volumes/<c>/<s>/<v>/…` is the
 * file under `volumesRoot`, read with DuckDB's Parquet reader (the format the emulator reads; `format` is accepted
 * and not used). `CREATE TABLE t AS SELECT * FROM read_files(…)` then loads an uploaded file as on a workspace.
 */
export function readFilesMacro(volumesRoot: string): string {
  const root = `${volumesRoot.replace(/\/+$/, '')}/`.replace(/'/g, "''");
  return `CREATE TEMP MACRO read_files(path, format := 'parquet') AS TABLE SELECT * FROM read_parquet(regexp_replace(path, '^/Volumes/', '${root}'))`;
}

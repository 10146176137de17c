// The public face of @fraudops/features-sql: the embedded SQL engine that runs the feature spec's compiled SQL
// on a laptop. DuckDB is loaded only when a DuckDbSqlEngine is opened.
export {
  DuckDbSqlEngine,
  fileFormatOf,
  type DuckDbEngineOptions,
  type RegisteredSource,
  type FileFormat,
} from './duckdb-engine.js';

export { DatabricksSqlEngine, type SqlParams } from './engine.js';
export { sqlEngineOptionsFromConfig, DEFAULT_CHUNK_SIZE, type DatabricksSqlEngineOptions } from './options.js';
export { DatabricksSqlError, SqlErrorCode } from './sql-errors.js';
export type { SqlQueryResult, SqlValue } from './columnar-result.js';

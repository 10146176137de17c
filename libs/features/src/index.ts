// The public face of @fraudops/features: the spec, its SQL compilation and the online state, without any native
// package. The embedded engine that runs the SQL (DuckDB) is @fraudops/features-sql.
export { FeaturesError, type FeaturesErrorCode } from './errors.js';
export {
  validateFeatureSpec,
  featureSpecHash,
  featureNames,
  describeFeature,
  ENTITY_KINDS,
  WINDOW_AGGREGATES,
  KEY_COLUMNS,
  type FeatureSpec,
  type FeatureDefinition,
  type RawFeature,
  type CalendarFeature,
  type WindowFeature,
  type EntityKind,
  type WindowAggregate,
} from './feature-spec.js';
export { baselineFeatureSpec, v2FeatureSpec, builtInFeatureSpecs, builtInFeatureSpec } from './baseline.js';
export { planFeatures, type FeaturePlan, type PlannedFeature, type WindowRange } from './plan.js';
export { utcWeekday, utcHour, toEpochUs, DAY_US } from './calendar.js';
export { SQL_DIALECTS, DIALECT_RULES, type SqlDialect, type DialectRules } from './sql-dialect.js';
export { compileFeatureSql, type CompileFeatureSqlOptions } from './sql-compiler.js';
export type { SqlEngine, SqlQueryResult, SqlValue } from './sql-engine.js';
export { computeFeatures, type ComputeFeaturesOptions, type FeatureTable, type FeatureMatrix } from './offline.js';
export {
  OnlineFeatureState,
  type OnlineFeatureStateOptions,
  type OnlineTransaction,
  type LabelOutcome,
  type OnlineStateStats,
  type OnlineStateImage,
} from './online.js';
export { amountToMean, amountZscore, hoursSincePrevious } from './online-steps.js';
export { NumberIndex, type NumberIndexOptions } from './number-index.js';
export { replayWithDelayedLabels, type ReplayOptions } from './replay.js';
export { encodeOnlineSnapshot, decodeOnlineSnapshot, writeOnlineSnapshot, readOnlineSnapshot } from './snapshot.js';
export { compareFeatureRows, featureTableRows, PARITY_RELATIVE_TOLERANCE, type ParityReport } from './parity.js';
export {
  checkTableName,
  compileSplitTablesSql,
  splitTableNames,
  SPLIT_KEY_COLUMNS,
  type CompileSplitTablesOptions,
  type SplitTableNames,
} from './split-tables.js';

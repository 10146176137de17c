import { FeaturesError } from './errors.js';
import { planFeatures, type FeaturePlan } from './plan.js';
import type { FeatureSpec } from './feature-spec.js';
import { compileFeatureSql } from './sql-compiler.js';
import type { SqlEngine, SqlQueryResult, SqlValue } from './sql-engine.js';

/** The model's input: row-major float32, `rows × cols`, columns in feature-spec order. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float32Array;
}

/** The offline features of a dataset: keys, label and matrix, rows in (tx_datetime, transaction_id) order. */
export interface FeatureTable {
  specName: string;
  specHash: string;
  names: string[];
  rowCount: number;
  transactionId: Float64Array;
  /** Epoch seconds, UTC. */
  txDatetime: Float64Array;
  customerId: Float64Array;
  terminalId: Float64Array;
  /** 1 fraud, 0 genuine; absent for unlabelled data. */
  label?: Uint8Array;
  matrix: FeatureMatrix;
  /** The exact float64 values, one array per feature (only with `exact: true`). */
  columns?: Float64Array[];
}

export interface ComputeFeaturesOptions {
  /** The relation holding the transactions (see `compileFeatureSql`). @defaultValue `transactions` */
  source?: string;
  /** Whether the source has tx_fraud. @defaultValue true */
  labelled?: boolean;
  /** Also return the float64 values (parity checks; costs 8 bytes per value). @defaultValue false */
  exact?: boolean;
}

/**
 * Runs a spec's compiled SQL on any `SqlEngine` (DuckDB here, a Databricks SQL warehouse in libs/databricks)
 * and returns the feature table.
 */
export async function computeFeatures(
  engine: SqlEngine,
  spec: FeatureSpec | FeaturePlan,
  options: ComputeFeaturesOptions = {},
): Promise<FeatureTable> {
  const plan = 'ranges' in spec ? spec : planFeatures(spec);
  const labelled = options.labelled ?? true;
  const sql = compileFeatureSql(plan, engine.dialect, { source: options.source, labelled, timeKey: 'epoch_micros' });
  const result = await engine.query(sql);
  return featureTableFromResult(plan, result, labelled, options.exact ?? false);
}

function column(result: SqlQueryResult, name: string): ArrayLike<SqlValue> {
  const index = result.columnNames.findIndex((n) => n.toLowerCase() === name.toLowerCase());
  if (index < 0) {
    throw new FeaturesError(
      'SQL_FAILED',
      `the feature query result has no column ${name} (got ${result.columnNames.join(', ')})`,
    );
  }
  return result.columns[index];
}

function toFloat64(values: ArrayLike<SqlValue>, name: string, scale = 1): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      throw new FeaturesError('SQL_FAILED', `the feature query returned ${String(value)} for ${name} at row ${i}`);
    }
    out[i] = Number(value) / scale;
  }
  return out;
}

function featureTableFromResult(
  plan: FeaturePlan,
  result: SqlQueryResult,
  labelled: boolean,
  exact: boolean,
): FeatureTable {
  const rows = result.rowCount;
  const cols = plan.names.length;
  const values = new Float32Array(rows * cols);
  const columns: Float64Array[] = [];
  plan.names.forEach((name, c) => {
    const feature = toFloat64(column(result, name), name);
    for (let r = 0; r < rows; r++) values[r * cols + c] = feature[r];
    if (exact) columns.push(feature);
  });
  let label: Uint8Array | undefined;
  if (labelled) {
    const fraud = toFloat64(column(result, 'tx_fraud'), 'tx_fraud');
    label = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) label[r] = fraud[r] === 1 ? 1 : 0;
  }
  return {
    specName: plan.spec.name,
    specHash: plan.hash,
    names: plan.names,
    rowCount: rows,
    transactionId: toFloat64(column(result, 'transaction_id'), 'transaction_id'),
    txDatetime: toFloat64(column(result, 'tx_time_us'), 'tx_time_us', 1_000_000),
    customerId: toFloat64(column(result, 'customer_id'), 'customer_id'),
    terminalId: toFloat64(column(result, 'terminal_id'), 'terminal_id'),
    label,
    matrix: { rows, cols, values },
    columns: exact ? columns : undefined,
  };
}

import type { FeatureSpec } from '../feature-spec.js';
import type { FeatureTable } from '../offline.js';
import { planFeatures } from '../plan.js';

export interface ParityReport {
  rows: number;
  mismatches: number;
  maxRelativeError: number;
  firstMismatch?: string;
}

/**
 * Compares the SQL path's exact columns with the online path's row-major vectors: counts (and raw and
 * calendar values) must be equal, every other aggregate within 1e-9 relative.
 */
export function compareParity(spec: FeatureSpec, table: FeatureTable, online: Float64Array): ParityReport {
  const plan = planFeatures(spec);
  const width = plan.names.length;
  const columns = table.columns;
  if (!columns) throw new Error('the feature table needs exact: true');
  let mismatches = 0;
  let maxRelativeError = 0;
  let firstMismatch: string | undefined;
  plan.features.forEach((feature, f) => {
    const exactly = feature.kind !== 'window' || feature.aggregate === 'count';
    const column = columns[f];
    for (let r = 0; r < table.rowCount; r++) {
      const sql = column[r];
      const live = online[r * width + f];
      const error = sql === live ? 0 : Math.abs(sql - live) / Math.max(Math.abs(sql), Math.abs(live));
      if (!exactly && error > maxRelativeError) maxRelativeError = error;
      if (exactly ? sql !== live : !(error <= 1e-9)) {
        mismatches++;
        firstMismatch ??= `${plan.names[f]} of transaction ${table.transactionId[r]}: SQL ${sql}, online ${live}`;
      }
    }
  });
  return { rows: table.rowCount, mismatches, maxRelativeError, firstMismatch };
}

export function expectParity(spec: FeatureSpec, table: FeatureTable, online: Float64Array): ParityReport {
  const report = compareParity(spec, table, online);
  if (report.mismatches > 0) throw new Error(`${report.mismatches} parity mismatches; first: ${report.firstMismatch}`);
  if (online.length !== table.rowCount * table.names.length) throw new Error('row counts differ');
  return report;
}

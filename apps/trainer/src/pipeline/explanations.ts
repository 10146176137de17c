import type { ReportExplanations } from '@fraudops/evaluation';
import {
  classifierFromOnnx,
  explainModel,
  meanAbsoluteContributions,
  topContributions,
  type FeatureMatrix,
} from '@fraudops/modeling';

/** Rows explained for global importance: every test row up to this, an even sample beyond (TreeSHAP costs ~0.25 ms a row). */
const IMPORTANCE_ROWS = 20_000;
const TOP_ALERTS = 10;
const REASONS = 3;

function rowsOf(matrix: FeatureMatrix, picks: ArrayLike<number>): FeatureMatrix {
  const { cols } = matrix;
  const values = new Float32Array(picks.length * cols);
  for (let i = 0; i < picks.length; i++)
    values.set(matrix.values.subarray(picks[i] * cols, (picks[i] + 1) * cols), i * cols);
  return { rows: picks.length, cols, values };
}

/**
 * Global importance (mean |contribution| per feature) on the test window (every `step`-th row when it has
 * more than `importanceRows`) and the reasons of its highest-scoring rows, for the report and the card. The model is read back from the ONNX bytes being
 * registered, so the explanation is of exactly what gets served.
 */
export function explainTestWindow(
  onnx: Uint8Array,
  test: { matrix: FeatureMatrix; labels: Uint8Array; rows: Uint32Array },
  scores: Float32Array,
  names: readonly string[],
  importanceRows = IMPORTANCE_ROWS,
): ReportExplanations {
  const { model } = classifierFromOnnx(onnx);
  const n = test.matrix.rows;
  const step = Math.max(1, Math.ceil(n / importanceRows));
  const sample = Uint32Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
  const mean = meanAbsoluteContributions(explainModel(model, rowsOf(test.matrix, sample)));
  const importance = names
    .map((feature, f) => ({ feature, meanAbsContribution: mean[f] }))
    .sort((a, b) => b.meanAbsContribution - a.meanAbsContribution);
  const top = Uint32Array.from(
    Array.from({ length: n }, (_, r) => r)
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, TOP_ALERTS),
  );
  const topMatrix = rowsOf(test.matrix, top);
  const contributions = explainModel(model, topMatrix);
  const topAlerts = Array.from(top, (r, i) => ({
    id: String(test.rows[r]),
    score: scores[r],
    label: test.labels[r],
    reasons: topContributions(contributions, i, REASONS).map(({ feature, contribution }) => {
      const value = topMatrix.values[i * topMatrix.cols + feature];
      return { feature: names[feature], value: Number.isNaN(value) ? null : value, contribution };
    }),
  }));
  const method =
    model.kind === 'tree_ensemble'
      ? `TreeSHAP (exact, path-dependent), margin (log-odds) scale, ${sample.length.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} test rows`
      : `coef × (x − mean) on the standardised scale, margin (log-odds), ${sample.length.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} test rows`;
  return { method, rows: sample.length, importance, topAlerts };
}

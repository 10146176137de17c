import type { FeatureSpecIdentity } from '../features/feature-pipeline.js';
import type { ServedModel } from './served-model.js';

/**
 * Rows to smoke-score a candidate with when no live traffic has been seen yet: one all-zero row and one
 * row per baseline bin edge (each feature at its own k-th edge), which spans the range the model was
 * trained on.
 */
export function smokeRows(model: ServedModel, width: number): { features: Float32Array; rows: number } {
  const names = model.featureSpec.features;
  const edges = names.map((name) => model.driftBaseline?.features[name]?.edges ?? []);
  const rows = 1 + Math.max(0, ...edges.map((e) => e.length));
  const features = new Float32Array(rows * width);
  for (let r = 1; r < rows; r++) {
    for (let f = 0; f < width; f++) {
      const e = edges[f] ?? [];
      features[r * width + f] = e.length > 0 ? e[Math.min(r - 1, e.length - 1)] : r;
    }
  }
  return { features, rows };
}

/**
 * The checks a model passes before it serves: it computes the same features in the same order (spec hash
 * and names), it scores sample rows into finite probabilities in [0, 1], and its in-process trees, when it has
 * them, give onnxruntime's probabilities on those rows. Throws an Error saying which check failed.
 */
export async function checkCandidate(
  model: ServedModel,
  spec: FeatureSpecIdentity,
  sample: Float32Array,
  rows: number,
): Promise<void> {
  if (model.featureSpec.hash !== spec.hash) {
    throw new Error(
      `its feature spec hash ${model.featureSpec.hash} differs from the service's ${spec.name} spec (${spec.hash})`,
    );
  }
  const expected = spec.features.join(',');
  if (model.featureSpec.features.join(',') !== expected) {
    throw new Error(
      `its feature order (${model.featureSpec.features.join(', ')}) differs from the spec's (${spec.features.join(', ')})`,
    );
  }
  if (!(model.threshold.value >= 0 && model.threshold.value <= 1)) {
    throw new Error(`its threshold ${model.threshold.value} is not in [0, 1]`);
  }
  const scores = await model.score(sample, rows);
  if (scores.length !== rows) throw new Error(`it returned ${scores.length} scores for ${rows} sample rows`);
  for (let i = 0; i < rows; i++) {
    if (!(scores[i] >= 0 && scores[i] <= 1)) {
      throw new Error(`it scored sample row ${i} as ${scores[i]}, outside [0, 1]`);
    }
  }
  checkInProcessAgrees(model, sample, rows, scores);
}

/**
 * How far the in-process trees may be from onnxruntime on a sample row: they are bit-identical to the modeling
 * library's predictor, to which the ONNX export is pinned, so the difference is 0; the margin lets any
 * onnxruntime build pass (a few float32 steps near 0.5).
 */
export const IN_PROCESS_TOLERANCE = 1e-6;

/** The in-process predictor (which serves most rows) must give onnxruntime's probabilities on the sample. */
function checkInProcessAgrees(model: ServedModel, sample: Float32Array, rows: number, onnx: Float32Array): void {
  const predict = model.predictInProcess;
  if (!predict) return;
  const ours = predict(sample, rows);
  for (let i = 0; i < rows; i++) {
    if (!(Math.abs(ours[i] - onnx[i]) <= IN_PROCESS_TOLERANCE)) {
      throw new Error(
        `its TypeScript trees (${predict.walk}) scored sample row ${i} as ${ours[i]} where onnxruntime gives ${onnx[i]}`,
      );
    }
  }
}

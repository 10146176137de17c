import { predictProbability, type ClassifierModel } from '@fraudops/modeling';

/**
 * Batches of at most this many rows are scored by the in-process tree predictor; larger ones by onnxruntime.
 * onnxruntime pays a fixed cost per call (tensors, the native hop, the `setImmediate` it is scheduled on) and
 * then scores rows faster. CPU per row on a 100-tree depth-6 model (docs/benchmarks.md, scoring): 1 row 6.5 µs
 * in TypeScript vs 27 µs, 16 rows 4.6 vs 5.2, 32 rows about even, 1,000 rows 4.2 vs 3.0.
 */
export const IN_PROCESS_MAX_ROWS = 16;

/** Probabilities of `rows` feature vectors (row-major), computed synchronously in this process. */
export type InProcessPredictor = (features: Float32Array, rows: number) => Float32Array;

/**
 * The tree ensemble behind a served ONNX file, predicted in TypeScript: the modeling library's predictor,
 * which its ONNX export is pinned bit-identical to (float32 sums tree by tree, the sigmoid rounded to float32).
 * Undefined for other kinds of model (and unreadable ones): onnxruntime alone scores those.
 */
export function inProcessPredictor(
  classifier: ClassifierModel | { unavailable: string },
): InProcessPredictor | undefined {
  if ('unavailable' in classifier || classifier.kind !== 'tree_ensemble') return undefined;
  const cols = classifier.featureCount;
  return (features, rows) =>
    predictProbability(classifier, {
      rows,
      cols,
      values: features.length === rows * cols ? features : features.subarray(0, rows * cols),
    });
}

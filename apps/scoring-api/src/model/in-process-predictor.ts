import { predictProbability, type ClassifierModel } from '@fraudops/modeling';

/**
 * Batches of at most this many rows are scored by the in-process tree predictor; larger ones by onnxruntime.
 * One row costs the TypeScript trees about as much as onnxruntime's fixed cost of a call (tensor set-up, the
 * native hop and the `setImmediate` it is scheduled on); per row, onnxruntime's kernel is faster. Measured on
 * the benchmark model (100 trees of depth 6), the two meet at a few dozen rows (docs/benchmarks.md, scoring).
 */
export const IN_PROCESS_MAX_ROWS = 16;

/** Probabilities of `rows` feature vectors (row-major), computed synchronously in this process. */
export type InProcessPredictor = (features: Float32Array, rows: number) => Float32Array;

/**
 * The tree ensemble behind a served ONNX file, predicted in TypeScript: the modeling library's predictor,
 * which its ONNX export is pinned bit-identical to (float32 sums tree by tree, the sigmoid rounded to float32).
 * Undefined for other kinds of model (and unreadable ones): onnxruntime alone scores those.
 */
export function inProcessPredictor(classifier: ClassifierModel | { unavailable: string }): InProcessPredictor | undefined {
  if ('unavailable' in classifier || classifier.kind !== 'tree_ensemble') return undefined;
  const cols = classifier.featureCount;
  return (features, rows) => predictProbability(classifier, { rows, cols, values: features.length === rows * cols ? features : features.subarray(0, rows * cols) });
}

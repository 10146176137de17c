import { compileTrees, type ClassifierModel, type CompiledTrees, type TreeEnsemble } from '@fraudops/modeling';
import { yieldToEventLoop } from '../mutex.js';

/**
 * Batches of at most this many rows are scored by the node-table predictor (the fallback for ensembles too large
 * to compile); larger ones by onnxruntime, which pays a fixed cost per call (tensors, the native hop, the
 * `setImmediate` it is scheduled on) and then walks trees faster than the table. CPU per row on a 100-tree depth-6
 * model (docs/benchmarks.md, scoring): 1 row 6.5 µs in the table vs 27 µs, 16 rows 4.6 vs 5.2, 32 rows about
 * even, 1,000 rows 4.2 vs 3.0.
 */
export const IN_PROCESS_MAX_ROWS = 16;

/**
 * Probabilities of `rows` feature vectors (row-major: the first `rows × featureCount` values of `features`),
 * computed synchronously in this process, and how the trees are walked:
 * - `compiled`: the ensemble compiled to JavaScript (`compileTrees`), faster per row than onnxruntime at
 *   every batch size measured (1.2–1.9× on 1,000-row batches), so it takes batches of any size (`maxRows`
 *   Infinity; callers still cut large ones into chunks that yield to the event loop);
 * - `node-table`: one node table walked row by row, for ensembles too large to compile; it wins only on small
 *   batches (`maxRows` {@link IN_PROCESS_MAX_ROWS}), larger ones go to onnxruntime.
 */
export type InProcessPredictor = ((features: Float32Array, rows: number) => Float32Array) & {
  readonly walk: 'compiled' | 'node-table';
  readonly maxRows: number;
};

/**
 * Every tree of an ensemble in one node table, laid out once per model load: node `g` (over all trees) holds
 * its feature, its left, right and missing-value children at `links[4g …]` and its threshold at `thresholds[g]`;
 * a leaf has feature −1 and its value at `leafValues[g]`. A row's walk reads one small table instead of six
 * arrays per tree, and a missing value's branch is a child index, not a flag to test.
 */
interface NodeTable {
  links: Int32Array;
  thresholds: Float32Array;
  leafValues: Float32Array;
  /** Each tree's root in the table, in the ensemble's order (the order the margin sums in). */
  roots: Int32Array;
  /** `Math.fround(baseMargin)`, added last, as `predictMargin` does. */
  baseMargin: number;
}

function nodeTable(ensemble: TreeEnsemble): NodeTable {
  const total = ensemble.trees.reduce((n, tree) => n + tree.feature.length, 0);
  const links = new Int32Array(4 * total);
  const thresholds = new Float32Array(total);
  const leafValues = new Float32Array(total);
  const roots = new Int32Array(ensemble.trees.length);
  let first = 0;
  ensemble.trees.forEach((tree, t) => {
    roots[t] = first;
    for (let node = 0; node < tree.feature.length; node++) {
      const g = first + node;
      links[4 * g] = tree.feature[node];
      if (tree.feature[node] >= 0) {
        links[4 * g + 1] = first + tree.left[node];
        links[4 * g + 2] = first + tree.right[node];
        links[4 * g + 3] = first + (tree.missingGoesLeft[node] === 1 ? tree.left[node] : tree.right[node]);
      }
      thresholds[g] = tree.threshold[node];
      leafValues[g] = tree.leafValue[node];
    }
    first += tree.feature.length;
  });
  return { links, thresholds, leafValues, roots, baseMargin: Math.fround(ensemble.baseMargin) };
}

/**
 * The margin of the row at `offset`: leaf values summed in float32 in tree order, then the base margin — the
 * modeling library's `predictMargin` step for step (its Float32Array sum rounds after every addition, as
 * `Math.fround` does here), so the result is bit-identical to it and to the ONNX export.
 */
function marginLeq(table: NodeTable, values: Float32Array, offset: number): number {
  const { links, thresholds, leafValues, roots } = table;
  let sum = 0;
  for (let t = 0; t < roots.length; t++) {
    let g = roots[t];
    let f = links[4 * g];
    while (f >= 0) {
      const x = values[offset + f];
      g = x !== x ? links[4 * g + 3] : x <= thresholds[g] ? links[4 * g + 1] : links[4 * g + 2];
      f = links[4 * g];
    }
    sum = Math.fround(sum + leafValues[g]);
  }
  return Math.fround(sum + table.baseMargin);
}

/** {@link marginLeq} for ensembles that branch left on `x < threshold` (XGBoost's). */
function marginLt(table: NodeTable, values: Float32Array, offset: number): number {
  const { links, thresholds, leafValues, roots } = table;
  let sum = 0;
  for (let t = 0; t < roots.length; t++) {
    let g = roots[t];
    let f = links[4 * g];
    while (f >= 0) {
      const x = values[offset + f];
      g = x !== x ? links[4 * g + 3] : x < thresholds[g] ? links[4 * g + 1] : links[4 * g + 2];
      f = links[4 * g];
    }
    sum = Math.fround(sum + leafValues[g]);
  }
  return Math.fround(sum + table.baseMargin);
}

/**
 * The tree ensemble behind a served ONNX file, predicted in TypeScript, bit-identical to the modeling
 * library's `predictProbability` (to which its ONNX export is pinned: float32 sums tree by tree, the sigmoid
 * rounded to float32): compiled to JavaScript when the model loads, or, for an ensemble too large to compile,
 * laid out in one node table (`walk` says which). A call makes nothing but its answer. Undefined for other
 * kinds of model (and unreadable ones): onnxruntime alone scores those.
 */
export function inProcessPredictor(
  classifier: ClassifierModel | { unavailable: string },
): InProcessPredictor | undefined {
  const trees = treeEnsembleOf(classifier);
  if (!trees) return undefined;
  const compiled = compileTrees(trees);
  if (!compiled) return nodeTablePredictor(trees);
  compiled.warmUp(Infinity);
  return compiledPredictor(compiled);
}

/** Warm-up calls of the compiled trees run between two turns of the event loop while a model loads. */
export const WARM_UP_SLICE = 1_000;

/**
 * {@link inProcessPredictor} for a model loaded while the service runs (at start, or for a hot swap): the compiled
 * trees' warm-up (one call per leaf, twice; about 0.1 s for a 150-tree depth-7 model) goes in slices of
 * {@link WARM_UP_SLICE} calls between turns of the event loop, so requests are not held back for all of it.
 */
export async function loadInProcessPredictor(
  classifier: ClassifierModel | { unavailable: string },
): Promise<InProcessPredictor | undefined> {
  const trees = treeEnsembleOf(classifier);
  if (!trees) return undefined;
  const compiled = compileTrees(trees);
  if (!compiled) return nodeTablePredictor(trees);
  while (!compiled.warmUp(WARM_UP_SLICE)) await yieldToEventLoop();
  return compiledPredictor(compiled);
}

/** The tree ensemble a served model is, or undefined for other kinds of model (and unreadable ones). */
function treeEnsembleOf(classifier: ClassifierModel | { unavailable: string }): TreeEnsemble | undefined {
  return 'unavailable' in classifier || classifier.kind !== 'tree_ensemble' ? undefined : classifier;
}

/** The compiled trees as an {@link InProcessPredictor}: they take batches of any size. */
function compiledPredictor(compiled: CompiledTrees): InProcessPredictor {
  return Object.assign(compiled.predict, { walk: 'compiled' as const, maxRows: Infinity });
}

/** The node-table walk of {@link inProcessPredictor}, for ensembles `compileTrees` declines. */
export function nodeTablePredictor(classifier: TreeEnsemble): InProcessPredictor {
  const cols = classifier.featureCount;
  const table = nodeTable(classifier);
  const margin = classifier.comparison === 'leq' ? marginLeq : marginLt;
  const predict = (features: Float32Array, rows: number) => {
    if (features.length < rows * cols) {
      throw new RangeError(`${rows} rows of ${cols} features need ${rows * cols} values, got ${features.length}`);
    }
    const probabilities = new Float32Array(rows);
    for (let r = 0; r < rows; r++) probabilities[r] = 1 / (1 + Math.exp(-margin(table, features, r * cols)));
    return probabilities;
  };
  return Object.assign(predict, { walk: 'node-table' as const, maxRows: IN_PROCESS_MAX_ROWS });
}

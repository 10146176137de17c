import { ModelingError } from './errors.js';
import { checkModelInput, type FeatureMatrix } from './feature-matrix.js';

/**
 * One binary decision tree in struct-of-arrays form; node 0 is the root. An internal node sends a row to
 * `left` (the ONNX "true" branch) when its value passes the ensemble's comparison against `threshold`,
 * and a missing value (NaN) to `left` when `missingGoesLeft` is 1. A leaf has `feature` −1 and adds
 * `leafValue` to the margin.
 */
export interface DecisionTree {
  feature: Int32Array;
  /** Float32 thresholds: exactly what the ONNX model stores, so both make the same decisions. */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  missingGoesLeft: Uint8Array;
  /** Float32 leaf values (ONNX `target_weights` are float32); 0 on internal nodes. */
  leafValue: Float32Array;
  /**
   * Training cover per node: the hessian sum of the training rows that reached it (XGBoost `sum_hessian`,
   * stored as ONNX `nodes_hitrates`). Explanations (TreeSHAP) need it; prediction does not.
   */
  cover?: Float32Array;
}

/** How an internal node compares a value with its threshold to take the left branch. */
export type SplitComparison =
  /** `x <= threshold` (this library's trainer: bins are closed above). ONNX `BRANCH_LEQ`. */
  | 'leq'
  /** `x < threshold` (XGBoost). ONNX `BRANCH_LT`. */
  | 'lt';

/**
 * A boosted tree ensemble for binary classification: margin = baseMargin + Σ tree leaf values,
 * probability = sigmoid(margin). This is the form every tree model in fraudops takes, whether trained here
 * or imported from XGBoost, and the form exported to ONNX.
 */
export interface TreeEnsemble {
  kind: 'tree_ensemble';
  featureCount: number;
  comparison: SplitComparison;
  /** The initial margin F0 (ONNX `base_values`), a float32 value. */
  baseMargin: number;
  trees: DecisionTree[];
}

/** Builds a {@link DecisionTree} from per-node lists (used by the trainer and the XGBoost importer). */
export function decisionTreeFromNodes(nodes: {
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  missingGoesLeft: ArrayLike<number>;
  leafValue: ArrayLike<number>;
  cover?: ArrayLike<number>;
}): DecisionTree {
  const tree: DecisionTree = {
    feature: Int32Array.from(nodes.feature),
    threshold: Float32Array.from(nodes.threshold),
    left: Int32Array.from(nodes.left),
    right: Int32Array.from(nodes.right),
    missingGoesLeft: Uint8Array.from(nodes.missingGoesLeft),
    leafValue: Float32Array.from(nodes.leafValue),
  };
  if (nodes.cover) tree.cover = Float32Array.from(nodes.cover);
  return tree;
}

/** The leaf a row reaches in `tree`; `row` points at the row's first value in `values`. */
function leafOf(tree: DecisionTree, lessOrEqual: boolean, values: Float32Array, row: number): number {
  const { feature, threshold, left, right, missingGoesLeft } = tree;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    const x = values[row + f];
    let goLeft: boolean;
    if (x !== x) goLeft = missingGoesLeft[node] === 1;
    else goLeft = lessOrEqual ? x <= threshold[node] : x < threshold[node];
    node = goLeft ? left[node] : right[node];
    f = feature[node];
  }
  return node;
}

/**
 * Margins (log-odds) of every row, computed the way onnxruntime computes the exported model on one
 * thread: leaf values summed in float32 in tree order, then the base margin added in float32. The result
 * is bit-identical to the ONNX model's `margin` output.
 */
export function predictMargin(ensemble: TreeEnsemble, matrix: FeatureMatrix): Float32Array {
  checkModelInput(matrix, ensemble.featureCount);
  const { rows, cols, values } = matrix;
  const sums = new Float32Array(rows);
  const lessOrEqual = ensemble.comparison === 'leq';
  for (const tree of ensemble.trees) {
    const leafValue = tree.leafValue;
    for (let r = 0, offset = 0; r < rows; r++, offset += cols) {
      sums[r] += leafValue[leafOf(tree, lessOrEqual, values, offset)];
    }
  }
  const base = Math.fround(ensemble.baseMargin);
  for (let r = 0; r < rows; r++) sums[r] += base;
  return sums;
}

/** The logistic function in float64, for callers that want probabilities from {@link predictMargin}. */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/** Probabilities of every row: sigmoid of {@link predictMargin}, rounded to float32 like the ONNX output. */
export function predictProbability(ensemble: TreeEnsemble, matrix: FeatureMatrix): Float32Array {
  const margins = predictMargin(ensemble, matrix);
  for (let i = 0; i < margins.length; i++) margins[i] = sigmoid(margins[i]);
  return margins;
}

/** Structural checks that every consumer (predictor, ONNX export) relies on; throws `INVALID_MODEL`. */
export function checkTreeEnsemble(ensemble: TreeEnsemble): void {
  if (!Number.isInteger(ensemble.featureCount) || ensemble.featureCount < 1) {
    throw new ModelingError('INVALID_MODEL', `featureCount must be a positive integer, got ${ensemble.featureCount}`);
  }
  if (!Number.isFinite(ensemble.baseMargin)) {
    throw new ModelingError('INVALID_MODEL', `baseMargin must be finite, got ${ensemble.baseMargin}`);
  }
  ensemble.trees.forEach((tree, t) => {
    const n = tree.feature.length;
    for (const key of ['threshold', 'left', 'right', 'missingGoesLeft', 'leafValue'] as const) {
      if (tree[key].length !== n) {
        throw new ModelingError('INVALID_MODEL', `tree ${t}: ${key} has ${tree[key].length} nodes, feature has ${n}`);
      }
    }
    if (tree.cover && tree.cover.length !== n) {
      throw new ModelingError('INVALID_MODEL', `tree ${t}: cover has ${tree.cover.length} nodes, feature has ${n}`);
    }
    if (n === 0) throw new ModelingError('INVALID_MODEL', `tree ${t} has no nodes`);
    for (let i = 0; i < n; i++) {
      const f = tree.feature[i];
      if (f < 0) continue;
      if (f >= ensemble.featureCount) {
        throw new ModelingError(
          'INVALID_MODEL',
          `tree ${t} node ${i} splits on feature ${f} of ${ensemble.featureCount}`,
        );
      }
      for (const child of [tree.left[i], tree.right[i]]) {
        // Children after their parent keeps traversal finite (no cycles).
        if (!(child > i && child < n)) {
          throw new ModelingError('INVALID_MODEL', `tree ${t} node ${i} has child ${child} outside (${i}, ${n})`);
        }
      }
      if (Number.isNaN(tree.threshold[i])) {
        throw new ModelingError('INVALID_MODEL', `tree ${t} node ${i} has a NaN threshold`);
      }
    }
  });
}

/** Adds one tree's leaf values to float64 margins (training-time evaluation of a validation set). */
export function addTreeMargins(
  tree: DecisionTree,
  comparison: SplitComparison,
  matrix: FeatureMatrix,
  margins: Float64Array,
): void {
  const { rows, cols, values } = matrix;
  const lessOrEqual = comparison === 'leq';
  for (let r = 0, offset = 0; r < rows; r++, offset += cols) {
    margins[r] += tree.leafValue[leafOf(tree, lessOrEqual, values, offset)];
  }
}

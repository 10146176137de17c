import { errorMessage } from '@fraudops/core';
import {
  TreeExplainer,
  classifierFromOnnx,
  logisticContributions,
  topContributions,
  type ClassifierModel,
} from '@fraudops/modeling';

/** One reason of a scored transaction: a feature, the value it had (null when missing) and its share of the margin. */
export interface Reason {
  feature: string;
  value: number | null;
  contribution: number;
}

/** What a transaction's explanation keeps: its vector and every feature's contribution (so any top k can be listed later). */
export interface RowExplanation {
  values: Float32Array;
  contributions: Float64Array;
}

/**
 * Exact per-feature contributions of a served model on the margin (log-odds) scale, read from the ONNX bytes
 * it serves: TreeSHAP for tree ensembles, `coef × (x − mean)` on the standardised scale for logistic
 * regression. `bias + Σ contributions` is the row's margin.
 */
export interface RowExplainer {
  /** The expected margin (the margin before anything is known about a transaction). */
  readonly bias: number;
  /** The explanation of row `row` of `vectors` (row-major, one row per transaction). */
  explain(vectors: Float32Array, row: number): RowExplanation;
}

/** The model behind served ONNX bytes (trees or a logistic regression), or why it cannot be read back. */
export function readClassifier(onnx: Uint8Array, source: string): ClassifierModel | { unavailable: string } {
  try {
    return classifierFromOnnx(onnx, source).model;
  } catch (error) {
    return { unavailable: errorMessage(error) };
  }
}

/**
 * The explainer of a model, or why there is none (e.g. a tree model registered before node covers were kept
 * in the ONNX file): such a model is still served, it just cannot give reasons.
 */
export function rowExplainer(
  classifier: ClassifierModel | { unavailable: string },
): RowExplainer | { unavailable: string } {
  if ('unavailable' in classifier) return classifier;
  if (classifier.kind === 'tree_ensemble') {
    let trees: TreeExplainer;
    try {
      trees = new TreeExplainer(classifier);
    } catch (error) {
      return { unavailable: errorMessage(error) };
    }
    const width = trees.featureCount;
    return {
      bias: trees.bias,
      explain(vectors, row) {
        const contributions = new Float64Array(width);
        trees.explainRow(vectors, row * width, contributions, 0);
        return { values: vectors.slice(row * width, (row + 1) * width), contributions };
      },
    };
  }
  const linear = classifier;
  const width = linear.featureCount;
  return {
    bias: linear.intercept,
    explain(vectors, row) {
      const values = vectors.slice(row * width, (row + 1) * width);
      return { values, contributions: logisticContributions(linear, { rows: 1, cols: width, values }).values };
    },
  };
}

/** The `top` largest reasons by |contribution|, largest first (features that moved nothing are never reasons). */
export function topReasons(explanation: RowExplanation, top: number, names: readonly string[]): Reason[] {
  const { values, contributions } = explanation;
  return topContributions({ rows: 1, featureCount: contributions.length, values: contributions, bias: 0 }, 0, top).map(
    ({ feature, contribution }) => ({
      feature: names[feature],
      value: Number.isNaN(values[feature]) ? null : values[feature],
      contribution,
    }),
  );
}

import type { FeatureContributions } from './feature-contributions.js';
import { checkModelInput, type FeatureMatrix } from './feature-matrix.js';
import { checkTreeEnsemble, type TreeEnsemble } from './tree-ensemble.js';
import { compileForest, pathDependentShap } from './tree-shap-recursive.js';
import { compileLeafTables, tableShap } from './tree-shap-tables.js';

/** Options of {@link TreeExplainer}. */
export interface TreeExplainerOptions {
  /**
   * Most float64 numbers the per-leaf tables may hold (a leaf whose path has d distinct features needs 2^d;
   * a depth-6 tree at most 64 · 64). Trees are tabulated in order while they fit; the rest are explained by
   * the recursion, which needs no tables but costs O(leaves · depth²) per row. 0 explains every tree by the
   * recursion.
   * @defaultValue 4,194,304 (32 MiB)
   */
  maxTableEntries?: number;
}

const DEFAULT_MAX_TABLE_ENTRIES = 1 << 22;

/**
 * Exact path-dependent TreeSHAP — the Shapley values XGBoost's `pred_contribs` computes, where a feature
 * outside the coalition is integrated out by following both children in proportion to their training covers
 * — on the margin scale, with the expected margin as `bias`.
 *
 * Construction compiles the ensemble once: per leaf, a table of every coalition weight its path can need
 * (tree-shap-tables.ts, the idea of Fast TreeSHAP v2), so a row costs O(trees · leaves · depth); trees beyond
 * {@link TreeExplainerOptions.maxTableEntries} use the O(trees · leaves · depth²) recursion of Lundberg et
 * al.'s Algorithm 2 (tree-shap-recursive.ts). Explaining a row allocates nothing. Not thread-safe: one
 * explainer per thread.
 */
export class TreeExplainer {
  readonly featureCount: number;
  /** Base margin plus every tree's cover-weighted mean leaf value: the margin expected before seeing a row. */
  readonly bias: number;
  /** Trees explained through leaf tables, and the float64 numbers those tables hold. */
  readonly tabulated: { trees: number; entries: number };
  private readonly explainInto: (values: Float32Array, offset: number, out: Float64Array, outOffset: number) => void;

  constructor(ensemble: TreeEnsemble, options: TreeExplainerOptions = {}) {
    checkTreeEnsemble(ensemble);
    this.featureCount = ensemble.featureCount;
    const forest = compileForest(ensemble);
    this.bias = forest.bias;
    const lessOrEqual = ensemble.comparison === 'leq';
    const { tables, recursive } = compileLeafTables(forest, options.maxTableEntries ?? DEFAULT_MAX_TABLE_ENTRIES);
    this.tabulated = { trees: tables.rootSlots.length, entries: tables.table.length };
    const fromTables = tableShap(tables, lessOrEqual);
    if (recursive.length === 0) {
      this.explainInto = fromTables;
    } else {
      const byRecursion = pathDependentShap(forest, lessOrEqual, recursive);
      this.explainInto = (values, offset, out, outOffset) => {
        fromTables(values, offset, out, outOffset);
        byRecursion(values, offset, out, outOffset);
      };
    }
  }

  /** Contributions of every row of `matrix`. */
  explain(matrix: FeatureMatrix): FeatureContributions {
    checkModelInput(matrix, this.featureCount);
    const { rows, cols } = matrix;
    const values = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) this.explainInto(matrix.values, r * cols, values, r * cols);
    return { rows, featureCount: cols, values, bias: this.bias };
  }

  /**
   * Writes the contributions of the row at `values[offset, offset + featureCount)` to
   * `out[outOffset, outOffset + featureCount)` (NaN = missing, which follows each node's default direction).
   */
  explainRow(values: Float32Array, offset: number, out: Float64Array, outOffset: number): void {
    out.fill(0, outOffset, outOffset + this.featureCount);
    this.explainInto(values, offset, out, outOffset);
  }
}

/** Exact TreeSHAP contributions of every row (see {@link TreeExplainer}). */
export function treeShap(ensemble: TreeEnsemble, matrix: FeatureMatrix): FeatureContributions {
  return new TreeExplainer(ensemble).explain(matrix);
}

import { ModelingError } from './errors.js';
import type { FeatureContributions } from './feature-contributions.js';
import { checkModelInput, type FeatureMatrix } from './feature-matrix.js';
import { checkTreeEnsemble, type TreeEnsemble } from './tree-ensemble.js';

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee, "Consistent individualized feature attribution for
 * tree ensembles", Algorithm 2) on the margin scale. A feature outside the coalition is integrated out by
 * following both children in proportion to their training covers; the recursion keeps, along the path
 * from the root, the weights of every coalition size of the features met so far, so one pass over a tree
 * gives every feature's Shapley value in O(leaves · depth²).
 *
 * The ensemble is compiled once into flat typed arrays (all trees back to back, child cover fractions
 * precomputed); explaining a row allocates nothing. Not thread-safe: one explainer per thread.
 */
export class TreeExplainer {
  readonly featureCount: number;
  /** Base margin plus every tree's cover-weighted mean leaf value: the margin expected before seeing a row. */
  readonly bias: number;

  private readonly roots: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly missingLeft: Uint8Array;
  private readonly leafValue: Float64Array;
  /** cover(left child) / cover(node) and the same for the right child, per internal node. */
  private readonly leftFraction: Float64Array;
  private readonly rightFraction: Float64Array;
  private readonly lessOrEqual: boolean;

  /**
   * The unique-feature paths of the recursion, one segment per depth (a child copies its parent's path
   * into the next segment, so siblings never see each other's changes): feature, zero fraction (share of
   * covers that flows here when the feature is unknown), one fraction (1 when the row's value leads here)
   * and the permutation weight of each coalition size.
   */
  private readonly pathFeature: Int32Array;
  private readonly pathZero: Float64Array;
  private readonly pathOne: Float64Array;
  private readonly pathWeight: Float64Array;

  /** The row being explained and where its contributions go (set per row, read by the recursion). */
  private row: Float32Array = new Float32Array(0);
  private rowOffset = 0;
  private out: Float64Array = new Float64Array(0);
  private outOffset = 0;

  constructor(ensemble: TreeEnsemble) {
    checkTreeEnsemble(ensemble);
    this.featureCount = ensemble.featureCount;
    this.lessOrEqual = ensemble.comparison === 'leq';
    let total = 0;
    ensemble.trees.forEach((tree, t) => {
      if (!tree.cover) {
        throw new ModelingError(
          'UNSUPPORTED_MODEL',
          `tree ${t} has no node covers: explanations need the training hessian sums (retrain, or import the XGBoost JSON)`,
        );
      }
      total += tree.feature.length;
    });
    this.roots = new Int32Array(ensemble.trees.length);
    this.feature = new Int32Array(total);
    this.threshold = new Float32Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.missingLeft = new Uint8Array(total);
    this.leafValue = new Float64Array(total);
    this.leftFraction = new Float64Array(total);
    this.rightFraction = new Float64Array(total);
    let bias = ensemble.baseMargin;
    let maxDepth = 0;
    let base = 0;
    ensemble.trees.forEach((tree, t) => {
      const cover = tree.cover as Float32Array;
      const n = tree.feature.length;
      this.roots[t] = base;
      const depth = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const at = base + i;
        this.feature[at] = tree.feature[i];
        this.leafValue[at] = tree.leafValue[i];
        if (tree.feature[i] < 0) continue;
        if (!(cover[i] > 0) || !Number.isFinite(cover[i])) {
          throw new ModelingError('INVALID_MODEL', `tree ${t} node ${i} has cover ${cover[i]}; an internal node needs a positive cover`);
        }
        const l = tree.left[i];
        const r = tree.right[i];
        this.threshold[at] = tree.threshold[i];
        this.left[at] = base + l;
        this.right[at] = base + r;
        this.missingLeft[at] = tree.missingGoesLeft[i];
        this.leftFraction[at] = cover[l] / cover[i];
        this.rightFraction[at] = cover[r] / cover[i];
        depth[l] = depth[r] = depth[i] + 1;
        if (depth[i] + 1 > maxDepth) maxDepth = depth[i] + 1;
      }
      // Children follow their parent (checkTreeEnsemble), so a backward pass sees children first.
      const mean = Float64Array.from(tree.leafValue);
      for (let i = n - 1; i >= 0; i--) {
        if (tree.feature[i] < 0) continue;
        const l = tree.left[i];
        const r = tree.right[i];
        mean[i] = (mean[l] * cover[l] + mean[r] * cover[r]) / cover[i];
      }
      bias += mean[0];
      base += n;
    });
    this.bias = bias;
    // A path holds the root's placeholder plus at most one entry per level; segment d has room for d + 1.
    const pathSize = ((maxDepth + 1) * (maxDepth + 2)) / 2;
    this.pathFeature = new Int32Array(pathSize);
    this.pathZero = new Float64Array(pathSize);
    this.pathOne = new Float64Array(pathSize);
    this.pathWeight = new Float64Array(pathSize);
  }

  /** Contributions of every row of `matrix`. */
  explain(matrix: FeatureMatrix): FeatureContributions {
    checkModelInput(matrix, this.featureCount);
    const { rows, cols } = matrix;
    const values = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) this.explainRow(matrix.values, r * cols, values, r * cols);
    return { rows, featureCount: cols, values, bias: this.bias };
  }

  /**
   * Writes the contributions of the row at `values[offset, offset + featureCount)` to
   * `out[outOffset, outOffset + featureCount)` (NaN = missing, which follows each node's default direction).
   */
  explainRow(values: Float32Array, offset: number, out: Float64Array, outOffset: number): void {
    this.row = values;
    this.rowOffset = offset;
    this.out = out;
    this.outOffset = outOffset;
    out.fill(0, outOffset, outOffset + this.featureCount);
    const roots = this.roots;
    for (let t = 0; t < roots.length; t++) this.visit(roots[t], 0, 0, 1, 1, -1);
  }

  /**
   * Enters `node` with the path of its parent (`parentLength` entries at `parentStart`), extended by the
   * split feature that led here with its zero and one fractions.
   */
  private visit(node: number, parentStart: number, parentLength: number, zero: number, one: number, splitFeature: number): void {
    const pathFeature = this.pathFeature;
    const pathZero = this.pathZero;
    const pathOne = this.pathOne;
    const pathWeight = this.pathWeight;
    const start = parentStart + parentLength;
    for (let i = 0; i < parentLength; i++) {
      pathFeature[start + i] = pathFeature[parentStart + i];
      pathZero[start + i] = pathZero[parentStart + i];
      pathOne[start + i] = pathOne[parentStart + i];
      pathWeight[start + i] = pathWeight[parentStart + i];
    }
    // Extend: coalitions of size s either exclude the new feature (weight · zero) or include it (· one).
    let last = parentLength;
    pathFeature[start + last] = splitFeature;
    pathZero[start + last] = zero;
    pathOne[start + last] = one;
    pathWeight[start + last] = last === 0 ? 1 : 0;
    for (let i = last - 1; i >= 0; i--) {
      const w = pathWeight[start + i];
      pathWeight[start + i + 1] += (one * w * (i + 1)) / (last + 1);
      pathWeight[start + i] = (zero * w * (last - i)) / (last + 1);
    }

    const f = this.feature[node];
    if (f < 0) {
      const value = this.leafValue[node];
      const out = this.out;
      const outOffset = this.outOffset;
      for (let i = 1; i <= last; i++) {
        const z = pathZero[start + i];
        const o = pathOne[start + i];
        if (o === z) continue;
        out[outOffset + pathFeature[start + i]] += this.unwoundWeightSum(start, last, i) * (o - z) * value;
      }
      return;
    }

    const x = this.row[this.rowOffset + f];
    const goLeft = x !== x ? this.missingLeft[node] === 1 : this.lessOrEqual ? x <= this.threshold[node] : x < this.threshold[node];
    const hot = goLeft ? this.left[node] : this.right[node];
    const cold = goLeft ? this.right[node] : this.left[node];
    const hotFraction = goLeft ? this.leftFraction[node] : this.rightFraction[node];
    const coldFraction = goLeft ? this.rightFraction[node] : this.leftFraction[node];

    // A feature met again on the path: undo its earlier entry and carry its fractions into this split.
    let incomingZero = 1;
    let incomingOne = 1;
    for (let k = 1; k <= last; k++) {
      if (pathFeature[start + k] !== f) continue;
      incomingZero = pathZero[start + k];
      incomingOne = pathOne[start + k];
      this.unwind(start, last, k);
      last--;
      break;
    }
    this.visit(hot, start, last + 1, incomingZero * hotFraction, incomingOne, f);
    this.visit(cold, start, last + 1, incomingZero * coldFraction, 0, f);
  }

  /** Removes entry `i` from the path ending at `last`, inverting its extension. */
  private unwind(start: number, last: number, i: number): void {
    const pathWeight = this.pathWeight;
    const one = this.pathOne[start + i];
    const zero = this.pathZero[start + i];
    let next = pathWeight[start + last];
    for (let j = last - 1; j >= 0; j--) {
      if (one !== 0) {
        const previous = pathWeight[start + j];
        pathWeight[start + j] = (next * (last + 1)) / ((j + 1) * one);
        next = previous - (pathWeight[start + j] * zero * (last - j)) / (last + 1);
      } else {
        pathWeight[start + j] = (pathWeight[start + j] * (last + 1)) / (zero * (last - j));
      }
    }
    for (let j = i; j < last; j++) {
      this.pathFeature[start + j] = this.pathFeature[start + j + 1];
      this.pathZero[start + j] = this.pathZero[start + j + 1];
      this.pathOne[start + j] = this.pathOne[start + j + 1];
    }
  }

  /** Sum of the path's weights as if entry `i` were unwound, without changing the path. */
  private unwoundWeightSum(start: number, last: number, i: number): number {
    const pathWeight = this.pathWeight;
    const one = this.pathOne[start + i];
    const zero = this.pathZero[start + i];
    let total = 0;
    if (one !== 0) {
      let next = pathWeight[start + last];
      for (let j = last - 1; j >= 0; j--) {
        const w = (next * (last + 1)) / ((j + 1) * one);
        total += w;
        next = pathWeight[start + j] - (w * zero * (last - j)) / (last + 1);
      }
    } else {
      for (let j = last - 1; j >= 0; j--) total += (pathWeight[start + j] * (last + 1)) / (zero * (last - j));
    }
    return total;
  }
}

/** Exact TreeSHAP contributions of every row (see {@link TreeExplainer}). */
export function treeShap(ensemble: TreeEnsemble, matrix: FeatureMatrix): FeatureContributions {
  return new TreeExplainer(ensemble).explain(matrix);
}

import { ModelingError } from './errors.js';
import type { TreeEnsemble } from './tree-ensemble.js';

/**
 * Exact path-dependent TreeSHAP by recursion (Lundberg, Erion & Lee, "Consistent individualized feature
 * attribution for tree ensembles", Algorithm 2) on the margin scale. A feature outside the coalition is
 * integrated out by following both children in proportion to their training covers; the recursion keeps,
 * along the path from the root, the weights of every coalition size of the features met so far, so one pass
 * over a tree gives every feature's Shapley value in O(leaves · depth²) per row and O(depth²) memory.
 *
 * {@link TreeExplainer} uses it for trees whose leaf tables (tree-shap-tables.ts) would exceed the memory
 * budget, and the tests use it as the oracle of those tables on trees too deep for brute force.
 */

/** Every tree of an ensemble back to back in flat arrays, children as absolute indices. */
export interface CompiledForest {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  leafValue: Float64Array;
  /** cover(left child) / cover(node) and the same for the right child, per internal node. */
  leftFraction: Float64Array;
  rightFraction: Float64Array;
  maxDepth: number;
  bias: number;
}

// eslint-disable-next-line max-lines-per-function -- flattens every tree into typed arrays in one pass (the recursion's layout, kept as the tables' oracle and fallback)
export function compileForest(ensemble: TreeEnsemble): CompiledForest {
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
  const forest: CompiledForest = {
    roots: new Int32Array(ensemble.trees.length),
    feature: new Int32Array(total),
    threshold: new Float32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    missingLeft: new Uint8Array(total),
    leafValue: new Float64Array(total),
    leftFraction: new Float64Array(total),
    rightFraction: new Float64Array(total),
    maxDepth: 0,
    bias: ensemble.baseMargin,
  };
  let base = 0;
  ensemble.trees.forEach((tree, t) => {
    const cover = tree.cover as Float32Array;
    const n = tree.feature.length;
    forest.roots[t] = base;
    const depth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const at = base + i;
      forest.feature[at] = tree.feature[i];
      forest.leafValue[at] = tree.leafValue[i];
      if (tree.feature[i] < 0) continue;
      if (!(cover[i] > 0) || !Number.isFinite(cover[i])) {
        throw new ModelingError(
          'INVALID_MODEL',
          `tree ${t} node ${i} has cover ${cover[i]}; an internal node needs a positive cover`,
        );
      }
      const l = tree.left[i];
      const r = tree.right[i];
      forest.threshold[at] = tree.threshold[i];
      forest.left[at] = base + l;
      forest.right[at] = base + r;
      forest.missingLeft[at] = tree.missingGoesLeft[i];
      forest.leftFraction[at] = cover[l] / cover[i];
      forest.rightFraction[at] = cover[r] / cover[i];
      depth[l] = depth[r] = depth[i] + 1;
      forest.maxDepth = Math.max(forest.maxDepth, depth[i] + 1);
    }
    // Children follow their parent (checkTreeEnsemble), so a backward pass sees children first.
    const mean = Float64Array.from(tree.leafValue);
    for (let i = n - 1; i >= 0; i--) {
      if (tree.feature[i] < 0) continue;
      const l = tree.left[i];
      const r = tree.right[i];
      mean[i] = (mean[l] * cover[l] + mean[r] * cover[r]) / cover[i];
    }
    forest.bias += mean[0];
    base += n;
  });
  return forest;
}

/**
 * The recursion of Algorithm 2 over the trees `trees` (indices) of a compiled forest, as a closure over its
 * arrays (locals are the fastest reads in V8). Returns the per-row entry point, which adds to `out`.
 *
 * The unique-feature paths live in one buffer, a segment per depth (a child copies its parent's path
 * into the next segment, so siblings never see each other's changes). A path entry holds a feature, its
 * zero fraction (the share of covers that flows here when the feature is unknown), its one fraction (1
 * when the row's value leads here, else 0: the row is known exactly) and the permutation weight of each
 * coalition size.
 */
// eslint-disable-next-line max-lines-per-function -- the recursive TreeSHAP walk with its path arrays (hot path; the algorithm's extend/unwind steps read together)
export function pathDependentShap(
  forest: CompiledForest,
  lessOrEqual: boolean,
  trees: Int32Array,
): (values: Float32Array, offset: number, out: Float64Array, outOffset: number) => void {
  const { roots, feature, threshold, left, right, missingLeft, leafValue, leftFraction, rightFraction, maxDepth } =
    forest;
  // A path holds the root's placeholder plus at most one entry per level; segment d has room for d + 1.
  const pathSize = ((maxDepth + 1) * (maxDepth + 2)) / 2;
  const pathFeature = new Int32Array(pathSize);
  const pathZero = new Float64Array(pathSize);
  const pathOne = new Float64Array(pathSize);
  const pathWeight = new Float64Array(pathSize);
  // Factors of a path whose last index is L, at entry j (stride maxDepth + 1): the extension spreads
  // coalitions of size j to j (feature excluded, (L − j)/(L + 1)) and j + 1 (included, (j + 1)/(L + 1));
  // unwinding divides them back out.
  const stride = maxDepth + 1;
  const excluded = new Float64Array(stride * stride);
  const included = new Float64Array(stride * stride);
  const unIncluded = new Float64Array(stride * stride);
  const unExcluded = new Float64Array(stride * stride);
  for (let last = 0; last <= maxDepth; last++) {
    for (let j = 0; j <= last; j++) {
      excluded[last * stride + j] = (last - j) / (last + 1);
      included[last * stride + j] = (j + 1) / (last + 1);
      unIncluded[last * stride + j] = (last + 1) / (j + 1);
      unExcluded[last * stride + j] = j < last ? (last + 1) / (last - j) : 0;
    }
  }

  let row: Float32Array = new Float32Array(0);
  let rowOffset = 0;
  let out: Float64Array = new Float64Array(0);
  let outOffset = 0;

  /** Sum of the weights of the path [start, start + last] as if entry `i`, one the row followed, were unwound. */
  const unwoundWeightSum = (start: number, last: number, i: number): number => {
    const zero = pathZero[start + i];
    const factors = last * stride;
    let total = 0;
    let next = pathWeight[start + last];
    for (let j = last - 1; j >= 0; j--) {
      const w = next * unIncluded[factors + j];
      total += w;
      next = pathWeight[start + j] - w * zero * excluded[factors + j];
    }
    return total;
  };

  /** Removes entry `i` from the path [start, start + last], inverting its extension. */
  const unwind = (start: number, last: number, i: number): void => {
    const zero = pathZero[start + i];
    const factors = last * stride;
    if (pathOne[start + i] !== 0) {
      let next = pathWeight[start + last];
      for (let j = last - 1; j >= 0; j--) {
        const previous = pathWeight[start + j];
        const w = next * unIncluded[factors + j];
        pathWeight[start + j] = w;
        next = previous - w * zero * excluded[factors + j];
      }
    } else {
      const inverse = 1 / zero;
      for (let j = last - 1; j >= 0; j--) pathWeight[start + j] *= unExcluded[factors + j] * inverse;
    }
    for (let j = i; j < last; j++) {
      pathFeature[start + j] = pathFeature[start + j + 1];
      pathZero[start + j] = pathZero[start + j + 1];
      pathOne[start + j] = pathOne[start + j + 1];
    }
  };

  /**
   * Enters `node` with its parent's path (`parentLength` entries at `parentStart`) extended by the split
   * feature that led here with its zero and one fractions.
   */
  // eslint-disable-next-line max-lines-per-function -- the recursive TreeSHAP walk with its path arrays (hot path; the algorithm's extend/unwind steps read together)
  const visit = (
    node: number,
    parentStart: number,
    parentLength: number,
    zero: number,
    one: number,
    splitFeature: number,
  ): void => {
    const start = parentStart + parentLength;
    for (let i = 0; i < parentLength; i++) {
      pathFeature[start + i] = pathFeature[parentStart + i];
      pathZero[start + i] = pathZero[parentStart + i];
      pathOne[start + i] = pathOne[parentStart + i];
      pathWeight[start + i] = pathWeight[parentStart + i];
    }
    // Extend: coalitions of each size either exclude the new feature (· zero) or include it (· one).
    let last = parentLength;
    pathFeature[start + last] = splitFeature;
    pathZero[start + last] = zero;
    pathOne[start + last] = one;
    pathWeight[start + last] = last === 0 ? 1 : 0;
    const factors = last * stride;
    if (one !== 0) {
      for (let i = last - 1; i >= 0; i--) {
        const w = pathWeight[start + i];
        pathWeight[start + i + 1] += w * included[factors + i];
        pathWeight[start + i] = zero * w * excluded[factors + i];
      }
    } else {
      for (let i = last - 1; i >= 0; i--) pathWeight[start + i] *= zero * excluded[factors + i];
    }

    const f = feature[node];
    if (f < 0) {
      const value = leafValue[node];
      // An entry the row did not follow (one fraction 0) unwinds to (Σ_j weight_j · unExcluded_j) / zero
      // and contributes that times (0 − zero) · value: the same −Σ · value for every such entry.
      let coldShare = NaN;
      for (let i = 1; i <= last; i++) {
        const z = pathZero[start + i];
        if (pathOne[start + i] !== 0) {
          if (z !== 1) out[outOffset + pathFeature[start + i]] += unwoundWeightSum(start, last, i) * (1 - z) * value;
        } else if (z !== 0) {
          if (coldShare !== coldShare) {
            coldShare = 0;
            for (let j = last - 1; j >= 0; j--) coldShare += pathWeight[start + j] * unExcluded[factors + j];
            coldShare *= value;
          }
          out[outOffset + pathFeature[start + i]] -= coldShare;
        }
      }
      return;
    }

    const x = row[rowOffset + f];
    const goLeft = x !== x ? missingLeft[node] === 1 : lessOrEqual ? x <= threshold[node] : x < threshold[node];
    // A feature met again on the path: undo its earlier entry and carry its fractions into this split.
    let incomingZero = 1;
    let incomingOne = 1;
    for (let k = 1; k <= last; k++) {
      if (pathFeature[start + k] !== f) continue;
      incomingZero = pathZero[start + k];
      incomingOne = pathOne[start + k];
      unwind(start, last, k);
      last--;
      break;
    }
    if (goLeft) {
      visit(left[node], start, last + 1, incomingZero * leftFraction[node], incomingOne, f);
      visit(right[node], start, last + 1, incomingZero * rightFraction[node], 0, f);
    } else {
      visit(right[node], start, last + 1, incomingZero * rightFraction[node], incomingOne, f);
      visit(left[node], start, last + 1, incomingZero * leftFraction[node], 0, f);
    }
  };

  return (values, offset, target, targetOffset) => {
    row = values;
    rowOffset = offset;
    out = target;
    outOffset = targetOffset;
    for (let t = 0; t < trees.length; t++) visit(roots[trees[t]], 0, 0, 1, 1, -1);
  };
}

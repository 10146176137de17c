import type { BinnedMatrix } from './binning.js';

/** The parts of a grown tree that route a row by bin codes. */
interface BinnedTree {
  feature: ArrayLike<number>;
  bin: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  missingLeft: ArrayLike<number>;
}

/**
 * Training cover of every node: the hessian sum of the tree's sampled rows that reach it (XGBoost's
 * `sum_hessian`), found by routing each row down the tree on its bin codes. TreeSHAP integrates unknown
 * features out in proportion to these covers.
 *
 * Rows are visited in ascending order, so the sums do not depend on how training threads ordered them.
 *
 * @param gradHess gradient and hessian per row, interleaved, as they were when the tree was grown
 * @param inSample 1 for the rows the tree was grown on, or null when it saw every row
 */
export function treeCovers(
  tree: BinnedTree,
  binned: BinnedMatrix,
  gradHess: Float64Array,
  inSample: Uint8Array | null,
): Float32Array {
  const { codes, bins } = binned;
  const total = binned.rows;
  const { feature, bin, left, right, missingLeft } = tree;
  const cover = new Float64Array(feature.length);
  for (let r = 0; r < total; r++) {
    if (inSample && inSample[r] === 0) continue;
    const h = gradHess[2 * r + 1];
    let node = 0;
    cover[0] += h;
    while (feature[node] >= 0) {
      const f = feature[node];
      const code = codes[f * total + r];
      const goLeft = code === bins.upperBounds[f].length ? missingLeft[node] === 1 : code <= bin[node];
      node = goLeft ? left[node] : right[node];
      cover[node] += h;
    }
  }
  return Float32Array.from(cover);
}

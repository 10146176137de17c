import type { CompiledForest } from './tree-shap-recursive.js';

/**
 * Exact path-dependent TreeSHAP with per-leaf tables (the idea of Fast TreeSHAP v2: Yang, "Fast TreeSHAP:
 * Accelerating SHAP Value Computation for Trees", 2021): everything that depends only on the model is
 * computed once per model, so a row costs O(internal nodes + leaves · depth) instead of O(leaves · depth²).
 *
 * Why it is exact. A leaf with value v, reached through the unique features D (|D| = d) of its path, adds to
 * the margin v · Π_{j∈S} o_j · Π_{j∈D∖S} z_j when only the features in S are known: z_j is the product of
 * the cover fractions of its path's splits on j (how much of the training cover flows to the leaf when j is
 * unknown), o_j is 1 when the row satisfies every split on j of the path, else 0. Every feature outside D is
 * a dummy for this leaf, so its Shapley values are those of a d-player game, and with H = {j ∈ D : o_j = 1}
 * (the row's "hot" features of the leaf) they are, with w(s) = s!(d − s − 1)!/d!,
 *
 *   i ∈ H:  v (1 − z_i) Σ_{S⊆H∖{i}} w(|S|) Π_{j∈D∖S∖{i}} z_j  =  ((1 − z_i) / z_i) · A(H∖{i})
 *   i ∉ H:  v (0 − z_i) Σ_{S⊆H}     w(|S|) Π_{j∈D∖S∖{i}} z_j  =  −A(H)
 *
 * where A(K) = v Σ_{S⊆K} w(|S|) Π_{j∈D∖S} z_j depends on the leaf and the mask K only: a table of 2^d
 * numbers per leaf, filled by a subset-sum transform. (A zero fraction z_i, a leaf without cover, gets its
 * own table for the hot case, so nothing is divided by zero.) A row then needs, per tree, one pass over the
 * internal nodes to get every leaf's mask H and, per leaf, d + 1 reads of its table.
 *
 * Memory: Σ over leaves of 2^d float64 numbers (≤ 64 · 64 per depth-6 tree); trees beyond a budget stay
 * with the recursion.
 */
export interface LeafTables {
  /** Internal nodes of every tabled tree, parents before children; node n's mask lives in slot n. */
  splitFeature: Int32Array;
  splitThreshold: Float32Array;
  splitMissingLeft: Uint8Array;
  /** Mask slot of each child (an internal node's index, or internalCount + a leaf's index). */
  leftSlot: Int32Array;
  rightSlot: Int32Array;
  /** ~(1 << p), p the position of the node's feature in its path's list of unique features. */
  clearMask: Int32Array;
  /** Slots of the roots: every path feature hot before any split. */
  rootSlots: Int32Array;
  /** Leaves 2k and 2k + 1 for k < pairCount are siblings (same path features); the others follow. */
  pairCount: number;
  /** Per leaf (in mask-slot order): d, the number of its path's unique features. */
  leafBits: Uint8Array;
  /** Per leaf and path position, leaf after leaf: the feature and its hot factor (1 − z)/z (0 when z = 0). */
  pathFeature: Int32Array;
  pathFactor: Float64Array;
  /** Path positions with z = 0: their leaf, position, feature and own hot table. */
  patchLeaf: Int32Array;
  patchPosition: Uint8Array;
  patchFeature: Int32Array;
  patchTable: Int32Array;
  /** Every leaf's A table (2^d numbers) back to back in leaf order, then the hot tables of the patches. */
  table: Float64Array;
}

/** A leaf as the tables see it: its node, its value, and its path's unique features with their zero fractions. */
interface LeafPath {
  node: number;
  features: number[];
  zeros: number[];
}

/** One tree walked once: its internal nodes in preorder and its leaves with their paths. */
interface WalkedTree {
  internal: Array<{ node: number; position: number; left: number; right: number }>;
  leaves: LeafPath[];
  /** Σ over leaves of 2^d, the table entries this tree needs (hot tables of zero fractions aside). */
  entries: number;
}

/** Encodes a child that is a leaf (its index among the tree's leaves) apart from an internal node. */
const leafRef = (leaf: number): number => -1 - leaf;

function walkTree(forest: CompiledForest, root: number): WalkedTree {
  const { feature, left, right, leftFraction, rightFraction } = forest;
  const walked: WalkedTree = { internal: [], leaves: [], entries: 0 };
  const visit = (node: number, features: number[], zeros: number[]): number => {
    const f = feature[node];
    if (f < 0) {
      walked.leaves.push({ node, features, zeros });
      walked.entries += 2 ** features.length;
      return leafRef(walked.leaves.length - 1);
    }
    const id = walked.internal.length;
    const known = features.indexOf(f);
    const position = known < 0 ? features.length : known;
    walked.internal.push({ node, position, left: 0, right: 0 });
    const child = (fraction: number): [number[], number[]] => {
      if (known < 0)
        return [
          [...features, f],
          [...zeros, fraction],
        ];
      const z = zeros.slice();
      z[known] *= fraction;
      return [features, z];
    };
    walked.internal[id].left = visit(left[node], ...child(leftFraction[node]));
    walked.internal[id].right = visit(right[node], ...child(rightFraction[node]));
    return id;
  };
  visit(root, [], []);
  return walked;
}

/** Shapley weights w(s) = s!(d − s − 1)!/d! = 1 / (d · C(d − 1, s)) for s < d. */
function shapleyWeights(d: number): Float64Array {
  const weights = new Float64Array(d);
  let binomial = 1;
  for (let s = 0; s < d; s++) {
    weights[s] = 1 / (d * binomial);
    binomial = (binomial * (d - 1 - s)) / (s + 1);
  }
  return weights;
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

/**
 * Writes v · Σ_{S⊆K, S∌skip} w(|S|) Π_{j∈D∖S∖{skip}} z_j for every mask K to `table[offset, offset + 2^d)`
 * (`skip` −1: no feature skipped, which is A(K); the full mask is never read and stays 0).
 */
function fillTable(table: Float64Array, offset: number, value: number, zeros: number[], skip: number): void {
  const d = zeros.length;
  const full = (1 << d) - 1;
  const weights = shapleyWeights(d);
  // product[T] = Π_{j∈T} z_j, built from T without its lowest bit.
  const product = new Float64Array(1 << d);
  product[0] = 1;
  for (let mask = 1; mask <= full; mask++) {
    const low = mask & -mask;
    product[mask] = product[mask ^ low] * zeros[31 - Math.clz32(low)];
  }
  const skipBit = skip < 0 ? 0 : 1 << skip;
  for (let mask = 0; mask <= full; mask++) {
    table[offset + mask] =
      mask === full || (mask & skipBit) !== 0 ? 0 : weights[popcount(mask)] * product[full ^ mask ^ skipBit];
  }
  // Subset sums: after bit b, entry K holds the sum over the subsets of K that differ from it in bits ≤ b.
  for (let bit = 1; bit <= full; bit <<= 1) {
    for (let mask = 0; mask <= full; mask++) if (mask & bit) table[offset + mask] += table[offset + (mask ^ bit)];
  }
  for (let mask = 0; mask <= full; mask++) table[offset + mask] *= value;
}

/** A leaf of a tabulated tree, in the order of the leaf arrays: its tree and index there, and its path. */
interface PlacedLeaf {
  tree: number;
  index: number;
  leaf: LeafPath;
}

/**
 * Picks the trees to tabulate: each in order if its tables still fit in `maxEntries` (single-leaf trees add
 * nothing and are left out); the others go to the recursion.
 */
function selectTrees(
  forest: CompiledForest,
  maxEntries: number,
): { walked: WalkedTree[]; recursive: number[]; entries: number } {
  const walked: WalkedTree[] = [];
  const recursive: number[] = [];
  let entries = 0;
  for (let t = 0; t < forest.roots.length; t++) {
    if (forest.feature[forest.roots[t]] < 0) continue;
    const tree = walkTree(forest, forest.roots[t]);
    let hotTables = 0;
    for (const leaf of tree.leaves) for (const z of leaf.zeros) if (!(z > 0)) hotTables += 2 ** leaf.zeros.length;
    if (entries + tree.entries + hotTables > maxEntries) {
      recursive.push(t);
      continue;
    }
    walked.push(tree);
    entries += tree.entries + hotTables;
  }
  return { walked, recursive, entries };
}

/** Fills the internal-node arrays, tree after tree (preorder keeps parents before children). */
function placeInternalNodes(
  forest: CompiledForest,
  walked: WalkedTree[],
  leafSlots: Int32Array[],
  tables: LeafTables,
): void {
  let internalBase = 0;
  walked.forEach((tree, t) => {
    const slot = (ref: number) => (ref >= 0 ? internalBase + ref : leafSlots[t][-1 - ref]);
    tables.rootSlots[t] = internalBase;
    tree.internal.forEach(({ node, position, left, right }, i) => {
      const at = internalBase + i;
      tables.splitFeature[at] = forest.feature[node];
      tables.splitThreshold[at] = forest.threshold[node];
      tables.splitMissingLeft[at] = forest.missingLeft[node];
      tables.leftSlot[at] = slot(left);
      tables.rightSlot[at] = slot(right);
      tables.clearMask[at] = ~(1 << position);
    });
    internalBase += tree.internal.length;
  });
}

/**
 * Fills the leaf arrays and tables: every leaf's A table back to back in leaf order (the per-row loop walks
 * them with a running offset), then the hot tables of zero fractions.
 */
function placeLeaves(forest: CompiledForest, leaves: PlacedLeaf[], tables: LeafTables): void {
  let pathAt = 0;
  let tableAt = 0;
  let hotTableAt = leaves.reduce((n, { leaf }) => n + 2 ** leaf.features.length, 0);
  let patchAt = 0;
  leaves.forEach(({ leaf: { node, features, zeros } }, l) => {
    const value = forest.leafValue[node];
    tables.leafBits[l] = features.length;
    fillTable(tables.table, tableAt, value, zeros, -1);
    tableAt += 2 ** features.length;
    features.forEach((feature, p) => {
      tables.pathFeature[pathAt + p] = feature;
      if (zeros[p] > 0) {
        tables.pathFactor[pathAt + p] = (1 - zeros[p]) / zeros[p];
        return;
      }
      // Factor 0 leaves the main loop's cold share (−A(H)) and no hot share; the patch adds the latter.
      fillTable(tables.table, hotTableAt, value, zeros, p);
      tables.patchLeaf[patchAt] = l;
      tables.patchPosition[patchAt] = p;
      tables.patchFeature[patchAt] = feature;
      tables.patchTable[patchAt] = hotTableAt;
      patchAt++;
      hotTableAt += 2 ** features.length;
    });
    pathAt += features.length;
  });
}

/**
 * Compiles the trees whose tables fit in `maxEntries` float64 numbers. Returns the tables and the trees
 * left to the recursion.
 */
export function compileLeafTables(
  forest: CompiledForest,
  maxEntries: number,
): { tables: LeafTables; recursive: Int32Array } {
  const { walked, recursive, entries } = selectTrees(forest, maxEntries);
  const internalCount = walked.reduce((n, tree) => n + tree.internal.length, 0);
  // Sibling leaves first, pair by pair (they share their path's features, so the per-row loop reads each
  // feature and updates its contribution once for both), then the other leaves; each group with the most
  // path features first, so the per-row loop runs one trip count after another, which the branch predictor
  // learns. Each leaf's mask slot follows from its place in this order.
  const pairs: PlacedLeaf[][] = [];
  const singles: PlacedLeaf[] = [];
  walked.forEach((tree, t) => {
    const paired = new Uint8Array(tree.leaves.length);
    for (const { left, right } of tree.internal) {
      if (left >= 0 || right >= 0) continue;
      const [l, r] = [-1 - left, -1 - right];
      paired[l] = paired[r] = 1;
      pairs.push([
        { tree: t, index: l, leaf: tree.leaves[l] },
        { tree: t, index: r, leaf: tree.leaves[r] },
      ]);
    }
    tree.leaves.forEach((leaf, index) => {
      if (paired[index] === 0) singles.push({ tree: t, index, leaf });
    });
  });
  pairs.sort((a, b) => b[0].leaf.features.length - a[0].leaf.features.length);
  singles.sort((a, b) => b.leaf.features.length - a.leaf.features.length);
  const leaves: PlacedLeaf[] = [...pairs.flat(), ...singles];
  const leafSlots = walked.map((tree) => new Int32Array(tree.leaves.length));
  leaves.forEach(({ tree, index }, at) => (leafSlots[tree][index] = internalCount + at));
  const pathLength = leaves.reduce((n, { leaf }) => n + leaf.features.length, 0);
  const patchCount = leaves.reduce((n, { leaf }) => n + leaf.zeros.filter((z) => !(z > 0)).length, 0);
  const tables: LeafTables = {
    splitFeature: new Int32Array(internalCount),
    splitThreshold: new Float32Array(internalCount),
    splitMissingLeft: new Uint8Array(internalCount),
    leftSlot: new Int32Array(internalCount),
    rightSlot: new Int32Array(internalCount),
    clearMask: new Int32Array(internalCount),
    rootSlots: new Int32Array(walked.length),
    pairCount: pairs.length,
    leafBits: new Uint8Array(leaves.length),
    pathFeature: new Int32Array(pathLength),
    pathFactor: new Float64Array(pathLength),
    patchLeaf: new Int32Array(patchCount),
    patchPosition: new Uint8Array(patchCount),
    patchFeature: new Int32Array(patchCount),
    patchTable: new Int32Array(patchCount),
    table: new Float64Array(entries),
  };
  placeInternalNodes(forest, walked, leafSlots, tables);
  placeLeaves(forest, leaves, tables);
  return { tables, recursive: Int32Array.from(recursive) };
}

/**
 * The per-row pass over compiled leaf tables, as a closure over their arrays. Returns the entry point, which
 * adds each feature's contribution to `out[outOffset + feature]`. Not thread-safe (one mask buffer).
 */
// eslint-disable-next-line max-lines-per-function -- the per-row kernel over the leaf tables (hot path: no calls, no allocation per leaf)
export function tableShap(
  tables: LeafTables,
  lessOrEqual: boolean,
): (values: Float32Array, offset: number, out: Float64Array, outOffset: number) => void {
  const { splitFeature, splitThreshold, splitMissingLeft, leftSlot, rightSlot, clearMask, rootSlots } = tables;
  const { pairCount, leafBits, pathFeature, pathFactor, patchLeaf, patchPosition, patchFeature, patchTable, table } =
    tables;
  const internalCount = splitFeature.length;
  const leafCount = leafBits.length;
  const masks = new Int32Array(internalCount + leafCount);
  // Roots are never written by the pass below: every feature of a path starts hot.
  for (let t = 0; t < rootSlots.length; t++) masks[rootSlots[t]] = -1;

  return (row, rowOffset, out, outOffset) => {
    for (let n = 0; n < internalCount; n++) {
      const mask = masks[n];
      const x = row[rowOffset + splitFeature[n]];
      const threshold = splitThreshold[n];
      // 1 or 0 without a branch (the direction is a coin flip for the predictor); NaN fails both comparisons.
      const goLeft = +(lessOrEqual ? x <= threshold : x < threshold) | (+(x !== x) & splitMissingLeft[n]);
      // The child the row does not take has this split's feature cold.
      const clear = clearMask[n];
      masks[leftSlot[n]] = mask & (clear | -goLeft);
      masks[rightSlot[n]] = mask & (clear | (goLeft - 1));
    }
    // Per leaf, each path feature gets −A(H) when cold and ((1 − z)/z) · A(H ∖ {feature}) when hot, written
    // without a branch on which (isHot is 0 or 1).
    let path = 0;
    let base = 0;
    for (let l = 0; l < 2 * pairCount; l += 2) {
      const bits = leafBits[l];
      const full = (1 << bits) - 1;
      const hot = masks[internalCount + l] & full;
      const sibling = masks[internalCount + l + 1] & full;
      const siblingBase = base + (1 << bits);
      const siblingPath = path + bits;
      const cold = table[base + hot];
      const siblingCold = table[siblingBase + sibling];
      for (let p = 0; p < bits; p++) {
        const bit = 1 << p;
        const own = ((hot >> p) & 1) * (cold + pathFactor[path + p] * table[base + (hot & ~bit)]);
        const other =
          ((sibling >> p) & 1) * (siblingCold + pathFactor[siblingPath + p] * table[siblingBase + (sibling & ~bit)]);
        out[outOffset + pathFeature[path + p]] += own + other - cold - siblingCold;
      }
      path += 2 * bits;
      base += 2 << bits;
    }
    for (let l = 2 * pairCount; l < leafCount; l++) {
      const bits = leafBits[l];
      const hot = masks[internalCount + l] & ((1 << bits) - 1);
      const cold = table[base + hot];
      for (let p = 0; p < bits; p++) {
        const isHot = (hot >> p) & 1;
        out[outOffset + pathFeature[path + p]] +=
          isHot * (cold + pathFactor[path + p] * table[base + (hot & ~(1 << p))]) - cold;
      }
      path += bits;
      base += 1 << bits;
    }
    for (let i = 0; i < patchLeaf.length; i++) {
      const leaf = patchLeaf[i];
      const hot = masks[internalCount + leaf] & ((1 << leafBits[leaf]) - 1);
      const bit = 1 << patchPosition[i];
      if ((hot & bit) !== 0) out[outOffset + patchFeature[i]] += table[patchTable[i] + (hot ^ bit)];
    }
  };
}

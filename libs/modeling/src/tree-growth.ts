import type { BinnedMatrix } from './binning.js';
import type { HistogramBuilder, HistogramJob } from './histogram-builder.js';
import { subtractHistogram, type HistogramLayout } from './histogram.js';
import { findBestSplit, type NodeStats, type SplitCandidate, type SplitConstraints } from './split-finder.js';

export type GrowPolicy =
  /** Level by level up to `maxDepth` (XGBoost's default `depthwise`). */
  | 'depthwise'
  /** Always split the leaf with the largest gain, up to `numLeaves` leaves (LightGBM, XGBoost `lossguide`). */
  | 'lossguide';

export interface GrowthParams extends SplitConstraints {
  growPolicy: GrowPolicy;
  /** 0 = no depth limit. */
  maxDepth: number;
  /** Leaf budget of `lossguide`. */
  numLeaves: number;
  learningRate: number;
}

/** Everything one tree is grown from; arrays are shared across trees. */
export interface GrowthContext {
  binned: BinnedMatrix;
  layout: HistogramLayout;
  gradHess: Float64Array;
  /** Rows of this tree (the row sample), reordered in place so each node owns a contiguous range. */
  rowIndex: Uint32Array;
  /** Scratch space of the same length for stable partitioning. */
  scratch: Uint32Array;
  /** Rows in `rowIndex` for this tree. */
  sampleSize: number;
  builder: HistogramBuilder;
  params: GrowthParams;
}

/**
 * A tree as training grows it: per node the split (feature, value bin, its float32 upper bound), the
 * children, and for leaves the row range they own in `rowIndex` and their (float32) value.
 */
export interface GrownTree {
  feature: number[];
  bin: number[];
  threshold: number[];
  left: number[];
  right: number[];
  missingLeft: number[];
  leafValue: number[];
  begin: number[];
  end: number[];
  /** Split gain per internal node, 0 on leaves (for importance). */
  gain: number[];
}

interface OpenNode {
  id: number;
  depth: number;
  stats: NodeStats;
  /** Histogram slot, or −1 when the node cannot split and needs none. */
  slot: number;
}

class TreeBuilder {
  readonly tree: GrownTree = {
    feature: [],
    bin: [],
    threshold: [],
    left: [],
    right: [],
    missingLeft: [],
    leafValue: [],
    begin: [],
    end: [],
    gain: [],
  };

  constructor(
    private readonly context: GrowthContext,
    private readonly features: Int32Array,
  ) {}

  addNode(begin: number, end: number, stats: NodeStats): number {
    const t = this.tree;
    const { lambda, learningRate } = this.context.params;
    t.feature.push(-1);
    t.bin.push(-1);
    t.threshold.push(0);
    t.left.push(-1);
    t.right.push(-1);
    t.missingLeft.push(0);
    t.leafValue.push(Math.fround((-stats.g / (stats.h + lambda)) * learningRate));
    t.begin.push(begin);
    t.end.push(end);
    t.gain.push(0);
    return t.feature.length - 1;
  }

  /** Whether a node could still be split, so it is worth a histogram. */
  canSplit(depth: number, stats: NodeStats): boolean {
    const { maxDepth, minDataInLeaf, minChildWeight } = this.context.params;
    return (
      (maxDepth === 0 || depth < maxDepth) &&
      stats.count >= 2 * Math.max(1, minDataInLeaf) &&
      stats.h >= 2 * minChildWeight
    );
  }

  findSplit(node: OpenNode): SplitCandidate | null {
    const { builder, layout, params } = this.context;
    return findBestSplit(builder.pool.view(node.slot), node.stats, this.features, layout, params);
  }

  /** Stable in-place partition of the node's rows; returns the first row of the right child. */
  partition(id: number, split: SplitCandidate): number {
    const { binned, rowIndex, scratch } = this.context;
    const { codes, rows } = binned;
    const begin = this.tree.begin[id];
    const end = this.tree.end[id];
    const base = split.feature * rows;
    const bin = split.bin;
    const missingCode = binned.bins.upperBounds[split.feature].length;
    const missingLeft = split.missingLeft;
    let l = begin;
    let r = 0;
    for (let i = begin; i < end; i++) {
      const row = rowIndex[i];
      const code = codes[base + row];
      if (code === missingCode ? missingLeft : code <= bin) rowIndex[l++] = row;
      else scratch[r++] = row;
    }
    rowIndex.set(scratch.subarray(0, r), l);
    return l;
  }

  /** Turns a node into an internal node with two children; returns the two open children. */
  applySplit(node: OpenNode, split: SplitCandidate): [OpenNode, OpenNode] {
    const t = this.tree;
    const middle = this.partition(node.id, split);
    const leftId = this.addNode(t.begin[node.id], middle, split.left);
    const rightId = this.addNode(middle, t.end[node.id], split.right);
    t.feature[node.id] = split.feature;
    t.bin[node.id] = split.bin;
    t.threshold[node.id] = this.context.binned.bins.upperBounds[split.feature][split.bin];
    t.left[node.id] = leftId;
    t.right[node.id] = rightId;
    t.missingLeft[node.id] = split.missingLeft ? 1 : 0;
    t.leafValue[node.id] = 0;
    t.gain[node.id] = split.gain;
    const depth = node.depth + 1;
    return [
      { id: leftId, depth, stats: split.left, slot: -1 },
      { id: rightId, depth, stats: split.right, slot: -1 },
    ];
  }

  /**
   * Gives children that can split a histogram: the smaller child's is built from its rows (queued in
   * `jobs`), the larger's is the parent's minus the smaller's once the jobs ran (queued in `subtractions`).
   */
  planHistograms(
    parent: OpenNode,
    children: [OpenNode, OpenNode],
    jobs: HistogramJob[],
    subtractions: Array<[OpenNode, OpenNode, OpenNode]>,
  ): void {
    const pool = this.context.builder.pool;
    const [a, b] = children;
    const [small, large] = a.stats.count <= b.stats.count ? [a, b] : [b, a];
    const needLarge = this.canSplit(large.depth, large.stats);
    const needSmall = this.canSplit(small.depth, small.stats);
    if (!needLarge && !needSmall) return;
    small.slot = pool.acquire();
    jobs.push({ slot: small.slot, begin: this.tree.begin[small.id], end: this.tree.end[small.id] });
    if (needLarge) {
      large.slot = pool.acquire();
      subtractions.push([parent, small, large]);
    }
  }

  finishHistograms(subtractions: Array<[OpenNode, OpenNode, OpenNode]>): void {
    const pool = this.context.builder.pool;
    for (const [parent, small, large] of subtractions) {
      subtractHistogram(pool.view(parent.slot), pool.view(small.slot), pool.view(large.slot));
    }
  }
}

/** Grows one tree on the context's current gradients and row sample, for the given feature subset. */
export function growTree(context: GrowthContext, features: Int32Array): GrownTree {
  const { builder, gradHess, rowIndex, sampleSize } = context;
  builder.pool.reset();
  builder.setFeatures(features);
  const tb = new TreeBuilder(context, features);
  let g = 0;
  let h = 0;
  for (let i = 0; i < sampleSize; i++) {
    const r = rowIndex[i];
    g += gradHess[2 * r];
    h += gradHess[2 * r + 1];
  }
  const rootStats = { g, h, count: sampleSize };
  const root: OpenNode = { id: tb.addNode(0, sampleSize, rootStats), depth: 0, stats: rootStats, slot: -1 };
  if (!tb.canSplit(0, rootStats)) return tb.tree;
  root.slot = builder.pool.acquire();
  builder.build([{ slot: root.slot, begin: 0, end: sampleSize }]);
  if (context.params.growPolicy === 'depthwise') growDepthwise(tb, root, context);
  else growLossguide(tb, root, context);
  return tb.tree;
}

function growDepthwise(tb: TreeBuilder, root: OpenNode, context: GrowthContext): void {
  const pool = context.builder.pool;
  // Every node of `level` holds a histogram and may split.
  let level: OpenNode[] = [root];
  while (level.length > 0) {
    const jobs: HistogramJob[] = [];
    const subtractions: Array<[OpenNode, OpenNode, OpenNode]> = [];
    const parents: OpenNode[] = [];
    const children: OpenNode[] = [];
    for (const node of level) {
      const split = tb.findSplit(node);
      if (!split) {
        pool.release(node.slot);
        continue;
      }
      const pair = tb.applySplit(node, split);
      tb.planHistograms(node, pair, jobs, subtractions);
      parents.push(node);
      children.push(...pair);
    }
    context.builder.build(jobs);
    tb.finishHistograms(subtractions);
    for (const parent of parents) pool.release(parent.slot);
    level = [];
    for (const child of children) {
      if (child.slot < 0) continue;
      // A small child may hold a histogram only for its sibling's subtraction.
      if (tb.canSplit(child.depth, child.stats)) level.push(child);
      else pool.release(child.slot);
    }
  }
}

function growLossguide(tb: TreeBuilder, root: OpenNode, context: GrowthContext): void {
  const pool = context.builder.pool;
  const { numLeaves } = context.params;
  const open: Array<{ node: OpenNode; split: SplitCandidate }> = [];
  const consider = (node: OpenNode) => {
    const split = tb.findSplit(node);
    if (split) open.push({ node, split });
    else pool.release(node.slot);
  };
  consider(root);
  let leaves = 1;
  while (open.length > 0 && (numLeaves === 0 || leaves < numLeaves)) {
    // The open leaf with the largest gain; ties go to the older node.
    let best = 0;
    for (let i = 1; i < open.length; i++) {
      const gain = open[i].split.gain;
      const bestGain = open[best].split.gain;
      if (gain > bestGain || (gain === bestGain && open[i].node.id < open[best].node.id)) best = i;
    }
    const [{ node, split }] = open.splice(best, 1);
    const children = tb.applySplit(node, split);
    leaves++;
    const jobs: HistogramJob[] = [];
    const subtractions: Array<[OpenNode, OpenNode, OpenNode]> = [];
    tb.planHistograms(node, children, jobs, subtractions);
    context.builder.build(jobs);
    tb.finishHistograms(subtractions);
    pool.release(node.slot);
    for (const child of children) {
      if (child.slot < 0) continue;
      if (tb.canSplit(child.depth, child.stats)) consider(child);
      else pool.release(child.slot);
    }
  }
  for (const { node } of open) pool.release(node.slot);
}

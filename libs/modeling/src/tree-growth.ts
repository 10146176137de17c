import type { BinnedMatrix } from './binning.js';
import type { HistogramJob } from './histogram-pool.js';
import { HISTOGRAM_STRIDE, type HistogramLayout } from './histogram.js';
import { findBestSplit, type NodeStats, type SplitCandidate, type SplitConstraints } from './split-finder.js';
import type { LeafTask, PartitionTask, SplitLeavesTask, TrainingExecutor } from './training-executor.js';

export type GrowPolicy =
  /** Level by level up to `maxDepth` (XGBoost's default `depthwise`). */
  | 'depthwise'
  /** Always split the leaf with the largest gain, up to `numLeaves` leaves (LightGBM, XGBoost `lossguide`). */
  | 'lossguide';

export interface GrowthParams extends SplitConstraints {
  growPolicy: GrowPolicy;
  /** 0 = no depth limit. */
  maxDepth: number;
  /** Leaf budget of `lossguide`, 0 = none. */
  numLeaves: number;
  learningRate: number;
}

/** Everything one tree is grown from; the executor's buffers are shared across trees. */
export interface GrowthContext {
  binned: BinnedMatrix;
  layout: HistogramLayout;
  executor: TrainingExecutor;
  /** Whether histograms count rows (then split constraints on counts apply). */
  countRows: boolean;
  params: GrowthParams;
}

/**
 * A tree as training grows it: per node the split (feature, value bin, its float32 upper bound), the
 * children, the row range it owns in the executor's row index (−1 for the leaves of the last level of a
 * depth-limited tree, which are never partitioned out) and its float32 value.
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
  /**
   * Hessian sum of the node's rows (XGBoost's `sum_hessian`, the cover TreeSHAP integrates over), from the
   * histograms: the root's from one feature's bins, a child's from its parent's split scan.
   */
  hessian: number[];
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
    hessian: [],
  };

  constructor(
    private readonly context: GrowthContext,
    private readonly features: Int32Array,
    /** The root holds every row in order, not yet written to the row index (see `PartitionTask.inOrder`). */
    private readonly rootInOrder: boolean,
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
    t.hessian.push(stats.h);
    return t.feature.length - 1;
  }

  /** Whether a node could still be split, so it is worth a histogram. */
  canSplit(depth: number, stats: NodeStats): boolean {
    const { maxDepth, minDataInLeaf, minChildWeight } = this.context.params;
    return (
      (maxDepth === 0 || depth < maxDepth) &&
      stats.count >= 2 * Math.max(1, this.context.countRows ? minDataInLeaf : 1) &&
      stats.h >= 2 * minChildWeight
    );
  }

  findSplit(node: OpenNode): SplitCandidate | null {
    const { executor, layout, params, countRows } = this.context;
    return findBestSplit(executor.pool.view(node.slot), node.stats, this.features, layout, params, countRows);
  }

  partitionTask(node: OpenNode, split: SplitCandidate): PartitionTask {
    return {
      begin: this.tree.begin[node.id],
      end: this.tree.end[node.id],
      feature: split.feature,
      bin: split.bin,
      missingCode: this.context.binned.bins.upperBounds[split.feature].length,
      missingLeft: split.missingLeft,
      inOrder: node.id === 0 && this.rootInOrder,
    };
  }

  /** Records a node's split and children (it stops being a leaf). */
  private markSplit(node: OpenNode, split: SplitCandidate, leftId: number, rightId: number): void {
    const t = this.tree;
    t.feature[node.id] = split.feature;
    t.bin[node.id] = split.bin;
    t.threshold[node.id] = this.context.binned.bins.upperBounds[split.feature][split.bin];
    t.left[node.id] = leftId;
    t.right[node.id] = rightId;
    t.missingLeft[node.id] = split.missingLeft ? 1 : 0;
    t.leafValue[node.id] = 0;
    t.gain[node.id] = split.gain;
  }

  /** Turns a partitioned node into an internal node with two children; returns the open children. */
  applySplit(node: OpenNode, split: SplitCandidate, leftRows: number): [OpenNode, OpenNode] {
    const t = this.tree;
    const begin = t.begin[node.id];
    const end = t.end[node.id];
    const middle = begin + leftRows;
    // Row counts come from the partition (exact even when histograms do not count rows).
    const leftStats = { g: split.left.g, h: split.left.h, count: leftRows };
    const rightStats = { g: split.right.g, h: split.right.h, count: end - middle };
    const leftId = this.addNode(begin, middle, leftStats);
    const rightId = this.addNode(middle, end, rightStats);
    this.markSplit(node, split, leftId, rightId);
    const depth = node.depth + 1;
    return [
      { id: leftId, depth, stats: leftStats, slot: -1 },
      { id: rightId, depth, stats: rightStats, slot: -1 },
    ];
  }

  /** Splits a node into two leaves without partitioning its rows (the last level of a depth-limited tree). */
  applyFinalSplit(node: OpenNode, split: SplitCandidate): SplitLeavesTask {
    const t = this.tree;
    const task = this.partitionTask(node, split);
    const leftId = this.addNode(-1, -1, split.left);
    const rightId = this.addNode(-1, -1, split.right);
    this.markSplit(node, split, leftId, rightId);
    return { ...task, leftValue: t.leafValue[leftId], rightValue: t.leafValue[rightId] };
  }

  /**
   * Gives children that can split a histogram: the smaller child's is built from its rows (queued in
   * `jobs`), the larger's is the parent's minus the smaller's, derived by the executor with the job.
   */
  planHistograms(parent: OpenNode, children: [OpenNode, OpenNode], jobs: HistogramJob[]): void {
    const pool = this.context.executor.pool;
    const [a, b] = children;
    const [small, large] = a.stats.count <= b.stats.count ? [a, b] : [b, a];
    const needLarge = this.canSplit(large.depth, large.stats);
    const needSmall = this.canSplit(small.depth, small.stats);
    if (!needLarge && !needSmall) return;
    small.slot = pool.acquire();
    const job: HistogramJob = { slot: small.slot, begin: this.tree.begin[small.id], end: this.tree.end[small.id] };
    if (needLarge) {
      large.slot = pool.acquire();
      job.sibling = { parent: parent.slot, slot: large.slot };
    }
    jobs.push(job);
  }

  /** Builds the queued histograms (deriving the siblings), and frees what no open node needs any more. */
  growHistograms(parents: OpenNode[], children: OpenNode[], jobs: HistogramJob[]): OpenNode[] {
    const { executor } = this.context;
    executor.buildHistograms(jobs);
    for (const parent of parents) executor.pool.release(parent.slot);
    const open: OpenNode[] = [];
    for (const child of children) {
      if (child.slot < 0) continue;
      // A small child may hold a histogram only for its sibling's subtraction.
      if (this.canSplit(child.depth, child.stats)) open.push(child);
      else executor.pool.release(child.slot);
    }
    return open;
  }
}

/**
 * Grows one tree on the executor's current gradients and the first `sampleSize` rows of its row index, and
 * adds its leaf values to those rows' margins.
 */
export function growTree(context: GrowthContext, features: Int32Array, sampleSize: number): GrownTree {
  const { executor, layout } = context;
  executor.pool.reset();
  executor.setFeatures(features);
  // Without row sampling the root's rows are 0..rows − 1 in order (see `sampleRows`): no gather needed, and
  // the row index is first written by the root's partition.
  const inOrder = sampleSize === context.binned.rows;
  const tb = new TreeBuilder(context, features, inOrder);
  const slot = executor.pool.acquire();
  executor.buildHistograms([{ slot, begin: 0, end: sampleSize, identity: inOrder }]);
  // The root's sums from one feature's bins (every row falls in exactly one of them): no pass over the rows.
  const hist = executor.pool.view(slot);
  const rootStats = { g: 0, h: 0, count: sampleSize };
  for (let b = layout.featureOffset[features[0]]; b < layout.featureOffset[features[0] + 1]; b++) {
    rootStats.g += hist[b * HISTOGRAM_STRIDE];
    rootStats.h += hist[b * HISTOGRAM_STRIDE + 1];
  }
  const root: OpenNode = { id: tb.addNode(0, sampleSize, rootStats), depth: 0, stats: rootStats, slot };
  if (tb.canSplit(0, rootStats)) {
    if (context.params.growPolicy === 'depthwise') growDepthwise(tb, root, context);
    else growLossguide(tb, root, context);
  }
  const leaves: LeafTask[] = [];
  const tree = tb.tree;
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node] < 0 && tree.begin[node] >= 0) {
      leaves.push({
        begin: tree.begin[node],
        end: tree.end[node],
        value: tree.leafValue[node],
        inOrder: node === 0 && inOrder,
      });
    }
  }
  executor.addLeafValues(leaves);
  return tree;
}

function growDepthwise(tb: TreeBuilder, root: OpenNode, context: GrowthContext): void {
  const { executor } = context;
  // Every node of `level` holds a histogram and may split.
  let level: OpenNode[] = [root];
  while (level.length > 0) {
    const splits: Array<[OpenNode, SplitCandidate]> = [];
    for (const node of level) {
      const split = tb.findSplit(node);
      if (split) splits.push([node, split]);
      else executor.pool.release(node.slot);
    }
    if (level[0].depth + 1 === context.params.maxDepth) {
      // Children of this level are leaves: credit their values straight to the rows, no partition.
      executor.addSplitLeafValues(splits.map(([node, split]) => tb.applyFinalSplit(node, split)));
      for (const [node] of splits) executor.pool.release(node.slot);
      return;
    }
    // One partition call for the whole level, so a parallel executor shares the level among threads.
    const leftRows = executor.partition(splits.map(([node, split]) => tb.partitionTask(node, split)));
    const jobs: HistogramJob[] = [];
    const children: OpenNode[] = [];
    splits.forEach(([node, split], i) => {
      const pair = tb.applySplit(node, split, leftRows[i]);
      tb.planHistograms(node, pair, jobs);
      children.push(...pair);
    });
    level = tb.growHistograms(
      splits.map(([node]) => node),
      children,
      jobs,
    );
  }
}

function growLossguide(tb: TreeBuilder, root: OpenNode, context: GrowthContext): void {
  const { executor } = context;
  const { numLeaves } = context.params;
  const open: Array<{ node: OpenNode; split: SplitCandidate }> = [];
  const consider = (nodes: OpenNode[]) => {
    for (const node of nodes) {
      const split = tb.findSplit(node);
      if (split) open.push({ node, split });
      else executor.pool.release(node.slot);
    }
  };
  consider([root]);
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
    const [leftRows] = executor.partition([tb.partitionTask(node, split)]);
    const pair = tb.applySplit(node, split, leftRows);
    leaves++;
    const jobs: HistogramJob[] = [];
    tb.planHistograms(node, pair, jobs);
    consider(tb.growHistograms([node], pair, jobs));
  }
  for (const { node } of open) executor.pool.release(node.slot);
}

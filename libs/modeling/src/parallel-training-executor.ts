import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  BUCKET_CONSTANTS_SOURCE,
  boundBetween,
  columnBounds,
  orderedKey,
  quantileBounds,
  radixPass,
  publishColumnBounds,
  sortFloat32,
  type FeatureBins,
  type FitMessage,
} from './binning.js';
import { ModelingError } from './errors.js';
import { HistogramPool, type HistogramJob } from './histogram-pool.js';
import { HISTOGRAM_KERNEL_PARAMS, HISTOGRAM_STRIDE, type HistogramKernel, type HistogramLayout } from './histogram.js';
import {
  KernelCache,
  type LeafTask,
  type PartitionTask,
  type SplitLeavesTask,
  type TrainingBuffers,
  type TrainingExecutor,
  writeInOrderRows,
} from './training-executor.js';
import {
  addLeafValueRange,
  addSplitLeafValuesRange,
  computeGradientsRange,
  copyRows,
  joinChunksIfLast,
  joinPartitionChunks,
  partitionRange,
} from './training-kernels.js';

/** Control words (Int32, shared). */
const SEQUENCE = 0;
const DONE = 1;
const FAILED = 2;
const SHUTDOWN = 3;
/** The next task of the shared list: threads draw from it with `Atomics.add` once their own list is done. */
const NEXT = 4;
const CONTROL_WORDS = 5;

/** Task opcodes and record layout: [op, up to ten arguments] as float64 (leaf values need doubles). */
const OP_HISTOGRAM = 1;
const OP_PARTITION = 2;
const OP_LEAF = 3;
const OP_GRADIENTS = 4;
const OP_SPLIT_LEAVES = 5;
const OP_PARTITION_CHUNK = 6;
const OP_FIT_BINS = 7;
/** Bounds per feature in the shared array the first worker writes them to (at most 255 bins). */
const MAX_BOUNDS = 256;
const TASK_STRIDE = 11;
/** Tasks per thread per round; bigger batches are split into rounds. */
const MAX_TASKS = 2048;
/**
 * Nodes with at least this many rows are partitioned by every thread at once (a chunk each, in place; the
 * thread that finishes a node's last chunk joins the chunks): the upper levels of a tree have one or two
 * such nodes, which dealing whole nodes to threads would leave to one thread. Smaller nodes are not worth
 * the join's block copies.
 */
const CHUNKED_PARTITION_ROWS = 131_072;
/**
 * Leaf updates (the last level's split leaves, and leaves) are cut into pieces of at most this many rows,
 * drawn from the shared list largest first. Whole nodes were dealt before: at the last level of a depth-6
 * tree on the large window one node holds 69–99 % of the rows, and only its rows being in ascending order
 * (cheaper per row than the scattered rows of the small nodes) kept the two threads near balance. Each
 * row's margin is updated once whoever updates it, so any cut gives the same bits.
 */
const LEAF_PIECE_ROWS = 32_768;
/** Row blocks of the gradient pass per thread, drawn from the shared list (a slowed thread takes fewer). */
const GRADIENT_BLOCKS_PER_THREAD = 4;
/**
 * Per chunked node, in the shared `joins` words: the count of its chunks done (`Atomics.add`), its first
 * result (the chunks' left rows are consecutive results), its chunk count, then its chunk bounds.
 */
const JOIN_DONE = 0;
const JOIN_FIRST_RESULT = 1;
const JOIN_CHUNKS = 2;
const JOIN_BOUNDS = 3;
/** Chunked nodes per round: each takes one result per thread. */
const joinStride = (threads: number) => JOIN_BOUNDS + threads + 1;
/**
 * What a histogram split by features costs each thread beyond its share of the features, as a fraction of
 * the whole histogram: every thread reads each row's index and gradient pair (measured on 909,528 rows ×
 * 15 features, 2 threads: 0.59–0.62 of the whole for an 8-feature half instead of 0.53).
 */
const FEATURE_SPLIT_OVERHEAD = 0.08;

/**
 * The histogram values (float64 index ranges, flattened [begin, end) pairs) a thread zeroes before it
 * builds its feature group of a histogram split by features: its features' bins; the first group also
 * takes the bins of features outside the tree's column sample, so that every value of the slot is zeroed
 * by exactly one thread.
 */
export function zeroRanges(
  layout: HistogramLayout,
  treeFeatures: ArrayLike<number>,
  group: ArrayLike<number>,
  first: boolean,
): number[] {
  // 1: in the group; 2: in the tree, not in the group; 0: outside the tree.
  const owner = new Uint8Array(layout.featureOffset.length - 1);
  for (let i = 0; i < treeFeatures.length; i++) owner[treeFeatures[i]] = 2;
  for (let i = 0; i < group.length; i++) owner[group[i]] = 1;
  const ranges: number[] = [];
  for (let f = 0; f < owner.length; f++) {
    if (owner[f] === 1 || (first && owner[f] === 0)) {
      const begin = layout.featureOffset[f] * HISTOGRAM_STRIDE;
      const end = layout.featureOffset[f + 1] * HISTOGRAM_STRIDE;
      if (ranges.length > 0 && ranges[ranges.length - 1] === begin) ranges[ranges.length - 1] = end;
      else ranges.push(begin, end);
    }
  }
  return ranges;
}

/** The row loops of training-kernels.ts, compiled from their own source in the worker. */
function workerRowLoopsSource(): string {
  return `
const computeGradientsRange = ${computeGradientsRange.toString()};
const copyRows = ${copyRows.toString()};
const partitionRange = ${partitionRange.toString()};
const addLeafValueRange = ${addLeafValueRange.toString()};
const addSplitLeafValuesRange = ${addSplitLeafValuesRange.toString()};
const joinPartitionChunks = ${joinPartitionChunks.toString()};
const deriveSibling = ${deriveSibling.toString()};
${BUCKET_CONSTANTS_SOURCE}const orderedKey = ${orderedKey.toString()};
const radixPass = ${radixPass.toString()};
const sortFloat32 = ${sortFloat32.toString()};
const boundBetween = ${boundBetween.toString()};
const quantileBounds = ${quantileBounds.toString()};
const columnBounds = ${columnBounds.toString()};
const publishColumnBounds = ${publishColumnBounds.toString()};
`;
}

/**
 * The worker's kernel cache, by source: a tree with the same features reuses the function V8 already
 * optimised (a fresh `new Function` starts again in the interpreter).
 */
function workerKernelCacheSource(): string {
  return `
const compiled = new Map();
const compile = (source) => {
  if (source === null) return null;
  let fn = compiled.get(source);
  if (fn === undefined) {
    if (compiled.size > 64) compiled.clear();
    fn = new Function(${HISTOGRAM_KERNEL_PARAMS.map((p) => `'${p}'`).join(', ')}, source);
    compiled.set(source, fn);
  }
  return fn;
};
`;
}

/**
 * The worker's loop. It runs the very functions the calling thread runs (their source is inlined below),
 * waits on shared memory, and receives histogram kernels and new histogram chunks on a port it drains
 * synchronously — one round trip costs two Atomics operations instead of two postMessage hops. Integer
 * arguments are read from the task records as int32 (`| 0`): passed on as the Float64Array's doubles, they
 * made the worker's row loops count in float64 — its partitions ran 2.3× and its gradients 1.3× slower
 * than the same loops on the calling thread (100 trees, 909,528 rows: 2 threads 6.8 → 4.9 s wall).
 */
function workerSource(): string {
  return `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, tasks, results, joins, port, slotsPerChunk, thread, sharedBase } = workerData;
let codes, rows, labels, margins, gradHess, rowIndex, scratch, histogramSize;
${workerRowLoopsSource()}const chunks = [];
let kernel = null;
let fullKernel = null;
let zero = [];
let fit = null;
const slotView = (slot) => { const start = (slot % slotsPerChunk) * histogramSize; return chunks[Math.floor(slot / slotsPerChunk)].subarray(start, start + histogramSize); };
${workerKernelCacheSource()}${workerRunTaskSource()}const joinChunksIfLast = ${joinChunksIfLast.toString()};
let seen = 0;
const base = thread * (1 + ${MAX_TASKS * TASK_STRIDE});
for (;;) {
  Atomics.wait(control, ${SEQUENCE}, seen);
  seen = Atomics.load(control, ${SEQUENCE});
  if (Atomics.load(control, ${SHUTDOWN}) === 1) break;
  try {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const message = m.message;
      if (message.type === 'chunk') chunks.push(message.chunk);
      else if (message.type === 'fit') fit = message;
      else if (message.type === 'buffers') ({ codes, rows, labels, margins, gradHess, rowIndex, scratch, layout: { size: histogramSize } } = message.buffers);
      else [kernel, fullKernel, zero] = [compile(message.source), compile(message.full), message.zero];
    }
    const count = tasks[base];
    for (let t = 0; t < count; t++) runTask(base + 1 + t * ${TASK_STRIDE});
    const shared = tasks[sharedBase];
    for (let t = Atomics.add(control, ${NEXT}, 1); t < shared; t = Atomics.add(control, ${NEXT}, 1)) {
      runTask(sharedBase + 1 + t * ${TASK_STRIDE});
    }
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.add(control, ${DONE}, 1);
  Atomics.notify(control, ${DONE});
}
`;
}

/** The worker's task loop body: one task record at \`o\` (see the calling thread's \`runOwnShare\`). */
function workerRunTaskSource(): string {
  return `const runTask = (o) => {
  const op = tasks[o];
  if (op === ${OP_HISTOGRAM}) {
    const whole = tasks[o + 5] === 1;
    const hist = slotView(tasks[o + 1] | 0);
    if (whole) hist.fill(0);
    else for (let z = 0; z < zero.length; z += 2) hist.fill(0, zero[z], zero[z + 1]);
    const run = whole ? fullKernel : kernel;
    if (run !== null) run(codes, gradHess, hist, (tasks[o + 4] | 0) === 1 ? null : rowIndex, (tasks[o + 2] | 0), (tasks[o + 3] | 0));
    if (tasks[o + 6] >= 0) deriveSibling(hist, slotView(tasks[o + 6] | 0), slotView(tasks[o + 7] | 0), whole ? null : zero);
  } else if (op === ${OP_PARTITION}) {
    results[(tasks[o + 7] | 0)] = partitionRange(codes, rowIndex, scratch, (tasks[o + 1] | 0), (tasks[o + 2] | 0), (tasks[o + 3] | 0) * rows, (tasks[o + 4] | 0), (tasks[o + 5] | 0), (tasks[o + 6] | 0), (tasks[o + 8] | 0));
  } else if (op === ${OP_LEAF}) {
    addLeafValueRange(margins, rowIndex, tasks[o + 3], (tasks[o + 1] | 0), (tasks[o + 2] | 0));
  } else if (op === ${OP_GRADIENTS}) {
    computeGradientsRange(margins, labels, gradHess, tasks[o + 3], (tasks[o + 1] | 0), (tasks[o + 2] | 0));
  } else if (op === ${OP_SPLIT_LEAVES}) {
    addSplitLeafValuesRange(codes, rowIndex, margins, (tasks[o + 1] | 0), (tasks[o + 2] | 0), (tasks[o + 3] | 0) * rows, (tasks[o + 4] | 0), (tasks[o + 5] | 0), (tasks[o + 6] | 0), tasks[o + 7], tasks[o + 8]);
  } else if (op === ${OP_PARTITION_CHUNK}) {
    results[(tasks[o + 7] | 0)] = partitionRange(codes, rowIndex, scratch, (tasks[o + 1] | 0), (tasks[o + 2] | 0), (tasks[o + 3] | 0) * rows, (tasks[o + 4] | 0), (tasks[o + 5] | 0), (tasks[o + 6] | 0), (tasks[o + 8] | 0));
    joinChunksIfLast(rowIndex, scratch, results, joins, tasks[o + 9] | 0);
  } else if (op === ${OP_FIT_BINS}) {
    publishColumnBounds(fit);
    fit = null;
  }
};
`;
}

/** Splits features into `groups` contiguous groups of near-equal size (every thread scans the same rows). */
function featureGroups(features: Int32Array, groups: number): Int32Array[] {
  return Array.from({ length: groups }, (_, g) =>
    features.subarray(Math.floor((g * features.length) / groups), Math.floor(((g + 1) * features.length) / groups)),
  );
}

/** A row range of a task: a whole node, or a piece of a big one. */
interface Piece<T> {
  task: T;
  begin: number;
  end: number;
}

/**
 * Cuts each task's row range into pieces of at most `maxRows` rows (near-equal pieces per task), largest
 * first (ties in task order, then row order).
 */
export function cutIntoPieces<T extends { begin: number; end: number }>(
  tasks: readonly T[],
  maxRows: number,
): Array<Piece<T>> {
  const pieces: Array<Piece<T>> = [];
  for (const task of tasks) {
    const count = Math.max(1, Math.ceil((task.end - task.begin) / maxRows));
    for (let p = 0; p < count; p++) {
      pieces.push({
        task,
        begin: task.begin + Math.floor((p * (task.end - task.begin)) / count),
        end: task.begin + Math.floor(((p + 1) * (task.end - task.begin)) / count),
      });
    }
  }
  return bySizeDescending(pieces).map((i) => pieces[i]);
}

/**
 * The subtraction trick on the thread that built `built`: `target = parent − built` over the given ranges
 * (flattened [begin, end) pairs, this thread's features of a split histogram) or, with `ranges` null, over
 * the whole histogram — the same elementwise float64 subtraction as {@link subtractHistogram}.
 * Self-contained: the worker compiles its source.
 */
export function deriveSibling(
  built: Float64Array,
  parent: Float64Array,
  target: Float64Array,
  ranges: readonly number[] | null,
): void {
  if (ranges === null) {
    for (let i = 0; i < target.length; i++) target[i] = parent[i] - built[i];
    return;
  }
  for (let z = 0; z < ranges.length; z += 2) {
    for (let i = ranges[z]; i < ranges[z + 1]; i++) target[i] = parent[i] - built[i];
  }
}

/** Indices of `items`, largest range first (ties in index order). */
function bySizeDescending(items: ReadonlyArray<{ begin: number; end: number }>): number[] {
  return items
    .map((_, i) => i)
    .sort((a, b) => items[b].end - items[b].begin - (items[a].end - items[a].begin) || a - b);
}

/**
 * Deals items (given largest first) to threads, each to the least-loaded thread (rows are the cost),
 * on top of the threads' `load` (updated).
 */
function dealInOrder(
  items: ReadonlyArray<{ begin: number; end: number }>,
  order: readonly number[],
  load: number[],
): number[][] {
  const dealt: number[][] = load.map(() => []);
  for (const i of order) {
    let target = 0;
    for (let t = 1; t < load.length; t++) if (load[t] < load[target]) target = t;
    dealt[target].push(i);
    load[target] += items[i].end - items[i].begin;
  }
  return dealt;
}

/**
 * How a level's histograms are shared: the `split` largest jobs are built by every thread for its own
 * feature group, the others whole (every feature) by one thread each (`whole[thread]`, job indices). The
 * number split is the one with the smallest busiest thread: one big node is split, many similar nodes are
 * dealt whole (which reads each row's index and gradient pair once instead of once per thread).
 */
export function planHistogramJobs(
  jobs: ReadonlyArray<{ begin: number; end: number }>,
  threads: number,
  groupShare: number,
): { split: number[]; whole: number[][] } {
  const order = bySizeDescending(jobs);
  const share = groupShare + FEATURE_SPLIT_OVERHEAD;
  let best: { split: number[]; whole: number[][] } | null = null;
  let bestMax = Infinity;
  let splitRows = 0;
  for (let k = 0; k <= order.length; k++) {
    if (k > 0) splitRows += jobs[order[k - 1]].end - jobs[order[k - 1]].begin;
    const load = new Array<number>(threads).fill(splitRows * share);
    const whole = dealInOrder(jobs, order.slice(k), load);
    const max = Math.max(...load);
    if (max < bestMax) {
      bestMax = max;
      best = { split: order.slice(0, k), whole };
    }
  }
  return best ?? { split: [], whole: [] };
}

class ParallelTrainingExecutor implements TrainingExecutor {
  readonly pool: HistogramPool;
  private readonly kernels: KernelCache;
  private readonly threads: number;
  private kernel: HistogramKernel | null = null;
  private fullKernel: HistogramKernel | null = null;
  /** The values of a histogram slot this thread zeroes when the slot is split by features. */
  private zero: number[] = [];
  /** The largest feature group's share of the tree's features. */
  private groupShare = 1;
  /** The features of the last `setFeatures`: the workers hold their kernels while it repeats. */
  private featuresKey = '';

  constructor(
    private readonly buffers: TrainingBuffers,
    private readonly workers: Worker[],
    private readonly ports: MessagePort[],
    private readonly control: Int32Array,
    private readonly tasks: Float64Array,
    private readonly results: Int32Array,
    private readonly joins: Int32Array,
  ) {
    this.threads = workers.length + 1;
    this.kernels = new KernelCache(buffers);
    this.pool = new HistogramPool(buffers.layout.size, true, (chunk) => {
      for (const port of this.ports) port.postMessage({ type: 'chunk', chunk });
    });
  }

  setFeatures(features: Int32Array): void {
    // Without column sampling every tree has the same features: no kernel source rebuilt, nothing posted.
    const key = features.join(',');
    if (key === this.featuresKey) return;
    this.featuresKey = key;
    const layout = this.buffers.layout;
    // The last group is a largest one: the calling thread takes it, so that when a split histogram's
    // groups are unequal (7 and 8 of 15 features) the workers finish first and the calling thread goes on
    // to the split search without being woken (a round trip's wake-ups cost ~13 µs here).
    const groups = featureGroups(features, this.threads);
    const own = groups[groups.length - 1];
    this.kernel = own.length > 0 ? this.kernels.get(own) : null;
    this.zero = zeroRanges(layout, features, own, true);
    this.fullKernel = this.kernels.get(features);
    this.groupShare = Math.max(...groups.map((group) => group.length)) / Math.max(1, features.length);
    const full = this.kernels.source(features);
    groups.slice(0, -1).forEach((group, i) => {
      this.ports[i].postMessage({
        type: 'kernel',
        source: group.length > 0 ? this.kernels.source(group) : null,
        full,
        zero: zeroRanges(layout, features, group, false),
      });
    });
  }

  buildHistograms(jobs: readonly HistogramJob[]): void {
    for (let start = 0; start < jobs.length; start += MAX_TASKS) {
      const round = jobs.slice(start, start + MAX_TASKS);
      // Each histogram is zeroed by the threads that build it (its feature groups, or the one thread).
      const record = (job: HistogramJob, whole: number) => [
        OP_HISTOGRAM,
        job.slot,
        job.begin,
        job.end,
        job.identity ? 1 : 0,
        whole,
        job.sibling?.parent ?? -1,
        job.sibling?.slot ?? -1,
      ];
      // Split jobs: every thread takes them for its own feature group; the others whole, each by the first
      // thread free for it, largest first.
      const { split } = planHistogramJobs(round, this.threads, this.groupShare);
      const splitJobs = split.map((i) => record(round[i], 0));
      const wholeJobs = bySizeDescending(round)
        .filter((i) => !split.includes(i))
        .map((i) => record(round[i], 1));
      this.run(
        Array.from({ length: this.threads }, () => splitJobs),
        wholeJobs,
      );
    }
  }

  partition(tasks: readonly PartitionTask[]): Int32Array {
    const leftRows = new Int32Array(tasks.length);
    const threads = this.threads;
    for (let start = 0; start < tasks.length; start += MAX_TASKS) {
      const round = tasks.slice(start, start + MAX_TASKS);
      // Results: one per whole node (at its index in the round), then one per chunk.
      let resultCount = round.length;
      const chunked: Array<{ task: number; firstResult: number; join: number }> = [];
      const whole: number[] = [];
      const stride = joinStride(threads);
      round.forEach((t, i) => {
        if (t.end - t.begin >= CHUNKED_PARTITION_ROWS && resultCount + threads <= MAX_TASKS) {
          const join = chunked.length * stride;
          this.writeJoin(join, t, resultCount);
          chunked.push({ task: i, firstResult: resultCount, join });
          resultCount += threads;
        } else {
          whole.push(i);
        }
      });
      const record = (op: number, t: PartitionTask, begin: number, end: number, result: number, join = 0) => [
        op,
        begin,
        end,
        t.feature,
        t.bin,
        t.missingCode,
        t.missingLeft ? 1 : 0,
        result,
        t.inOrder === true ? 1 : 0,
        join,
      ];
      // Chunks first, then whole nodes largest first, each to the first thread free for it.
      const shared = chunked.flatMap(({ task, firstResult, join }) =>
        Array.from({ length: threads }, (_, c) =>
          record(
            OP_PARTITION_CHUNK,
            round[task],
            this.joins[join + JOIN_BOUNDS + c],
            this.joins[join + JOIN_BOUNDS + c + 1],
            firstResult + c,
            join,
          ),
        ),
      );
      for (const k of bySizeDescending(whole.map((i) => round[i]))) {
        shared.push(record(OP_PARTITION, round[whole[k]], round[whole[k]].begin, round[whole[k]].end, whole[k]));
      }
      this.run(this.noOwnTasks(), shared);
      for (const i of whole) leftRows[start + i] = this.results[i];
      for (const { task, firstResult } of chunked) {
        let left = 0;
        for (let c = 0; c < threads; c++) left += this.results[firstResult + c];
        leftRows[start + task] = left;
      }
    }
    return leftRows;
  }

  /** A chunked node's record in `joins`: a chunk per thread, its left rows from result `firstResult` on. */
  private writeJoin(join: number, t: PartitionTask, firstResult: number): void {
    const threads = this.threads;
    this.joins[join + JOIN_DONE] = 0;
    this.joins[join + JOIN_FIRST_RESULT] = firstResult;
    this.joins[join + JOIN_CHUNKS] = threads;
    for (let c = 0; c <= threads; c++) {
      this.joins[join + JOIN_BOUNDS + c] = t.begin + Math.floor((c * (t.end - t.begin)) / threads);
    }
  }

  addLeafValues(tasks: readonly LeafTask[]): void {
    writeInOrderRows(this.buffers.rowIndex, tasks);
    this.runPieces(cutIntoPieces(tasks, LEAF_PIECE_ROWS), ({ task: t, begin, end }) => [OP_LEAF, begin, end, t.value]);
  }

  addSplitLeafValues(tasks: readonly SplitLeavesTask[]): void {
    writeInOrderRows(this.buffers.rowIndex, tasks);
    this.runPieces(cutIntoPieces(tasks, LEAF_PIECE_ROWS), ({ task: t, begin, end }) => [
      OP_SPLIT_LEAVES,
      begin,
      end,
      t.feature,
      t.bin,
      t.missingCode,
      t.missingLeft ? 1 : 0,
      t.leftValue,
      t.rightValue,
    ]);
  }

  /** Runs pieces (largest first) from the shared list, in rounds of at most `MAX_TASKS`. */
  private runPieces<T>(pieces: ReadonlyArray<Piece<T>>, record: (piece: Piece<T>) => number[]): void {
    for (let start = 0; start < pieces.length; start += MAX_TASKS) {
      this.run(this.noOwnTasks(), pieces.slice(start, start + MAX_TASKS).map(record));
    }
  }

  computeGradients(scalePosWeight: number): void {
    const rows = this.buffers.rows;
    const blocks = this.threads * GRADIENT_BLOCKS_PER_THREAD;
    this.run(
      this.noOwnTasks(),
      Array.from({ length: blocks }, (_, b) => [
        OP_GRADIENTS,
        Math.floor((b * rows) / blocks),
        Math.floor(((b + 1) * rows) / blocks),
        scalePosWeight,
      ]),
    );
  }

  private noOwnTasks(): number[][][] {
    return Array.from({ length: this.threads }, () => []);
  }

  /**
   * Writes each thread's own tasks and the shared list, wakes the workers, runs thread 0's own tasks and
   * its draws from the shared list here, waits for the rest. Which thread runs a shared task does not
   * change its result: tasks of one call touch disjoint rows and histograms.
   */
  private run(perThread: number[][][], shared: number[][] = []): void {
    const { control } = this;
    startRound(this.tasks, control, [...perThread, shared]);
    this.runOwnShare(perThread[0]);
    for (let t = Atomics.add(control, NEXT, 1); t < shared.length; t = Atomics.add(control, NEXT, 1)) {
      this.runOwnShare([shared[t]]);
    }
    finishRound(control, this.workers.length);
  }

  private runOwnShare(list: number[][]): void {
    const { codes, rows, labels, margins, gradHess, rowIndex, scratch } = this.buffers;
    for (const [op, a, b, c, d, e, f, g, h, j] of list) {
      if (op === OP_HISTOGRAM) {
        const hist = this.pool.view(a);
        if (e === 1) hist.fill(0);
        else for (let z = 0; z < this.zero.length; z += 2) hist.fill(0, this.zero[z], this.zero[z + 1]);
        const kernel = e === 1 ? this.fullKernel : this.kernel;
        kernel?.(codes, gradHess, hist, d === 1 ? null : rowIndex, b, c);
        if (f >= 0) deriveSibling(hist, this.pool.view(f), this.pool.view(g), e === 1 ? null : this.zero);
      } else if (op === OP_PARTITION) {
        this.results[g] = partitionRange(codes, rowIndex, scratch, a, b, c * rows, d, e, f, h);
      } else if (op === OP_LEAF) {
        // Records holding a double (a value) hold every element as one: the ranges go on as int32.
        addLeafValueRange(margins, rowIndex, c, a | 0, b | 0);
      } else if (op === OP_SPLIT_LEAVES) {
        addSplitLeafValuesRange(codes, rowIndex, margins, a | 0, b | 0, (c | 0) * rows, d | 0, e | 0, f | 0, g, h);
      } else if (op === OP_PARTITION_CHUNK) {
        this.results[g] = partitionRange(codes, rowIndex, scratch, a, b, c * rows, d, e, f, h);
        joinChunksIfLast(rowIndex, scratch, this.results, this.joins, j);
      } else {
        computeGradientsRange(margins, labels, gradHess, c, a | 0, b | 0);
      }
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.control, SHUTDOWN, 1);
    Atomics.add(this.control, SEQUENCE, 1);
    Atomics.notify(this.control, SEQUENCE);
    for (const port of this.ports) port.close();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Worker threads started before the training buffers exist, so that they start while the calling thread bins. */
export interface TrainingWorkers {
  /**
   * The executor that shares every call among the calling thread and the workers, over `buffers` (which must live
   * in SharedArrayBuffers), once every worker is online. Results do not depend on the thread count: each histogram
   * feature, partitioned node and row is handled by exactly one thread, in the same order as alone.
   */
  executor(buffers: TrainingBuffers): Promise<TrainingExecutor>;
  /**
   * Bins with the first worker: it sorts the sampled `columns` (in shared memory) and finds each feature's bounds,
   * feature by feature, while the calling thread runs `code` on each feature whose bounds are ready (the codes
   * need the caller's matrix). The bounds are {@link columnBounds}' whichever thread finds them; `code` returns the
   * bounds the feature keeps (those, or ones the caller found itself: `everyRowBounds`).
   */
  fitBins(
    columns: Float32Array[],
    sampled: number,
    maxBins: number,
    code: (feature: number, bounds: Float32Array) => Float32Array,
  ): Promise<FeatureBins>;
  /** Stops the workers when no executor was made (binning failed). */
  close(): Promise<void>;
}

/**
 * Starts `workerCount` training worker threads. They receive the buffers with {@link TrainingWorkers.executor}:
 * starting a worker takes tens of milliseconds of wall time, which the calling thread spends binning the matrix.
 */
export function startTrainingWorkers(workerCount: number): TrainingWorkers {
  const threads = workerCount + 1;
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  // One list per thread, then the shared list.
  const tasks = new Float64Array(new SharedArrayBuffer((threads + 1) * (1 + MAX_TASKS * TASK_STRIDE) * 8));
  const results = new Int32Array(new SharedArrayBuffer(MAX_TASKS * 4));
  const joins = new Int32Array(new SharedArrayBuffer(Math.ceil(MAX_TASKS / threads) * joinStride(threads) * 4));
  const { workers, ports, online } = spawnWorkers(workerCount, { control, tasks, results, joins });
  const terminate = async () => {
    for (const port of ports) port.close();
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  const ready = async () => {
    try {
      await online;
    } catch (error) {
      await terminate();
      throw error;
    }
  };
  return {
    async executor(buffers) {
      await ready();
      // Read by each worker at its first wake-up, before its first task (the port is drained first).
      for (const port of ports) port.postMessage({ type: 'buffers', buffers });
      return new ParallelTrainingExecutor(buffers, workers, ports, control, tasks, results, joins);
    },
    async fitBins(columns, sampled, maxBins, code) {
      await ready();
      return fitBinsWithWorker(
        { control, tasks, port: ports[0], workers: workers.length },
        columns,
        sampled,
        maxBins,
        code,
      );
    },
    close: terminate,
  };
}

/** Starts the worker threads on the shared control words and task lists; `online` once every one is running. */
function spawnWorkers(
  workerCount: number,
  shared: { control: Int32Array; tasks: Float64Array; results: Int32Array; joins: Int32Array },
): { workers: Worker[]; ports: MessagePort[]; online: Promise<unknown> } {
  const source = workerSource();
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  for (let i = 0; i < workerCount; i++) {
    const channel = new MessageChannel();
    workers.push(
      new Worker(source, {
        eval: true,
        workerData: {
          ...shared,
          port: channel.port2,
          slotsPerChunk: 16,
          thread: i + 1,
          sharedBase: (workerCount + 1) * (1 + MAX_TASKS * TASK_STRIDE),
        },
        transferList: [channel.port2],
      }),
    );
    ports.push(channel.port1);
  }
  const online = Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('online', resolve);
          worker.once('error', (error) =>
            reject(new ModelingError('RUNTIME_ERROR', `a training worker thread failed to start: ${error.message}`)),
          );
        }),
    ),
  );
  // Awaited before the first task; a failure before then is not left unhandled while the calling thread bins.
  online.catch(() => undefined);
  return { workers, ports, online };
}

/** {@link TrainingWorkers.fitBins}: the first worker's one task, and the codes here as its bounds come. */
function fitBinsWithWorker(
  threads: { control: Int32Array; tasks: Float64Array; port: MessagePort; workers: number },
  columns: Float32Array[],
  sampled: number,
  maxBins: number,
  code: (feature: number, bounds: Float32Array) => Float32Array,
): FeatureBins {
  const { control, tasks, port, workers } = threads;
  const cols = columns.length;
  const fit: FitMessage = {
    columns,
    sampled,
    maxBins,
    bounds: new Float32Array(new SharedArrayBuffer(cols * MAX_BOUNDS * 4)),
    stride: MAX_BOUNDS,
    counts: new Int32Array(new SharedArrayBuffer((cols + 1) * 4)),
  };
  port.postMessage({ type: 'fit', ...fit });
  // Worker 1's own list holds the task; every other list (and the shared one) is empty.
  startRound(
    tasks,
    control,
    Array.from({ length: workers + 2 }, (_, thread) => (thread === 1 ? [[OP_FIT_BINS]] : [])),
  );
  const upperBounds: Float32Array[] = [];
  for (let f = 0; f < cols; f++) {
    for (let ready = Atomics.load(fit.counts, cols); ready <= f; ready = Atomics.load(fit.counts, cols)) {
      // A worker that failed is done without having published every feature.
      if (Atomics.load(control, FAILED) === 1)
        throw new ModelingError('RUNTIME_ERROR', 'a training worker thread failed');
      Atomics.wait(fit.counts, cols, ready, 50);
    }
    upperBounds.push(code(f, fit.bounds.slice(f * MAX_BOUNDS, f * MAX_BOUNDS + fit.counts[f])));
  }
  finishRound(control, workers);
  return { upperBounds };
}

/**
 * Writes one round's task lists (each thread's own, then the shared list) and wakes the workers: the round
 * protocol every caller uses, so that the lists' layout and the control words are set in one place.
 */
function startRound(tasks: Float64Array, control: Int32Array, lists: number[][][]): void {
  lists.forEach((list, thread) => {
    const base = thread * (1 + MAX_TASKS * TASK_STRIDE);
    tasks[base] = list.length;
    list.forEach((record, i) => tasks.set(record, base + 1 + i * TASK_STRIDE));
  });
  Atomics.store(control, DONE, 0);
  Atomics.store(control, NEXT, 0);
  Atomics.add(control, SEQUENCE, 1);
  Atomics.notify(control, SEQUENCE);
}

/** Waits until every worker has finished the round; a failed worker fails the call. */
function finishRound(control: Int32Array, workers: number): void {
  for (let done = Atomics.load(control, DONE); done < workers; done = Atomics.load(control, DONE)) {
    Atomics.wait(control, DONE, done);
  }
  if (Atomics.load(control, FAILED) === 1) throw new ModelingError('RUNTIME_ERROR', 'a training worker thread failed');
}

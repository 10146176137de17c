import { HistogramPool, type HistogramJob } from './histogram-pool.js';
import {
  compileHistogramKernel,
  histogramKernelSource,
  subtractHistogram,
  type HistogramKernel,
  type HistogramLayout,
} from './histogram.js';
import {
  addLeafValueRange,
  addSplitLeafValuesRange,
  computeGradientsRange,
  fillRowIndexRange,
  partitionRange,
} from './training-kernels.js';

/** The arrays training works on; shared memory when worker threads take part. */
export interface TrainingBuffers {
  /** Column-major bin codes. */
  codes: Uint8Array;
  rows: number;
  layout: HistogramLayout;
  /** Whether histograms count rows (only `minDataInLeaf` > 1 needs it). */
  countRows: boolean;
  labels: Uint8Array;
  margins: Float64Array;
  /** Gradient and hessian per row, interleaved. */
  gradHess: Float32Array;
  /** The tree's rows, reordered so that every node owns a contiguous range. */
  rowIndex: Uint32Array;
  scratch: Uint32Array;
}

/** Split rows `rowIndex[begin, end)` on `feature`: value bins `<= bin` (and missing if `missingLeft`) go left. */
export interface PartitionTask {
  begin: number;
  end: number;
  feature: number;
  bin: number;
  missingCode: number;
  missingLeft: boolean;
  /**
   * The range holds rows `begin … end − 1` themselves and the row index is not written there yet: the root
   * of a tree without row sampling, which the partition reads directly and whose rows it then writes.
   */
  inOrder?: boolean;
}

/** A split whose children are leaves: add their values to the node's rows without partitioning them. */
export interface SplitLeavesTask extends PartitionTask {
  leftValue: number;
  rightValue: number;
}

/** Add `value` to the margins of rows `rowIndex[begin, end)` (a leaf). */
export interface LeafTask {
  begin: number;
  end: number;
  value: number;
  /** As {@link PartitionTask.inOrder} (a root that is a leaf). */
  inOrder?: boolean;
}

/**
 * Writes the row index of the tasks whose rows are still implicit (`inOrder`): a root that was never
 * partitioned (it is a leaf, or its split's children are the last level). Rare, so on the calling thread.
 */
export function writeInOrderRows(
  rowIndex: Uint32Array,
  tasks: ReadonlyArray<{ begin: number; end: number; inOrder?: boolean }>,
): void {
  for (const t of tasks) if (t.inOrder === true) fillRowIndexRange(rowIndex, t.begin, t.end);
}

/**
 * Runs the row loops of training: histograms, partitions, margin and gradient updates. The local executor
 * runs them on the calling thread; the parallel one shares each call among worker threads.
 */
export interface TrainingExecutor {
  readonly pool: HistogramPool;
  /** The features histograms are built for (the tree's column sample). */
  setFeatures(features: Int32Array): void;
  /** Zeroes and fills each job's histogram slot, then derives its sibling's if it has one. */
  buildHistograms(jobs: readonly HistogramJob[]): void;
  /** Partitions each task's rows; returns how many went left, per task. */
  partition(tasks: readonly PartitionTask[]): Int32Array;
  addLeafValues(tasks: readonly LeafTask[]): void;
  addSplitLeafValues(tasks: readonly SplitLeavesTask[]): void;
  /** Gradients of every row from the current margins. */
  computeGradients(scalePosWeight: number): void;
  close(): Promise<void>;
}

/** Histogram kernels compiled per feature subset, reused while the subset repeats. */
export class KernelCache {
  private readonly kernels = new Map<string, HistogramKernel>();

  constructor(private readonly buffers: Pick<TrainingBuffers, 'layout' | 'rows' | 'countRows'>) {}

  source(features: ArrayLike<number>): string {
    return histogramKernelSource(features, this.buffers.layout, this.buffers.rows, this.buffers.countRows);
  }

  get(features: ArrayLike<number>): HistogramKernel {
    const key = Array.prototype.join.call(features, ',');
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = compileHistogramKernel(this.source(features));
      if (this.kernels.size > 64) this.kernels.clear();
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}

/** Everything on the calling thread. */
export class LocalTrainingExecutor implements TrainingExecutor {
  readonly pool: HistogramPool;
  private readonly kernels: KernelCache;
  private kernel: HistogramKernel | null = null;

  constructor(private readonly buffers: TrainingBuffers) {
    this.pool = new HistogramPool(buffers.layout.size, false);
    this.kernels = new KernelCache(buffers);
  }

  setFeatures(features: Int32Array): void {
    this.kernel = this.kernels.get(features);
  }

  buildHistograms(jobs: readonly HistogramJob[]): void {
    const kernel = this.kernel;
    if (!kernel) throw new Error('setFeatures() must be called before buildHistograms()');
    const { codes, gradHess, rowIndex } = this.buffers;
    for (const job of jobs) {
      const hist = this.pool.view(job.slot);
      hist.fill(0);
      kernel(codes, gradHess, hist, job.identity ? null : rowIndex, job.begin, job.end);
      if (job.sibling) subtractHistogram(this.pool.view(job.sibling.parent), hist, this.pool.view(job.sibling.slot));
    }
  }

  partition(tasks: readonly PartitionTask[]): Int32Array {
    const { codes, rowIndex, scratch, rows } = this.buffers;
    return Int32Array.from(tasks, (t) =>
      partitionRange(
        codes,
        rowIndex,
        scratch,
        t.begin,
        t.end,
        t.feature * rows,
        t.bin,
        t.missingCode,
        t.missingLeft ? 1 : 0,
        t.inOrder === true ? 1 : 0,
      ),
    );
  }

  addLeafValues(tasks: readonly LeafTask[]): void {
    const { margins, rowIndex } = this.buffers;
    writeInOrderRows(rowIndex, tasks);
    for (const t of tasks) addLeafValueRange(margins, rowIndex, t.value, t.begin, t.end);
  }

  addSplitLeafValues(tasks: readonly SplitLeavesTask[]): void {
    const { codes, rowIndex, margins, rows } = this.buffers;
    writeInOrderRows(rowIndex, tasks);
    for (const t of tasks) {
      addSplitLeafValuesRange(
        codes,
        rowIndex,
        margins,
        t.begin,
        t.end,
        t.feature * rows,
        t.bin,
        t.missingCode,
        t.missingLeft ? 1 : 0,
        t.leftValue,
        t.rightValue,
      );
    }
  }

  computeGradients(scalePosWeight: number): void {
    const { margins, labels, gradHess, rows } = this.buffers;
    computeGradientsRange(margins, labels, gradHess, scalePosWeight, 0, rows);
  }

  async close(): Promise<void> {
    // Nothing runs outside the calling thread.
  }
}

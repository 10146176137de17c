import {
  compileHistogramKernel,
  histogramKernelSource,
  type HistogramKernel,
  type HistogramLayout,
} from './histogram.js';

/** Rows `rowIndex[begin..end)` go into histogram `slot`. */
export interface HistogramJob {
  slot: number;
  begin: number;
  end: number;
}

/**
 * Histogram slots, allocated in chunks (of shared memory when worker threads read them). Released slots
 * are reused, so a tree never holds more histograms than it has open nodes.
 */
export class HistogramPool {
  private readonly chunks: Float64Array[] = [];
  private readonly free: number[] = [];
  private allocated = 0;

  constructor(
    readonly size: number,
    private readonly shared: boolean,
    /** Called with each new chunk (a worker mirrors the pool). */
    private readonly onChunk: (chunk: Float64Array) => void = () => undefined,
    private readonly slotsPerChunk = 16,
  ) {}

  acquire(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.allocated === this.chunks.length * this.slotsPerChunk) {
      const bytes = this.size * this.slotsPerChunk * Float64Array.BYTES_PER_ELEMENT;
      const chunk = new Float64Array(this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
      this.chunks.push(chunk);
      this.onChunk(chunk);
    }
    return this.allocated++;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  /** Releases every slot (between trees). */
  reset(): void {
    this.free.length = 0;
    for (let slot = this.allocated - 1; slot >= 0; slot--) this.free.push(slot);
  }

  view(slot: number): Float64Array {
    const chunk = this.chunks[Math.floor(slot / this.slotsPerChunk)];
    const start = (slot % this.slotsPerChunk) * this.size;
    return chunk.subarray(start, start + this.size);
  }
}

/**
 * Builds histograms for a batch of nodes (a whole tree level at once, so a parallel builder synchronises
 * once per level rather than once per node).
 */
export interface HistogramBuilder {
  readonly pool: HistogramPool;
  /** The features histograms are built for (the tree's column sample). */
  setFeatures(features: Int32Array): void;
  /** Zeroes and fills each job's slot. */
  build(jobs: readonly HistogramJob[]): void;
  close(): Promise<void>;
}

/** The data every builder reads: bin codes, interleaved gradient/hessian pairs, the node-ordered row index. */
export interface HistogramInputs {
  codes: Uint8Array;
  gradHess: Float64Array;
  rowIndex: Uint32Array;
  rows: number;
  layout: HistogramLayout;
}

/** Kernels compiled per feature subset, reused while the subset repeats. */
export class KernelCache {
  private readonly kernels = new Map<string, HistogramKernel>();

  constructor(
    private readonly layout: HistogramLayout,
    private readonly rows: number,
  ) {}

  get(features: ArrayLike<number>): HistogramKernel {
    const key = Array.prototype.join.call(features, ',');
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = compileHistogramKernel(histogramKernelSource(features, this.layout, this.rows));
      if (this.kernels.size > 64) this.kernels.clear();
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}

/** Builds every histogram on the calling thread. */
export class LocalHistogramBuilder implements HistogramBuilder {
  readonly pool: HistogramPool;
  private readonly kernels: KernelCache;
  private kernel: HistogramKernel | null = null;

  constructor(private readonly inputs: HistogramInputs) {
    this.pool = new HistogramPool(inputs.layout.size, false);
    this.kernels = new KernelCache(inputs.layout, inputs.rows);
  }

  setFeatures(features: Int32Array): void {
    this.kernel = this.kernels.get(features);
  }

  build(jobs: readonly HistogramJob[]): void {
    const kernel = this.kernel;
    if (!kernel) throw new Error('setFeatures() must be called before build()');
    const { codes, gradHess, rowIndex } = this.inputs;
    for (const job of jobs) {
      const hist = this.pool.view(job.slot);
      hist.fill(0);
      kernel(codes, gradHess, hist, rowIndex, job.begin, job.end);
    }
  }

  async close(): Promise<void> {
    // Nothing to release on the calling thread.
  }
}

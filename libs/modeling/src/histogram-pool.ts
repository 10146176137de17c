/** Rows `rowIndex[begin..end)` go into histogram `slot`. */
export interface HistogramJob {
  slot: number;
  begin: number;
  end: number;
  /** The range holds rows `begin..end` in order (`rowIndex[i] = i`): the kernel reads them without the index. */
  identity?: boolean;
  /**
   * Once this histogram is built, its sibling's is derived as `parent − this` (the subtraction trick) into
   * slot `slot`, by the thread that built it (each thread for its features when it is split by features).
   */
  sibling?: { parent: number; slot: number };
}

/**
 * Histogram slots, allocated in chunks (of shared memory when worker threads fill them). Released slots
 * are reused, so a tree never holds more histograms than it has open nodes.
 */
export class HistogramPool {
  private readonly chunks: Float64Array[] = [];
  private readonly free: number[] = [];
  private allocated = 0;

  constructor(
    /** Float64 values per histogram. */
    readonly size: number,
    private readonly shared: boolean,
    /** Called with each new chunk, so worker threads can mirror the pool. */
    private readonly onChunk: (chunk: Float64Array) => void = () => undefined,
    readonly slotsPerChunk = 16,
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

  /** Makes every slot free again (between trees). */
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

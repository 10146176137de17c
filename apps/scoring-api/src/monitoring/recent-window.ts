/**
 * The most recent `capacity` scored rows — score, feature vector, decision of the challenger if any —
 * in preallocated typed arrays (a ring): drift is computed over it and reload candidates are smoke-scored
 * on it, without allocating per request.
 */
export class RecentWindow {
  readonly scores: Float32Array;
  readonly features: Float32Array;
  /** Challenger probability per row, NaN where no challenger scored the row. */
  readonly challengerScores: Float32Array;
  /** The sequence number of the row in each slot, so a late challenger score finds its row or knows it is gone. */
  private readonly sequence: Float64Array;
  private pushed = 0;
  private filled = 0;

  constructor(
    readonly capacity: number,
    readonly featureCount: number,
  ) {
    this.scores = new Float32Array(capacity);
    this.features = new Float32Array(capacity * featureCount);
    this.challengerScores = new Float32Array(capacity).fill(Number.NaN);
    this.sequence = new Float64Array(capacity).fill(-1);
  }

  get size(): number {
    return this.filled;
  }

  /** Appends `rows` rows; returns the sequence number of the first, to attach challenger scores later. */
  push(scores: Float32Array, features: Float32Array, rows: number): number {
    const first = this.pushed;
    const f = this.featureCount;
    // Whole runs of slots at once (one run, or two where the ring wraps): a typed-array copy per run, not per row.
    for (let r = 0; r < rows;) {
      const slot = (first + r) % this.capacity;
      const run = Math.min(rows - r, this.capacity - slot);
      this.scores.set(scores.subarray(r, r + run), slot);
      this.features.set(features.subarray(r * f, (r + run) * f), slot * f);
      this.challengerScores.fill(Number.NaN, slot, slot + run);
      for (let k = 0; k < run; k++) this.sequence[slot + k] = first + r + k;
      r += run;
    }
    this.pushed += rows;
    this.filled = Math.min(this.capacity, this.pushed);
    return first;
  }

  /** Records the challenger's scores for rows pushed from sequence `first` on (skipping rows overwritten since). */
  attachChallenger(first: number, challengerScores: Float32Array): void {
    for (let r = 0; r < challengerScores.length; r++) {
      const slot = (first + r) % this.capacity;
      if (this.sequence[slot] === first + r) this.challengerScores[slot] = challengerScores[r];
    }
  }

  /** Scores currently held (a copy, oldest order irrelevant for distributions). */
  scoreSample(): Float32Array {
    return this.scores.slice(0, this.filled);
  }

  /** Column `feature` of the held rows. */
  featureColumn(feature: number): Float64Array {
    const column = new Float64Array(this.filled);
    for (let r = 0; r < this.filled; r++) column[r] = this.features[r * this.featureCount + feature];
    return column;
  }

  /** Up to `rows` held feature vectors (row-major), for smoke-scoring a reload candidate on real traffic. */
  sampleRows(rows: number): { features: Float32Array; rows: number } {
    const n = Math.min(rows, this.filled);
    return { features: this.features.slice(0, n * this.featureCount), rows: n };
  }
}

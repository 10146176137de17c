/**
 * The most recent scores whose fraud label has arrived (through feedback), with the threshold each was
 * decided at: the accuracy the service actually delivers, which lags the scores by the label delay.
 */
export class LabelledWindow {
  readonly scores: Float32Array;
  readonly labels: Uint8Array;
  readonly alerted: Uint8Array;
  private pushed = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float32Array(capacity);
    this.labels = new Uint8Array(capacity);
    this.alerted = new Uint8Array(capacity);
  }

  get size(): number {
    return Math.min(this.pushed, this.capacity);
  }

  push(score: number, label: 0 | 1, threshold: number): void {
    const slot = this.pushed++ % this.capacity;
    this.scores[slot] = score;
    this.labels[slot] = label;
    this.alerted[slot] = score >= threshold ? 1 : 0;
  }

  /** Confusion counts of the decisions that were actually returned. */
  confusion(): { tp: number; fp: number; tn: number; fn: number } {
    const counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (let i = 0; i < this.size; i++) {
      if (this.alerted[i] && this.labels[i]) counts.tp++;
      else if (this.alerted[i]) counts.fp++;
      else if (this.labels[i]) counts.fn++;
      else counts.tn++;
    }
    return counts;
  }
}

import { BoundedMap } from './bounded-map.js';
import type { RowExplanation } from './model/row-explainer.js';

/** The answer given for one transaction, remembered so a retry of the same id gets it back unchanged. */
export interface RememberedAnswer {
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
  modelVersion: number;
  /** The transaction came later than the late tolerance (scored against the state as of the newest time). */
  late: boolean;
  /** The contributions behind the answer, when it was explained: a retry gets the same reasons. */
  explanation?: RowExplanation;
}

export interface MemoryEntry<T> {
  /** The transaction as first received: a repeat must carry the same fields. */
  transaction: T;
  /** Set once scored. */
  answer: RememberedAnswer | undefined;
  /**
   * The batch's feature matrix (row-major) holding this transaction's vector at row `row`, kept only until the
   * answer exists (a retry racing the first request rescores it); a reference, not a copy.
   */
  vectors: Float32Array | undefined;
  row: number;
  /** Whether it came late (see `RememberedAnswer.late`). */
  late: boolean;
  /** The label from feedback, once known. */
  label: 0 | 1 | undefined;
}

/**
 * Transaction id → what the service did with it, for the most recent `capacity` ids (oldest forgotten first).
 * This is what makes a repeated `transaction_id` return the same answer without updating the state twice,
 * and what feedback uses to pair a label with the score it judges.
 */
export class AnswerMemory<T> {
  private readonly entries: BoundedMap<MemoryEntry<T>>;

  constructor(readonly capacity: number) {
    this.entries = new BoundedMap(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: number): MemoryEntry<T> | undefined {
    return this.entries.get(id);
  }

  /**
   * Remembers a freshly vectorised transaction (before it is scored), its vector at row `row` of `vectors`,
   * which must not change afterwards; returns the entry, which {@link settleAnswer} completes.
   */
  remember(id: number, transaction: T, vectors: Float32Array, row: number, late: boolean): MemoryEntry<T> {
    const entry: MemoryEntry<T> = { transaction, answer: undefined, vectors, row, late, label: undefined };
    this.entries.set(id, entry);
    return entry;
  }

  /** The answer of `entry`'s transaction; the first one given stands (a racing retry gets it too). */
  settleAnswer(entry: MemoryEntry<T>, answer: RememberedAnswer): void {
    if (entry.answer) return;
    entry.answer = answer;
    entry.vectors = undefined;
  }

  /** Records a label; says whether the id was known and whether it had that label already. */
  rememberLabel(id: number, label: 0 | 1): 'known' | 'unknown' | 'repeated' {
    const entry = this.entries.get(id);
    if (!entry) return 'unknown';
    if (entry.label === label) return 'repeated';
    entry.label = label;
    return 'known';
  }
}

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
  answer?: RememberedAnswer;
  /** The feature vector, kept only until the answer exists (a retry racing the first request rescores it). */
  vector?: Float32Array;
  /** Whether it came late (see `RememberedAnswer.late`). */
  late: boolean;
  /** The label from feedback, once known. */
  label?: 0 | 1;
}

/**
 * Transaction id → what the service did with it, for the most recent `capacity` ids (oldest forgotten first).
 * This is what makes a repeated `transaction_id` return the same answer without updating the state twice,
 * and what feedback uses to pair a label with the score it judges.
 */
export class AnswerMemory<T> {
  private readonly entries: BoundedMap<number, MemoryEntry<T>>;

  constructor(readonly capacity: number) {
    this.entries = new BoundedMap(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: number): MemoryEntry<T> | undefined {
    return this.entries.get(id);
  }

  /** Remembers a freshly vectorised transaction (before it is scored); `vector` must not change afterwards. */
  remember(id: number, transaction: T, vector: Float32Array, late: boolean): void {
    this.entries.set(id, { transaction, vector, late });
  }

  rememberAnswer(id: number, answer: RememberedAnswer): void {
    const entry = this.entries.get(id);
    if (!entry || entry.answer) return;
    entry.answer = answer;
    entry.vector = undefined;
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

import type { TransactionColumns } from './features/feature-pipeline.js';
import { KeyRing, grownTo } from './key-ring.js';
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

/** `flags` bits. */
const ANSWERED = 1;
const LATE = 2;
const ALERT = 4;
const LABELLED = 8;
const FRAUD = 16;
const EXPLAINED = 32;

/**
 * Transaction id → what the service did with it, for the most recent `capacity` ids (oldest forgotten first).
 * This is what makes a repeated `transaction_id` return the same answer without updating the state twice,
 * and what feedback uses to pair a label with the score it judges.
 *
 * Columnar: each id has a slot of a {@link KeyRing}, and what is known of it — the transaction's fields (a
 * repeat must carry the same), the answer once given, its lateness and label — sits in typed arrays at that
 * slot. A batch of a thousand fresh transactions makes no object here (an answer object is made only when a
 * repeat or feedback asks for one), and nothing the memory holds is an object for the garbage collector to
 * trace or promote, whatever the capacity.
 */
export class AnswerMemory {
  private readonly ring: KeyRing;
  private times = new Float64Array(0);
  private customers = new Float64Array(0);
  private terminals = new Float64Array(0);
  private amounts = new Float64Array(0);
  private probabilities = new Float64Array(0);
  private thresholds = new Float64Array(0);
  private versions = new Float64Array(0);
  private flags = new Uint8Array(0);
  private rows = new Int32Array(0);
  /**
   * Until its answer exists, the batch's feature matrix (row-major) holding a transaction's vector at `rows[slot]`
   * (a reference, not a copy): a retry racing the first request rescores that vector.
   */
  private readonly pending: Array<Float32Array | undefined> = [];
  /** The explanations of explained answers, by slot (most answers have none). */
  private readonly explanations = new Map<number, RowExplanation>();

  constructor(readonly capacity: number) {
    this.ring = new KeyRing(capacity);
  }

  get size(): number {
    return this.ring.size;
  }

  /** The id's slot, or −1 when it is not remembered. */
  slotOf(id: number): number {
    return this.ring.slotOf(id);
  }

  /** Whether `slot` still belongs to `id` (slots are reused once the memory is full). */
  holds(slot: number, id: number): boolean {
    return this.ring.holds(slot, id);
  }

  /** Whether row `row` of `columns` carries the fields the transaction in `slot` was first received with. */
  sameFields(slot: number, columns: TransactionColumns, row: number): boolean {
    return (
      this.times[slot] === columns.times[row] &&
      this.customers[slot] === columns.customers[row] &&
      this.terminals[slot] === columns.terminals[row] &&
      this.amounts[slot] === columns.amounts[row]
    );
  }

  /**
   * Remembers row `row` of `columns`, freshly vectorised (not yet scored), with its vector at row `row` of
   * `vectors`, which must not change afterwards; returns its slot (−1 with capacity 0), which {@link settle}
   * completes.
   */
  remember(columns: TransactionColumns, row: number, vectors: Float32Array, late: boolean): number {
    const slot = this.ring.insert(columns.keys[row]);
    if (slot < 0) return slot;
    if (slot >= this.flags.length) this.grow();
    else if (this.flags[slot] & EXPLAINED) this.explanations.delete(slot);
    this.times[slot] = columns.times[row];
    this.customers[slot] = columns.customers[row];
    this.terminals[slot] = columns.terminals[row];
    this.amounts[slot] = columns.amounts[row];
    this.flags[slot] = late ? LATE : 0;
    this.rows[slot] = row;
    this.pending[slot] = vectors;
    return slot;
  }

  /** Whether the transaction in `slot` has its answer. */
  answered(slot: number): boolean {
    return (this.flags[slot] & ANSWERED) !== 0;
  }

  /** Whether the transaction in `slot` came late (see `RememberedAnswer.late`). */
  late(slot: number): boolean {
    return (this.flags[slot] & LATE) !== 0;
  }

  /** Until answered: the matrix holding the transaction's vector (row {@link pendingRow}); then undefined. */
  pendingVectors(slot: number): Float32Array | undefined {
    return this.pending[slot];
  }

  pendingRow(slot: number): number {
    return this.rows[slot];
  }

  /**
   * Records the answer of id `id`, remembered in `slot`; the first one given stands (a racing retry gets it
   * too), and nothing happens when the slot went to a newer id in the meantime.
   */
  settle(
    slot: number,
    id: number,
    probability: number,
    alert: boolean,
    threshold: number,
    modelVersion: number,
    explanation: RowExplanation | undefined,
  ): void {
    if (!this.ring.holds(slot, id) || this.flags[slot] & ANSWERED) return;
    this.probabilities[slot] = probability;
    this.thresholds[slot] = threshold;
    this.versions[slot] = modelVersion;
    let flags = this.flags[slot] | ANSWERED | (alert ? ALERT : 0);
    if (explanation) {
      this.explanations.set(slot, explanation);
      flags |= EXPLAINED;
    }
    this.flags[slot] = flags;
    this.pending[slot] = undefined;
  }

  /** The answer given to the transaction in `slot`, as an object (for repeats and feedback), once it exists. */
  answerOf(slot: number): RememberedAnswer | undefined {
    const flags = this.flags[slot];
    if (!(flags & ANSWERED)) return undefined;
    const answer: RememberedAnswer = {
      probability: this.probabilities[slot],
      decision: flags & ALERT ? 'alert' : 'pass',
      threshold: this.thresholds[slot],
      modelVersion: this.versions[slot],
      late: (flags & LATE) !== 0,
    };
    if (flags & EXPLAINED) answer.explanation = this.explanations.get(slot);
    return answer;
  }

  /** Records a label; says whether the id was known and whether it had that label already. */
  rememberLabel(id: number, label: 0 | 1): 'known' | 'unknown' | 'repeated' {
    const slot = this.ring.slotOf(id);
    if (slot < 0) return 'unknown';
    const flags = this.flags[slot];
    if (flags & LABELLED && (flags & FRAUD ? 1 : 0) === label) return 'repeated';
    this.flags[slot] = (flags & ~FRAUD) | LABELLED | (label === 1 ? FRAUD : 0);
    return 'known';
  }

  /** Columns as long as the ring's slots. */
  private grow(): void {
    const length = this.ring.length;
    this.times = grownTo(this.times, length);
    this.customers = grownTo(this.customers, length);
    this.terminals = grownTo(this.terminals, length);
    this.amounts = grownTo(this.amounts, length);
    this.probabilities = grownTo(this.probabilities, length);
    this.thresholds = grownTo(this.thresholds, length);
    this.versions = grownTo(this.versions, length);
    this.flags = grownTo(this.flags, length);
    this.rows = grownTo(this.rows, length);
  }
}

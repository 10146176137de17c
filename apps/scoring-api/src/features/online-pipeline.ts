import {
  FeaturesError,
  OnlineFeatureState,
  featureNames,
  readOnlineSnapshot,
  writeOnlineSnapshot,
  type FeatureSpec,
  type OnlineTransaction,
} from '@fraudops/features';
import { ScoringError } from '../errors.js';
import {
  VECTOR_FRESH,
  VECTOR_LATE,
  type FeaturePipeline,
  type FeatureSpecIdentity,
  type LabelOutcome,
  type LatePolicy,
  type TransactionColumns,
} from './feature-pipeline.js';

/** Maps the validated request transaction to the online state's numeric form. */
export interface TransactionAdapter<T> {
  toOnline(transaction: T): OnlineTransaction;
  /** Writes `toOnline(transaction)`'s fields into row `row` of `columns` (no object made). */
  readInto(transaction: T, columns: TransactionColumns, row: number): void;
  /** The id as the client sent it. */
  idOf(transaction: T): string | number;
  /** The numeric id the online state keys on, for an id as clients send it. */
  stateId(id: string | number): number;
}

export interface LateHandling {
  /** Seconds a transaction may lag the newest one and still count as on time. @defaultValue 300 */
  toleranceSeconds: number;
  /** What happens to a transaction beyond the tolerance. @defaultValue 'score' */
  policy: LatePolicy;
}

/**
 * {@link FeaturePipeline} over the features library's `OnlineFeatureState`. Same-second transactions are
 * taken in arrival order (request ids are not monotonic across clients). A transaction older than the
 * newest one enters the state at the newest time (`processLateInto`: the state keeps how late it was, so a
 * retry is recognised, also after a restart from a snapshot). Beyond `toleranceSeconds` it is late: scored
 * and flagged (policy `score`), or refused with `OUT_OF_ORDER` and nothing recorded (policy `reject`).
 */
export class OnlinePipeline<T> implements FeaturePipeline<T> {
  readonly spec: FeatureSpecIdentity;
  private state: OnlineFeatureState;
  private readonly scratch: Float64Array;
  private readonly late: LateHandling;

  constructor(
    private readonly featureSpec: FeatureSpec,
    private readonly adapter: TransactionAdapter<T>,
    late: Partial<LateHandling> = {},
  ) {
    this.state = new OnlineFeatureState(featureSpec, { tieOrder: 'arrival' });
    this.spec = { name: featureSpec.name, hash: this.state.specHash, features: featureNames(featureSpec) };
    this.scratch = new Float64Array(this.state.width);
    this.late = { toleranceSeconds: late.toleranceSeconds ?? 300, policy: late.policy ?? 'score' };
  }

  get newestTime(): number {
    return this.state.newestTimeUs / 1e6;
  }

  get size(): number {
    return this.state.stats().transactions;
  }

  idOf(transaction: T): string | number {
    return this.adapter.idOf(transaction);
  }

  keyOfId(id: string | number): number {
    return this.adapter.stateId(id);
  }

  keyOf(transaction: T): number {
    return this.keyOfId(this.adapter.idOf(transaction));
  }

  timeOf(transaction: T): number {
    return this.adapter.toOnline(transaction).txDatetime;
  }

  sameTransaction(a: T, b: T): boolean {
    const x = this.adapter.toOnline(a);
    const y = this.adapter.toOnline(b);
    return (
      x.txDatetime === y.txDatetime &&
      x.customerId === y.customerId &&
      x.terminalId === y.terminalId &&
      x.txAmount === y.txAmount
    );
  }

  vectorize(transaction: T, out: Float32Array, offset: number): number {
    const tx = this.adapter.toOnline(transaction);
    return this.vectorizeFields(
      tx.transactionId,
      tx.txDatetime,
      tx.customerId,
      tx.terminalId,
      tx.txAmount,
      out,
      offset,
    );
  }

  readColumns(transactions: readonly T[]): TransactionColumns {
    const n = transactions.length;
    const columns: TransactionColumns = {
      keys: new Float64Array(n),
      times: new Float64Array(n),
      customers: new Float64Array(n),
      terminals: new Float64Array(n),
      amounts: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) this.adapter.readInto(transactions[i], columns, i);
    return columns;
  }

  vectorizeRow(columns: TransactionColumns, row: number, out: Float32Array, offset: number): number {
    return this.vectorizeFields(
      columns.keys[row],
      columns.times[row],
      columns.customers[row],
      columns.terminals[row],
      columns.amounts[row],
      out,
      offset,
    );
  }

  private vectorizeFields(
    id: number,
    time: number,
    customer: number,
    terminal: number,
    amount: number,
    out: Float32Array,
    offset: number,
  ): number {
    const { toleranceSeconds, policy } = this.late;
    if (policy === 'reject' && time < this.newestTime - toleranceSeconds && !this.state.has(id)) {
      throw new ScoringError(
        'OUT_OF_ORDER',
        `A transaction is more than ${toleranceSeconds} s older than the newest transaction scored.`,
      );
    }
    const fresh = this.consume(id, time, customer, terminal, amount);
    for (let f = 0; f < this.scratch.length; f++) out[offset + f] = this.scratch[f];
    return (fresh ? VECTOR_FRESH : 0) | (this.state.lateBySeconds(id) > toleranceSeconds ? VECTOR_LATE : 0);
  }

  private consume(id: number, time: number, customer: number, terminal: number, amount: number): boolean {
    try {
      return this.state.processLateInto(id, time, customer, terminal, amount, this.scratch);
    } catch (error) {
      if (error instanceof FeaturesError && error.code === 'CONFLICTING_DUPLICATE') {
        throw new ScoringError(
          'CONFLICTING_TRANSACTION',
          'A transaction_id was reused for a transaction with different fields.',
        );
      }
      if (error instanceof FeaturesError && error.code === 'INVALID_TRANSACTION') {
        // The library's message carries the values; ours names the rule only.
        throw new ScoringError(
          'INVALID_REQUEST',
          'A transaction has a datetime or amount the online state cannot take (non-finite or out of range).',
        );
      }
      throw error;
    }
  }

  label(key: number, isFraud: boolean): LabelOutcome {
    return this.state.recordLabel(key, isFraud);
  }

  async saveSnapshot(path: string): Promise<void> {
    await writeOnlineSnapshot(this.state, path);
  }

  async loadSnapshot(path: string): Promise<void> {
    this.state = await readOnlineSnapshot(this.featureSpec, path);
  }
}

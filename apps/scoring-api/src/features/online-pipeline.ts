import {
  FeaturesError,
  OnlineFeatureState,
  featureNames,
  readOnlineSnapshot,
  writeOnlineSnapshot,
  type FeatureSpec,
  type OnlineTransaction,
} from '@fraudops/features';
import { BoundedMap } from '../bounded-map.js';
import { ScoringError } from '../errors.js';
import type { FeaturePipeline, FeatureSpecIdentity, LabelOutcome } from './feature-pipeline.js';

/** Maps the validated request transaction to the online state's numeric form. */
export interface TransactionAdapter<T> {
  toOnline(transaction: T): OnlineTransaction;
  /** The id as the client sent it. */
  idOf(transaction: T): string | number;
  /** The numeric id the online state keys on, for an id as clients send it. */
  stateId(id: string | number): number;
}

/** Late transactions whose clamped time is remembered (so a retry matches), at most this many. */
const LATE_MEMORY = 100_000;

/**
 * {@link FeaturePipeline} over the features library's `OnlineFeatureState`. Same-second transactions are
 * taken in arrival order (request ids are not monotonic across clients). A transaction older than the
 * newest one is taken at the newest time when it lags by at most `lateToleranceSeconds`, and refused
 * (`OUT_OF_ORDER`, nothing recorded) beyond that — unless the state already holds it (a retry).
 */
export class OnlinePipeline<T> implements FeaturePipeline<T> {
  readonly spec: FeatureSpecIdentity;
  private state: OnlineFeatureState;
  private newestSeconds = Number.NEGATIVE_INFINITY;
  private readonly scratch: Float64Array;
  /** State id → the (newest) time a late transaction was recorded at. */
  private readonly lateTimes = new BoundedMap<number, number>(LATE_MEMORY);

  constructor(
    private readonly featureSpec: FeatureSpec,
    private readonly adapter: TransactionAdapter<T>,
    private readonly lateToleranceSeconds = 300,
  ) {
    this.state = new OnlineFeatureState(featureSpec, { tieOrder: 'arrival' });
    this.spec = { name: featureSpec.name, hash: this.state.specHash, features: featureNames(featureSpec) };
    this.scratch = new Float64Array(this.state.width);
  }

  get newestTime(): number {
    return this.newestSeconds;
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
    return x.txDatetime === y.txDatetime && x.customerId === y.customerId && x.terminalId === y.terminalId && x.txAmount === y.txAmount;
  }

  vectorize(transaction: T, out: Float32Array, offset: number): boolean {
    const tx = this.adapter.toOnline(transaction);
    const late = this.lateTimes.get(tx.transactionId);
    let fresh: boolean;
    if (late !== undefined || tx.txDatetime >= this.newestSeconds) {
      fresh = this.consume(tx, late ?? tx.txDatetime);
    } else {
      try {
        // At its own time: a retry of a held transaction is recognised; a new one is out of order.
        fresh = this.consume(tx, tx.txDatetime);
      } catch (error) {
        if (!(error instanceof FeaturesError && error.code === 'OUT_OF_ORDER')) throw error;
        if (tx.txDatetime < this.newestSeconds - this.lateToleranceSeconds) {
          throw new ScoringError('OUT_OF_ORDER', `A transaction is more than ${this.lateToleranceSeconds} s older than the newest transaction scored.`);
        }
        fresh = this.consume(tx, this.newestSeconds);
        this.lateTimes.set(tx.transactionId, this.newestSeconds);
      }
    }
    for (let f = 0; f < this.scratch.length; f++) out[offset + f] = this.scratch[f];
    return fresh;
  }

  private consume(tx: OnlineTransaction, time: number): boolean {
    let fresh: boolean;
    try {
      fresh = this.state.processInto(tx.transactionId, time, tx.customerId, tx.terminalId, tx.txAmount, this.scratch);
    } catch (error) {
      if (error instanceof FeaturesError && error.code === 'CONFLICTING_DUPLICATE') {
        throw new ScoringError('CONFLICTING_TRANSACTION', 'A transaction_id was reused for a transaction with different fields.');
      }
      if (error instanceof FeaturesError && error.code === 'INVALID_TRANSACTION') {
        // The library's message carries the values; ours names the rule only.
        throw new ScoringError('INVALID_REQUEST', 'A transaction has a datetime or amount the online state cannot take (non-finite or out of range).');
      }
      throw error;
    }
    if (time > this.newestSeconds) this.newestSeconds = time;
    return fresh;
  }

  label(key: number, isFraud: boolean): LabelOutcome {
    return this.state.recordLabel(key, isFraud);
  }

  async saveSnapshot(path: string): Promise<void> {
    await writeOnlineSnapshot(this.state, path);
  }

  async loadSnapshot(path: string): Promise<void> {
    const restored = await readOnlineSnapshot(this.featureSpec, path);
    this.state = restored;
    const newestUs = restored.exportImage().lastTimeUs;
    this.newestSeconds = Number.isFinite(newestUs) ? newestUs / 1e6 : Number.NEGATIVE_INFINITY;
  }
}

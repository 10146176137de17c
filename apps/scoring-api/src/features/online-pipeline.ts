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
import type { FeaturePipeline, FeatureSpecIdentity, LabelOutcome } from './feature-pipeline.js';

/** Maps the validated request transaction to the online state's numeric form. */
export interface TransactionAdapter<T> {
  toOnline(transaction: T): OnlineTransaction;
  /** The id as the client sent it. */
  idOf(transaction: T): string | number;
  /** The numeric id the online state keys on, for an id as clients send it. */
  stateId(id: string | number): number;
}

/**
 * {@link FeaturePipeline} over the features library's `OnlineFeatureState`. Same-second transactions are
 * taken in arrival order (request ids are not monotonic across clients), and a transaction older than the
 * newest one is taken at the newest time — the service has already bounded how late it may be.
 */
export class OnlinePipeline<T> implements FeaturePipeline<T> {
  readonly spec: FeatureSpecIdentity;
  private state: OnlineFeatureState;
  private newestSeconds = Number.NEGATIVE_INFINITY;
  private readonly scratch: Float64Array;

  constructor(
    private readonly featureSpec: FeatureSpec,
    private readonly adapter: TransactionAdapter<T>,
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

  keyOfId(id: string | number): string {
    return String(this.adapter.stateId(id));
  }

  keyOf(transaction: T): string {
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
    const time = Math.max(tx.txDatetime, this.newestSeconds);
    let fresh: boolean;
    try {
      fresh = this.state.processInto(tx.transactionId, time, tx.customerId, tx.terminalId, tx.txAmount, this.scratch);
    } catch (error) {
      if (error instanceof FeaturesError && error.code === 'CONFLICTING_DUPLICATE') {
        throw new ScoringError('CONFLICTING_TRANSACTION', 'A transaction_id was reused for a transaction with different fields.');
      }
      throw error;
    }
    if (time > this.newestSeconds) this.newestSeconds = time;
    for (let f = 0; f < this.scratch.length; f++) out[offset + f] = this.scratch[f];
    return fresh;
  }

  label(key: string, isFraud: boolean): LabelOutcome {
    return this.state.recordLabel(Number(key), isFraud);
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

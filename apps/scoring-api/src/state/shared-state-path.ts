import {
  planFeatures,
  toEpochUs,
  type FeaturePlan,
  type FeatureSpec,
  type OnlineTransaction,
} from '@fraudops/features';
import { Counter } from 'prom-client';
import { ScoringError } from '../errors.js';
import type { ServiceMetrics } from '../metrics.js';
import type { LabelledWindow } from '../monitoring/labelled-window.js';
import type { OnlineStateStore, StoredAnswer } from './state-store.js';
import { writeVector } from './vector.js';

/** A result row as the scoring path answers it. */
interface AnswerRow {
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
  late?: true;
  degraded?: true;
}

/** What the service does when the shared state does not answer in time. */
export type DegradedPolicy = 'refuse' | 'score';

/** A batch after the shared store, in request order (the shape the scoring path answers from). */
export interface SharedBatch {
  keys: number[];
  vectors: Float32Array;
  earlier: Array<StoredAnswer | undefined>;
  fresh: Uint8Array;
  /** 1 where the transaction came more than LATE_TOLERANCE_S behind the newest one (the store took it at the newest time). */
  late: Uint8Array;
  /** True when the store was unavailable and the vectors carry no history (DEGRADED_POLICY=score). */
  degraded?: boolean;
}

export interface SharedStatePathOptions<T> {
  store: OnlineStateStore;
  spec: FeatureSpec;
  toOnline(transaction: T): OnlineTransaction;
  policy: DegradedPolicy;
  metrics: ServiceMetrics;
}

/**
 * The scoring path's side of a shared state store (`STATE_STORE=redis://…`): applies a batch in time order
 * in one store call, settles answers first-wins across replicas, applies feedback once, and — when the store
 * does not answer — refuses with STATE_UNAVAILABLE or, with `DEGRADED_POLICY=score`, scores each transaction
 * on its own features with empty history (counted in `scoring_degraded_transactions_total`; such
 * transactions never enter the shared state).
 */
export class SharedStatePath<T> {
  readonly store: OnlineStateStore;
  private readonly plan: FeaturePlan;
  private readonly degradedCount: Counter;

  constructor(private readonly options: SharedStatePathOptions<T>) {
    this.store = options.store;
    this.plan = planFeatures(options.spec);
    this.degradedCount = new Counter({
      name: 'scoring_degraded_transactions_total',
      help: 'Transactions scored with empty history because the shared online state did not answer (DEGRADED_POLICY=score).',
      registers: [options.metrics.registry],
    });
  }

  get policy(): DegradedPolicy {
    return this.options.policy;
  }

  /** Whether the store answered lately; with DEGRADED_POLICY=score the service stays ready without it. */
  get ready(): boolean {
    return this.store.available || this.options.policy === 'score';
  }

  /** The batch through the store (earliest first, one call); see {@link SharedBatch}. */
  async apply(transactions: readonly T[], keys: number[], order: readonly number[]): Promise<SharedBatch> {
    const n = transactions.length;
    const width = this.plan.features.length;
    const online = order.map((i) => this.options.toOnline(transactions[i]));
    const batch: SharedBatch = {
      keys,
      vectors: new Float32Array(n * width),
      earlier: new Array<StoredAnswer | undefined>(n),
      fresh: new Uint8Array(n),
      late: new Uint8Array(n),
      degraded: false,
    };
    let applied;
    try {
      applied = await this.store.apply(online);
    } catch (error) {
      if (error instanceof ScoringError && error.code === 'STATE_UNAVAILABLE' && this.options.policy === 'score') {
        online.forEach((tx, k) => this.writeWithoutHistory(tx, batch.vectors, order[k] * width));
        batch.degraded = true;
        this.degradedCount.inc(n);
        return batch;
      }
      throw named(error, order);
    }
    applied.forEach((row, k) => {
      const i = order[k];
      batch.vectors.set(row.vector, i * width);
      batch.earlier[i] = row.answer;
      batch.fresh[i] = row.fresh ? 1 : 0;
      batch.late[i] = row.late ? 1 : 0;
    });
    return batch;
  }

  /**
   * Stores the answers just given (first one wins, with their lateness) and puts the one that stands into
   * `results`: a retry racing its first request on another replica gets the same answer. A degraded batch
   * stores nothing and flags its results.
   */
  async settle(batch: SharedBatch, results: AnswerRow[], modelVersion: number): Promise<void> {
    if (batch.degraded) {
      for (const row of results) row.degraded = true;
      return;
    }
    const pending = results.flatMap((_, i) => (batch.earlier[i] ? [] : [i]));
    if (pending.length === 0) return;
    const standing = await this.store.rememberAnswers(
      pending.map((i) => batch.keys[i]),
      pending.map((i) => {
        const { probability, decision, threshold, late } = results[i];
        return { probability, decision, threshold, modelVersion, late: late === true };
      }),
    );
    pending.forEach((i, k) => {
      const row = results[i];
      row.probability = standing[k].probability;
      row.decision = standing[k].decision;
      row.threshold = standing[k].threshold;
      if (standing[k].late) row.late = true;
      else delete row.late;
    });
  }

  /** Labels through the store (applied once across replicas), paired with the score they judge. */
  async feedback(
    labels: ReadonlyArray<{ transaction_id: string | number; is_fraud: boolean }>,
    keyOfId: (id: string | number) => number,
    labelled: LabelledWindow,
  ): Promise<{ applied: number; repeated: number; unknown: Array<string | number> }> {
    const results = await this.store.label(labels.map((l) => ({ key: keyOfId(l.transaction_id), fraud: l.is_fraud })));
    const outcome = { applied: 0, repeated: 0, unknown: [] as Array<string | number> };
    results.forEach((result, i) => {
      if (result.outcome === 'unknown') outcome.unknown.push(labels[i].transaction_id);
      else if (result.outcome === 'unchanged') outcome.repeated++;
      else {
        outcome.applied++;
        if (result.answer)
          labelled.push(result.answer.probability, labels[i].is_fraud ? 1 : 0, result.answer.threshold);
      }
    });
    const m = this.options.metrics.feedbackLabels;
    if (outcome.applied) m.inc({ outcome: 'applied' }, outcome.applied);
    if (outcome.repeated) m.inc({ outcome: 'repeated' }, outcome.repeated);
    if (outcome.unknown.length) m.inc({ outcome: 'unknown' }, outcome.unknown.length);
    return outcome;
  }

  /** The transaction's own features (amount, calendar) and empty windows: every window aggregate is 0. */
  private writeWithoutHistory(tx: OnlineTransaction, out: Float32Array, offset: number): void {
    writeVector(this.plan, toEpochUs(tx.txDatetime), tx.txAmount, () => 0, out, offset);
  }
}

/** The store's refusal, naming the request's transaction (the store counts in time order). */
function named(error: unknown, order: readonly number[]): unknown {
  if (!(error instanceof ScoringError)) return error;
  const index = (error as ScoringError & { index?: number }).index;
  if (index === undefined) return error;
  const i = order[index];
  const field = error.code === 'OUT_OF_ORDER' ? 'tx_datetime' : 'transaction_id';
  const problem =
    error.code === 'OUT_OF_ORDER'
      ? 'is too far behind the newest transaction scored'
      : 'was already used for a transaction with other fields';
  return new ScoringError(error.code, `transactions[${i}]: ${error.message}`, [
    { path: `transactions[${i}].${field}`, problem },
  ]);
}

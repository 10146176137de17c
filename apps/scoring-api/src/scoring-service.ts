import { AnswerMemory, type RememberedAnswer } from './answer-memory.js';
import { ScoringError } from './errors.js';
import {
  VECTOR_FRESH,
  VECTOR_LATE,
  type FeaturePipeline,
  type LabelOutcome,
  type TransactionColumns,
} from './features/feature-pipeline.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics, Tally } from './metrics.js';
import { ChallengerShadow } from './model/challenger-shadow.js';
import { scoreInChunks, scoreInProcess, type InferenceCounter } from './model/chunked-scoring.js';
import { ModelLifecycle, ref, type ModelRef, type ReloadStep } from './model/model-lifecycle.js';
import type { ModelLease } from './model/model-slot.js';
import { topReasons, type Reason, type RowExplanation } from './model/row-explainer.js';
import type { ModelSource, ServedModel } from './model/served-model.js';
import { LabelledWindow } from './monitoring/labelled-window.js';
import { RecentWindow } from './monitoring/recent-window.js';
import { Mutex, yieldToEventLoop } from './mutex.js';
import type { SharedStatePath } from './state/shared-state-path.js';

export type { ModelRef, ReloadStep } from './model/model-lifecycle.js';

export interface ScoringServiceOptions<T> {
  models: ModelSource;
  features: FeaturePipeline<T>;
  championUri: string;
  challengerUri?: string;
  /** Rows handled between two yields to the event loop. */
  chunkRows: number;
  monitoringWindow: number;
  answerCacheSize: number;
  maxFutureSeconds: number;
  metrics: ServiceMetrics;
  logger: Logger;
  /** The shared online state (`STATE_STORE=redis://…`); unset: the in-process engine of `features`. */
  shared?: SharedStatePath<T>;
}

export interface ScoredTransaction {
  transaction_id: string | number;
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
  /** Present (true) when the transaction came later than `LATE_TOLERANCE_S`: scored against the state as of the newest time. */
  late?: true;
  /** The largest contributions to the margin, largest |contribution| first; only on explained results. */
  reasons?: Reason[];
  /** Scored with empty history: the shared state did not answer (DEGRADED_POLICY=score). */
  degraded?: true;
}

/**
 * Which results get reasons, and how many each: every result (`"explain"` in the request) or only those whose
 * decision is `alert` (`EXPLAIN_ALERTS=top<k>`).
 */
export interface ExplainRequest {
  top: number;
  results: 'all' | 'alerts';
}

export interface ScoreResponse {
  model: ModelRef;
  results: ScoredTransaction[];
}

/**
 * A batch's answer in columns, request order: the route writes its JSON straight from these arrays (no result
 * object per row); {@link resultsOf} makes the result objects when a caller wants them.
 */
export interface ScoredBatch {
  model: ModelRef;
  rows: number;
  /** Row `i`'s transaction id, as sent. */
  idOf(row: number): string | number;
  probabilities: Float64Array;
  /** 1 where the decision is `alert`. */
  alerts: Uint8Array;
  thresholds: Float64Array;
  /** 1 where the result carries `"late": true`. */
  late: Uint8Array;
  /** The reasons of each explained row; absent when no row is explained. */
  reasons?: Array<Reason[] | undefined>;
}

/** What {@link ScoringService.scoreNow} answers: result objects (the shared state's path) or a {@link ScoredBatch}. */
export type ScoreAnswer = ScoreResponse | ScoredBatch;

/** Row `i` of a scored batch as the result object it stands for (keys in the order the JSON has them). */
export function resultAt(batch: ScoredBatch, i: number): ScoredTransaction {
  const result = scored(
    batch.idOf(i),
    batch.probabilities[i],
    batch.alerts[i] === 1 ? 'alert' : 'pass',
    batch.thresholds[i],
    batch.late[i] === 1,
  );
  const reasons = batch.reasons?.[i];
  if (reasons !== undefined) result.reasons = reasons;
  return result;
}

/** A scored batch's result objects, request order. */
export function resultsOf(batch: ScoredBatch): ScoredTransaction[] {
  const results = new Array<ScoredTransaction>(batch.rows);
  for (let i = 0; i < batch.rows; i++) results[i] = resultAt(batch, i);
  return results;
}

/** The answer as result objects, whichever form it came in. */
export function scoreResponse(answer: ScoreAnswer): ScoreResponse {
  return 'results' in answer ? answer : { model: answer.model, results: resultsOf(answer) };
}

export interface FeedbackResponse {
  applied: number;
  repeated: number;
  /** Ids (as sent) of transactions the service does not know (never scored, or past the state's horizon). */
  unknown: Array<string | number>;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** A batch after it went through the online state, in request order. */
interface AppliedBatch {
  /** Feature vectors, row-major. */
  vectors: Float32Array;
  /**
   * In-process state: each transaction's answer-memory slot (−1: none; its answer, once given, is the one that
   * stands) and the ids the slots were taken for.
   */
  slots?: Int32Array;
  keys?: ArrayLike<number>;
  /** The answer given earlier to a repeated transaction (no new score needed); absent when there is none. */
  earlier?: Array<RememberedAnswer | undefined>;
  /** 1 where the transaction entered the state now (counted, monitored, shadowed). */
  fresh: Uint8Array;
  /** 1 where the transaction came later than the late tolerance. */
  late: Uint8Array;
}

/** A batch on its way through the in-process state (see `prepareBatch` and `applyRows`). */
interface InMemoryBatch<T> extends AppliedBatch {
  transactions: readonly T[];
  columns: TransactionColumns;
  /** Row indices, earliest transaction first (request order among equal times). */
  order: ArrayLike<number>;
  /** The answer-memory slot of each transaction when the batch was checked (−1: not remembered). */
  known: Int32Array;
  /** Whether an id occurs more than once in the batch. */
  duplicates: boolean;
  slots: Int32Array;
  keys: Float64Array;
}

/**
 * The scoring service without HTTP: scoring through the online feature state, the answers already given,
 * feedback labels and the monitoring windows; which model answers is the {@link ModelLifecycle}'s business.
 * Routes call it; tests may call it directly.
 */
export class ScoringService<T> {
  readonly models: ModelLifecycle;
  readonly recent: RecentWindow;
  readonly labelled: LabelledWindow;
  private readonly answers: AnswerMemory;
  private readonly shadow: ChallengerShadow;
  private readonly stateLock = new Mutex();
  private warm = false;
  private draining = false;
  /** Label-bound children: observing per row must not hash the labels per row. */
  private readonly championScores: ReturnType<ServiceMetrics['scores']['labels']>;
  private readonly scoreBatchSizes: ReturnType<ServiceMetrics['batchSize']['labels']>;
  private readonly inferBatchSizes: ReturnType<ServiceMetrics['batchSize']['labels']>;
  /** Counted per batch, read into their counters when /metrics is read. */
  private readonly counts: { transactions: Tally; alerts: Tally; late: Tally; repeated: Tally };
  /** Rows the champion scored, by predictor (`scoring_inference_rows_total{path}`). */
  private readonly countInference: InferenceCounter;

  constructor(private readonly options: ScoringServiceOptions<T>) {
    const { features, metrics, logger } = options;
    this.recent = new RecentWindow(options.monitoringWindow, features.spec.features.length);
    this.labelled = new LabelledWindow(options.monitoringWindow);
    this.answers = new AnswerMemory(options.answerCacheSize);
    this.models = new ModelLifecycle({
      models: options.models,
      championUri: options.championUri,
      challengerUri: options.challengerUri,
      featureSpec: features.spec,
      sampleRows: (limit) => this.recent.sampleRows(limit),
      metrics,
      logger,
    });
    const challengerScores = metrics.scores.labels({ role: 'challenger' });
    this.shadow = new ChallengerShadow(
      this.models.challenger,
      this.recent,
      (p) => challengerScores.observe(p),
      options.chunkRows,
      logger,
    );
    this.championScores = metrics.scores.labels({ role: 'champion' });
    this.scoreBatchSizes = metrics.batchSize.labels({ endpoint: 'score' });
    this.inferBatchSizes = metrics.batchSize.labels({ endpoint: 'infer' });
    // Both paths appear in /metrics from the start, at 0.
    const inferenceRows = {
      typescript: metrics.tally(metrics.inferenceRows, { path: 'typescript' }),
      onnxruntime: metrics.tally(metrics.inferenceRows, { path: 'onnxruntime' }),
    };
    this.countInference = (path, rows) => inferenceRows[path](rows);
    this.counts = {
      transactions: metrics.tally(metrics.transactions),
      alerts: metrics.tally(metrics.alerts),
      late: metrics.tally(metrics.lateTransactions),
      repeated: metrics.tally(metrics.repeatedTransactions),
    };
  }

  get champion() {
    return this.models.champion;
  }

  get challenger() {
    return this.models.challenger;
  }

  get features(): FeaturePipeline<T> {
    return this.options.features;
  }

  get challengerUri(): string | undefined {
    return this.options.challengerUri;
  }

  get shadowRowsSkipped(): number {
    return this.shadow.rowsSkipped;
  }

  /** Loads the champion (and challenger); throws `STARTUP_FAILED` naming the URI and the reason. */
  loadModels(): Promise<void> {
    return this.models.loadModels();
  }

  /** See {@link ModelLifecycle.reload}. */
  reload(options: { force?: boolean } = {}): Promise<ReloadStep[]> {
    return this.models.reload(options);
  }

  markWarm(): void {
    this.warm = true;
  }

  startDraining(): void {
    this.draining = true;
  }

  /** True once shutdown began: new scoring requests are refused at arrival, those already received finish. */
  get isDraining(): boolean {
    return this.draining;
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.champion.model) reasons.push('no model loaded');
    if (!this.warm) reasons.push('online feature state warming up');
    if (this.draining) reasons.push('shutting down');
    if (this.options.shared && !this.options.shared.ready) reasons.push('shared online feature state unavailable');
    return { ready: reasons.length === 0, reasons };
  }

  /** Stateful calls wait for warm-up: live transactions must not interleave with the history replay. */
  private requireWarmState(): void {
    if (!this.warm) throw new ScoringError('NOT_READY', 'The online feature state is warming up; retry shortly.');
  }

  private leaseChampion(): ModelLease {
    return this.models.leaseChampion();
  }

  /**
   * Scores transactions through the online state, in time order whatever their order in the request.
   * New ids update the state once; a repeated id gets its earlier answer back. Large batches yield to the
   * event loop every `chunkRows` rows. A late transaction is answered with `late: true` (or, under
   * `LATE_POLICY=reject`, refused). Nothing is recorded when the batch has a refused or conflicting
   * transaction (`OUT_OF_ORDER`, `CONFLICTING_TRANSACTION`). With `explain`, the results it selects carry
   * their reasons; asking every result's reasons of a model that cannot give them is `EXPLANATION_UNAVAILABLE`
   * (before anything is recorded), while alerts explained by policy are then answered without reasons.
   */
  async score(transactions: readonly T[], explain?: ExplainRequest): Promise<ScoreResponse> {
    return scoreResponse(await this.scoreNow(transactions, explain));
  }

  /**
   * {@link score}, answered synchronously — no promise hop — when it can be: the in-process state with its lock
   * free, at most `chunkRows` transactions and a model whose in-process predictor takes the batch; otherwise a
   * promise. Refusals found before the first await are thrown, later ones reject. The in-process state answers
   * in columns ({@link ScoredBatch}), the shared state with result objects.
   */
  scoreNow(transactions: readonly T[], explain?: ExplainRequest): ScoreAnswer | Promise<ScoreAnswer> {
    this.requireWarmState();
    const lease = this.leaseChampion();
    let response: ScoreAnswer | Promise<ScoreAnswer>;
    try {
      response = this.scoreWith(lease.model, transactions, explain);
    } catch (error) {
      lease.release();
      throw error;
    }
    if (response instanceof Promise) {
      const release = () => lease.release();
      response.then(release, release);
    } else lease.release();
    return response;
  }

  private scoreWith(
    model: ServedModel,
    transactions: readonly T[],
    explain: ExplainRequest | undefined,
  ): ScoreAnswer | Promise<ScoreAnswer> {
    if (explain?.results === 'all' && 'unavailable' in model.explainer) {
      throw new ScoringError(
        'EXPLANATION_UNAVAILABLE',
        `${model.uri} cannot be explained: ${model.explainer.unavailable}`,
      );
    }
    const { shared, chunkRows } = this.options;
    if (shared || transactions.length > chunkRows || !this.stateLock.idle) {
      return this.scoreQueued(model, transactions, explain);
    }
    // Nothing else can touch the state while this synchronous section runs, so the lock need not be taken.
    const batch = this.prepareBatch(transactions);
    this.applyRows(batch, 0, transactions.length);
    const probabilities = scoreInProcess(model, batch.vectors, transactions.length, chunkRows, this.countInference);
    if (!probabilities) return this.scoreApplied(model, transactions, batch, explain);
    return this.answer(model, transactions, batch, probabilities, explain);
  }

  /** Waits for the state (the lock, or the shared store), then scores. */
  private async scoreQueued(
    model: ServedModel,
    transactions: readonly T[],
    explain: ExplainRequest | undefined,
  ): Promise<ScoreAnswer> {
    const { shared, chunkRows } = this.options;
    if (shared) {
      const columns = this.options.features.readColumns(transactions);
      const keys = Array.from(columns.keys);
      this.checkBatch(transactions, columns);
      const applied = await shared.apply(transactions, keys, Array.from(timeOrder(columns.times)));
      const response = scoreResponse(await this.scoreApplied(model, transactions, applied, explain));
      await shared.settle(applied, response.results, model.version);
      return response;
    }
    const batch = await this.stateLock.runExclusive(async () => {
      const prepared = this.prepareBatch(transactions);
      for (let from = 0; from < transactions.length; from += chunkRows) {
        if (from > 0) await yieldToEventLoop();
        this.applyRows(prepared, from, Math.min(transactions.length, from + chunkRows));
      }
      return prepared;
    });
    return this.scoreApplied(model, transactions, batch, explain);
  }

  /** Scores a batch that went through the state and answers it. */
  private async scoreApplied(
    model: ServedModel,
    transactions: readonly T[],
    batch: AppliedBatch,
    explain: ExplainRequest | undefined,
  ): Promise<ScoredBatch> {
    const probabilities = await scoreInChunks(
      model,
      batch.vectors,
      transactions.length,
      this.options.chunkRows,
      this.countInference,
    );
    return this.answer(model, transactions, batch, probabilities, explain);
  }

  /**
   * Reads the batch into columns, checks it (nothing recorded yet) and lays out its answer-memory view; the
   * caller holds the state (the lock, or a synchronous section).
   */
  private prepareBatch(transactions: readonly T[]): InMemoryBatch<T> {
    const pipeline = this.options.features;
    const n = transactions.length;
    const columns = pipeline.readColumns(transactions);
    const { known, duplicates } = this.checkBatch(transactions, columns);
    return {
      transactions,
      columns,
      order: timeOrder(columns.times),
      known,
      duplicates,
      vectors: new Float32Array(n * pipeline.spec.features.length),
      slots: new Int32Array(n).fill(-1),
      keys: columns.keys,
      fresh: new Uint8Array(n),
      late: new Uint8Array(n),
    };
  }

  /** Runs rows `from` to `to` (in time order) of a prepared batch through the online state and the answer memory. */
  private applyRows(batch: InMemoryBatch<T>, from: number, to: number): void {
    const { columns, order, known, duplicates, vectors, slots, fresh, late } = batch;
    const answers = this.answers;
    const width = this.options.features.spec.features.length;
    for (let k = from; k < to; k++) {
      const i = order[k];
      // A repeat within the batch is known only once its first occurrence went in.
      const slot = known[i] >= 0 || !duplicates ? known[i] : answers.slotOf(columns.keys[i]);
      if (slot >= 0) {
        slots[i] = slot;
        const earlier = answers.answerOf(slot);
        if (earlier) (batch.earlier ??= new Array<RememberedAnswer | undefined>(fresh.length))[i] = earlier;
        else {
          // Its first request is still being scored: score the same vector again (the first answer given stands).
          const pending = answers.pendingVectors(slot);
          const row = answers.pendingRow(slot);
          if (pending) vectors.set(pending.subarray(row * width, (row + 1) * width), i * width);
          late[i] = answers.late(slot) ? 1 : 0;
        }
        continue;
      }
      const outcome = this.vectorizeAt(i, columns, vectors);
      fresh[i] = outcome & VECTOR_FRESH ? 1 : 0;
      late[i] = outcome & VECTOR_LATE ? 1 : 0;
      slots[i] = answers.remember(columns, i, vectors, late[i] === 1);
    }
  }

  /**
   * The answer in request order, in columns: earlier answers for repeats, new answers remembered, counted and
   * monitored.
   */
  // eslint-disable-next-line max-lines-per-function -- one pass over the batch (repeats, answers, reasons, counters, monitoring) on the hot path: no intermediate arrays
  private answer(
    model: ServedModel,
    transactions: readonly T[],
    batch: AppliedBatch,
    probabilities: Float32Array,
    explain?: ExplainRequest,
  ): ScoredBatch {
    const { features: pipeline } = this.options;
    const explainer = explain && !('unavailable' in model.explainer) ? model.explainer : undefined;
    const explains = (alert: boolean) => explain !== undefined && (explain.results === 'all' || alert);
    const { slots, keys, fresh, late } = batch;
    const answers = this.answers;
    const n = transactions.length;
    const threshold = model.threshold.value;
    const out: ScoredBatch = {
      model: ref(model),
      rows: n,
      idOf: (row) => pipeline.idOf(transactions[row]),
      probabilities: new Float64Array(n),
      alerts: new Uint8Array(n),
      thresholds: new Float64Array(n),
      late: new Uint8Array(n),
    };
    const withReasons = (i: number, explanation: RowExplanation | undefined) => {
      if (explain && explanation && explains(out.alerts[i] === 1))
        (out.reasons ??= new Array<Reason[] | undefined>(n))[i] = topReasons(
          explanation,
          explain.top,
          model.featureSpec.features,
        );
    };
    let freshCount = 0;
    let alerts = 0;
    let lateCount = 0;
    for (let i = 0; i < n; i++) {
      const slot = slots ? slots[i] : -1;
      // The answer that stands: given before this batch, or since (a racing retry, a repeat within the batch).
      const before =
        batch.earlier?.[i] ??
        (slot >= 0 && keys && answers.answered(slot) && answers.holds(slot, keys[i])
          ? answers.answerOf(slot)
          : undefined);
      if (before) {
        out.probabilities[i] = before.probability;
        out.alerts[i] = before.decision === 'alert' ? 1 : 0;
        out.thresholds[i] = before.threshold;
        out.late[i] = before.late ? 1 : 0;
        withReasons(i, before.explanation);
        continue;
      }
      const probability = probabilities[i];
      const alert = probability >= threshold;
      out.probabilities[i] = probability;
      out.alerts[i] = alert ? 1 : 0;
      out.thresholds[i] = threshold;
      out.late[i] = late[i] === 1 ? 1 : 0;
      const explanation = explainer && explains(alert) ? explainer.explain(batch.vectors, i) : undefined;
      withReasons(i, explanation);
      if (slot >= 0 && keys) answers.settle(slot, keys[i], probability, alert, threshold, model.version, explanation);
      if (fresh[i]) {
        freshCount++;
        if (alert) alerts++;
        if (late[i]) lateCount++;
      }
    }
    this.scoreBatchSizes.observe(n);
    this.counts.transactions(freshCount);
    if (alerts > 0) this.counts.alerts(alerts);
    if (lateCount > 0) this.counts.late(lateCount);
    if (n > freshCount) this.counts.repeated(n - freshCount);
    if (freshCount > 0) {
      this.championScores.observeEach(probabilities.subarray(0, n), fresh);
      this.observeFresh(fresh, freshCount, batch.vectors, probabilities, pipeline.spec.features.length);
    }
    return out;
  }

  /** `vectorize`, with the request path named when the transaction is refused. */
  private vectorizeAt(index: number, columns: TransactionColumns, vectors: Float32Array): number {
    const pipeline = this.options.features;
    try {
      return pipeline.vectorizeRow(columns, index, vectors, index * pipeline.spec.features.length);
    } catch (error) {
      if (error instanceof ScoringError && error.code === 'OUT_OF_ORDER') {
        throw new ScoringError(
          'OUT_OF_ORDER',
          `transactions[${index}]: ${error.message} The online state takes transactions in time order.`,
          [{ path: `transactions[${index}].tx_datetime`, problem: 'is too far behind the newest transaction scored' }],
        );
      }
      if (error instanceof ScoringError && error.details.length === 0) {
        throw new ScoringError(error.code, `transactions[${index}]: ${error.message}`, [
          { path: `transactions[${index}]`, problem: error.message },
        ]);
      }
      throw error;
    }
  }

  /**
   * Checks a batch before anything is recorded: datetimes in range, and no id that comes back with other
   * fields (against memory or within the batch). Returns what the answer memory knows of each transaction and
   * whether an id repeats within the batch. Lateness is checked as the batch is applied in time order: the
   * earliest transaction goes first, so a late one stops the batch before anything is recorded.
   */
  private checkBatch(
    transactions: readonly T[],
    columns: TransactionColumns,
  ): { known: Int32Array; duplicates: boolean } {
    const { keys, times } = columns;
    const latest = Date.now() / 1000 + this.options.maxFutureSeconds;
    for (let i = 0; i < times.length; i++) {
      if (!(times[i] >= 0 && times[i] <= latest)) {
        throw new ScoringError(
          'INVALID_REQUEST',
          `transactions[${i}].tx_datetime is before 1970 or more than ${this.options.maxFutureSeconds} s in the future.`,
          [
            {
              path: `transactions[${i}].tx_datetime`,
              problem: `must be from 1970 to at most ${this.options.maxFutureSeconds} s ahead of the server clock`,
            },
          ],
        );
      }
    }
    const known = new Int32Array(transactions.length);
    for (let i = 0; i < transactions.length; i++) {
      const slot = this.answers.slotOf(keys[i]);
      if (slot >= 0 && !this.answers.sameFields(slot, columns, i)) throw conflicting(i);
      known[i] = slot;
    }
    const duplicates = hasRepeats(keys);
    if (duplicates) {
      const firstInBatch = new Map<number, number>();
      for (let i = 0; i < transactions.length; i++) {
        const earlierIndex = firstInBatch.get(keys[i]);
        if (earlierIndex === undefined) firstInBatch.set(keys[i], i);
        else this.checkSame(transactions[earlierIndex], transactions[i], i);
      }
    }
    return { known, duplicates };
  }

  /** Throws `CONFLICTING_TRANSACTION` naming `transactions[index]` when it differs from the one its id was first used for. */
  private checkSame(reference: T, transaction: T, index: number): void {
    if (!this.options.features.sameTransaction(reference, transaction)) throw conflicting(index);
  }

  /** Stateless scoring of precomputed feature vectors (`rows × F`, row-major), for the Open Inference Protocol. */
  async infer(vectors: Float32Array, rows: number): Promise<{ model: ServedModel; probabilities: Float32Array }> {
    const lease = this.leaseChampion();
    try {
      const probabilities = await scoreInChunks(
        lease.model,
        vectors,
        rows,
        this.options.chunkRows,
        this.countInference,
      );
      this.inferBatchSizes.observe(rows);
      return { model: lease.model, probabilities };
    } finally {
      lease.release();
    }
  }

  /** Fraud labels for earlier transactions: fed to the online state and paired with the score they judge. */
  async feedback(
    labels: ReadonlyArray<{ transaction_id: string | number; is_fraud: boolean }>,
  ): Promise<FeedbackResponse> {
    this.requireWarmState();
    if (this.options.shared)
      return this.options.shared.feedback(labels, (id) => this.options.features.keyOfId(id), this.labelled);
    const outcome: FeedbackResponse = { applied: 0, repeated: 0, unknown: [] };
    await this.stateLock.runExclusive(async () => {
      for (let i = 0; i < labels.length; i++) {
        if (i > 0 && i % this.options.chunkRows === 0) await yieldToEventLoop();
        const { transaction_id: id, is_fraud: isFraud } = labels[i];
        const key = this.options.features.keyOfId(id);
        const result: LabelOutcome = this.options.features.label(key, isFraud);
        const memory = this.answers.rememberLabel(key, isFraud ? 1 : 0);
        if (memory === 'known') {
          const answer = this.answers.answerOf(this.answers.slotOf(key));
          if (answer) this.labelled.push(answer.probability, isFraud ? 1 : 0, answer.threshold);
        }
        if (result === 'unknown' && memory === 'unknown') outcome.unknown.push(id);
        else if (result === 'unchanged' || memory === 'repeated') outcome.repeated++;
        else outcome.applied++;
      }
    });
    const m = this.options.metrics.feedbackLabels;
    if (outcome.applied) m.inc({ outcome: 'applied' }, outcome.applied);
    if (outcome.repeated) m.inc({ outcome: 'repeated' }, outcome.repeated);
    if (outcome.unknown.length) m.inc({ outcome: 'unknown' }, outcome.unknown.length);
    return outcome;
  }

  /** Feeds newly scored rows to the drift window and, off the response path, to the challenger. */
  private observeFresh(
    fresh: Uint8Array,
    count: number,
    vectors: Float32Array,
    probabilities: Float32Array,
    width: number,
  ): void {
    let rows = vectors;
    let scores = probabilities;
    if (count !== fresh.length) {
      rows = new Float32Array(count * width);
      scores = new Float32Array(count);
      for (let i = 0, j = 0; i < fresh.length; i++) {
        if (!fresh[i]) continue;
        rows.set(vectors.subarray(i * width, (i + 1) * width), j * width);
        scores[j++] = probabilities[i];
      }
    }
    const first = this.recent.push(scores, rows, count);
    this.shadow.enqueue(first, rows, count);
  }

  /** Waits for the state lock (no batch half-applied), then writes the snapshot. */
  async saveSnapshot(path: string): Promise<void> {
    await this.stateLock.runExclusive(() => this.options.features.saveSnapshot(path));
  }

  /** Takes both models out of service (after the HTTP server has drained). */
  close(): void {
    this.models.close();
  }
}

/** `CONFLICTING_TRANSACTION` naming `transactions[index]`: its id was first used for a transaction with other fields. */
function conflicting(index: number): ScoringError {
  return new ScoringError(
    'CONFLICTING_TRANSACTION',
    `transactions[${index}] reuses a transaction_id that was scored with different fields; ids must identify one transaction.`,
    [
      {
        path: `transactions[${index}].transaction_id`,
        problem: 'was already used for a transaction with other fields',
      },
    ],
  );
}

/** One result; `late` appears only when true, so on-time answers keep their shape. */
function scored(
  id: string | number,
  probability: number,
  decision: 'alert' | 'pass',
  threshold: number,
  late: boolean,
): ScoredTransaction {
  return late
    ? { transaction_id: id, probability, decision, threshold, late: true }
    : { transaction_id: id, probability, decision, threshold };
}

/** Row indices in time order (request order among equal times); the identity when the batch is already in order. */
function timeOrder(times: Float64Array): ArrayLike<number> {
  const n = times.length;
  const order = new Uint32Array(n);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && times[i] < times[i - 1]) inOrder = false;
  }
  return inOrder ? order : Array.from(order).sort((a, b) => times[a] - times[b] || a - b);
}

/**
 * Whether a value occurs twice: none when they increase (the everyday batch of a switch's consecutive ids), else
 * found in a sorted copy (no hash table either way).
 */
function hasRepeats(keys: Float64Array): boolean {
  if (keys.length < 2) return false;
  let increasing = true;
  for (let i = 1; i < keys.length && increasing; i++) increasing = keys[i] > keys[i - 1];
  if (increasing) return false;
  const sorted = keys.slice().sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
  return false;
}

import { AnswerMemory, type RememberedAnswer } from './answer-memory.js';
import { ScoringError } from './errors.js';
import type { FeaturePipeline, LabelOutcome } from './features/feature-pipeline.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { checkCandidate, smokeRows } from './model/candidate-checks.js';
import { ModelSlot, type ModelLease } from './model/model-slot.js';
import type { ModelSource, ServedModel } from './model/served-model.js';
import { LabelledWindow } from './monitoring/labelled-window.js';
import { RecentWindow } from './monitoring/recent-window.js';
import { Mutex, yieldToEventLoop } from './mutex.js';

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
}

export interface ScoredTransaction {
  transaction_id: string | number;
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
}

export interface ModelRef {
  name: string;
  version: number;
}

export interface ScoreResponse {
  model: ModelRef;
  results: ScoredTransaction[];
}

export interface FeedbackResponse {
  applied: number;
  repeated: number;
  /** Ids (as sent) of transactions the service does not know (never scored, or past the state's horizon). */
  unknown: Array<string | number>;
}

export type ReloadStep =
  | { role: 'champion' | 'challenger'; status: 'swapped'; from: ModelRef | null; to: ModelRef }
  | { role: 'champion' | 'challenger'; status: 'unchanged'; model: ModelRef }
  | { role: 'champion' | 'challenger'; status: 'rejected'; kept: ModelRef | null; reason: string };

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

const ref = (model: ServedModel): ModelRef => ({ name: model.name, version: model.version });

/** Most challenger rows waiting to be shadow-scored; beyond it, shadowing skips rows rather than lag. */
const SHADOW_BACKLOG_ROWS = 50_000;

/**
 * The scoring service without HTTP: the champion (and challenger) slots, the online feature state, the
 * answers already given, and the monitoring windows. Routes call it; tests may call it directly.
 */
export class ScoringService<T> {
  readonly champion: ModelSlot;
  readonly challenger: ModelSlot;
  readonly recent: RecentWindow;
  readonly labelled: LabelledWindow;
  private readonly answers: AnswerMemory<T>;
  private readonly stateLock = new Mutex();
  private reloading = false;
  private warm = false;
  private draining = false;
  private shadowBacklog = 0;
  private shadowSkipped = 0;
  /** Label-bound children: observing per row must not hash the labels per row. */
  private readonly championScores: ReturnType<ServiceMetrics['scores']['labels']>;
  private readonly challengerScores: ReturnType<ServiceMetrics['scores']['labels']>;
  private readonly scoreBatchSizes: ReturnType<ServiceMetrics['batchSize']['labels']>;
  private readonly inferBatchSizes: ReturnType<ServiceMetrics['batchSize']['labels']>;

  constructor(private readonly options: ScoringServiceOptions<T>) {
    const onDisposeError = (error: unknown, model: ServedModel) =>
      options.logger.warn({ err: error, model: ref(model) }, 'disposing a retired model failed');
    this.champion = new ModelSlot(onDisposeError);
    this.challenger = new ModelSlot(onDisposeError);
    this.recent = new RecentWindow(options.monitoringWindow, options.features.spec.features.length);
    this.labelled = new LabelledWindow(options.monitoringWindow);
    this.answers = new AnswerMemory(options.answerCacheSize);
    this.championScores = options.metrics.scores.labels({ role: 'champion' });
    this.challengerScores = options.metrics.scores.labels({ role: 'challenger' });
    this.scoreBatchSizes = options.metrics.batchSize.labels({ endpoint: 'score' });
    this.inferBatchSizes = options.metrics.batchSize.labels({ endpoint: 'infer' });
  }

  get features(): FeaturePipeline<T> {
    return this.options.features;
  }

  get challengerUri(): string | undefined {
    return this.options.challengerUri;
  }

  get shadowRowsSkipped(): number {
    return this.shadowSkipped;
  }

  /** Loads the champion (and challenger); throws `STARTUP_FAILED` naming the URI and the reason. */
  async loadModels(): Promise<void> {
    const champion = await this.loadChecked(this.options.championUri, 'champion').catch((error: unknown) => {
      throw new ScoringError('STARTUP_FAILED', `Cannot serve ${this.options.championUri}: ${messageOf(error)}`);
    });
    this.install('champion', champion);
    if (this.options.challengerUri) {
      try {
        this.install('challenger', await this.loadChecked(this.options.challengerUri, 'challenger'));
      } catch (error) {
        // A broken challenger must not take the champion down: log it, serve without shadowing.
        this.options.logger.error({ uri: this.options.challengerUri, reason: messageOf(error) }, 'challenger not loaded; shadowing off');
      }
    }
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
    return { ready: reasons.length === 0, reasons };
  }

  /** Stateful calls wait for warm-up: live transactions must not interleave with the history replay. */
  private requireWarmState(): void {
    if (!this.warm) throw new ScoringError('NOT_READY', 'The online feature state is warming up; retry shortly.');
  }

  private leaseChampion(): ModelLease {
    const lease = this.champion.lease();
    if (!lease) throw new ScoringError('NOT_READY', 'No model is loaded yet.');
    return lease;
  }

  /**
   * Scores transactions through the online state, in time order whatever their order in the request.
   * New ids update the state once; a repeated id gets its earlier answer back. Large batches yield to the
   * event loop every `chunkRows` rows. Nothing is recorded when the batch has a late or conflicting
   * transaction (`OUT_OF_ORDER`, `CONFLICTING_TRANSACTION`).
   */
  async score(transactions: readonly T[]): Promise<ScoreResponse> {
    this.requireWarmState();
    const lease = this.leaseChampion();
    try {
      const model = lease.model;
      const { features: pipeline, chunkRows, metrics } = this.options;
      const width = pipeline.spec.features.length;
      const n = transactions.length;
      const keys = transactions.map((t) => pipeline.keyOf(t));
      const times = Float64Array.from(transactions, (t) => pipeline.timeOf(t));
      const order = n === 1 ? [0] : Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
      const vectors = new Float32Array(n * width);
      const earlier: Array<RememberedAnswer | undefined> = new Array(n);
      const fresh = new Uint8Array(n);

      await this.stateLock.runExclusive(async () => {
        this.checkBatch(transactions, keys, times);
        for (let k = 0; k < n; k++) {
          if (k > 0 && k % chunkRows === 0) await yieldToEventLoop();
          const i = order[k];
          const known = this.answers.get(keys[i]);
          if (known?.answer) earlier[i] = known.answer;
          else if (known?.vector) vectors.set(known.vector, i * width);
          else {
            if (this.vectorizeAt(i, transactions[i], vectors)) fresh[i] = 1;
            this.answers.remember(keys[i], transactions[i], vectors.subarray(i * width, (i + 1) * width));
          }
        }
      });

      const probabilities = await this.scoreInChunks(model, vectors, n);
      const threshold = model.threshold.value;
      const results: ScoredTransaction[] = new Array(n);
      let freshCount = 0;
      let alerts = 0;
      for (let i = 0; i < n; i++) {
        const before = earlier[i] ?? this.answers.get(keys[i])?.answer;
        if (before) {
          results[i] = { transaction_id: pipeline.idOf(transactions[i]), probability: before.probability, decision: before.decision, threshold: before.threshold };
          continue;
        }
        const probability = probabilities[i];
        const decision = probability >= threshold ? 'alert' : 'pass';
        results[i] = { transaction_id: pipeline.idOf(transactions[i]), probability, decision, threshold };
        this.answers.rememberAnswer(keys[i], { probability, decision, threshold, modelVersion: model.version });
        if (fresh[i]) {
          freshCount++;
          if (decision === 'alert') alerts++;
          this.championScores.observe(probability);
        }
      }
      this.scoreBatchSizes.observe(n);
      metrics.transactions.inc(freshCount);
      if (alerts > 0) metrics.alerts.inc(alerts);
      if (n > freshCount) metrics.repeatedTransactions.inc(n - freshCount);
      if (freshCount > 0) this.observeFresh(fresh, freshCount, vectors, probabilities, width);
      return { model: ref(model), results };
    } finally {
      lease.release();
    }
  }

  /** `vectorize`, with the request path named when the transaction is refused. */
  private vectorizeAt(index: number, transaction: T, vectors: Float32Array): boolean {
    try {
      return this.options.features.vectorize(transaction, vectors, index * this.options.features.spec.features.length);
    } catch (error) {
      if (error instanceof ScoringError && error.code === 'OUT_OF_ORDER') {
        throw new ScoringError('OUT_OF_ORDER', `transactions[${index}]: ${error.message} The online state takes transactions in time order.`, [
          { path: `transactions[${index}].tx_datetime`, problem: 'is too far behind the newest transaction scored' },
        ]);
      }
      if (error instanceof ScoringError && error.details.length === 0) {
        throw new ScoringError(error.code, `transactions[${index}]: ${error.message}`, [{ path: `transactions[${index}]`, problem: error.message }]);
      }
      throw error;
    }
  }

  /**
   * Checks a batch before anything is recorded: datetimes in range, and no id that comes back with other
   * fields (against memory or within the batch). Lateness is checked as the batch is applied in time order:
   * the earliest transaction goes first, so a late one stops the batch before anything is recorded.
   */
  private checkBatch(transactions: readonly T[], keys: readonly number[], times: Float64Array): void {
    const pipeline = this.options.features;
    const latest = Date.now() / 1000 + this.options.maxFutureSeconds;
    for (let i = 0; i < times.length; i++) {
      if (!(times[i] >= 0 && times[i] <= latest)) {
        throw new ScoringError('INVALID_REQUEST', `transactions[${i}].tx_datetime is before 1970 or more than ${this.options.maxFutureSeconds} s in the future.`, [
          { path: `transactions[${i}].tx_datetime`, problem: `must be from 1970 to at most ${this.options.maxFutureSeconds} s ahead of the server clock` },
        ]);
      }
    }
    const firstInBatch = new Map<number, number>();
    for (let i = 0; i < transactions.length; i++) {
      const earlierIndex = firstInBatch.get(keys[i]);
      const reference = earlierIndex !== undefined ? transactions[earlierIndex] : this.answers.get(keys[i])?.transaction;
      if (reference !== undefined && !pipeline.sameTransaction(reference, transactions[i])) {
        throw new ScoringError(
          'CONFLICTING_TRANSACTION',
          `transactions[${i}] reuses a transaction_id that was scored with different fields; ids must identify one transaction.`,
          [{ path: `transactions[${i}].transaction_id`, problem: 'was already used for a transaction with other fields' }],
        );
      }
      if (earlierIndex === undefined) firstInBatch.set(keys[i], i);
    }
  }

  /** Stateless scoring of precomputed feature vectors (`rows × F`, row-major), for the Open Inference Protocol. */
  async infer(vectors: Float32Array, rows: number): Promise<{ model: ServedModel; probabilities: Float32Array }> {
    const lease = this.leaseChampion();
    try {
      const probabilities = await this.scoreInChunks(lease.model, vectors, rows);
      this.inferBatchSizes.observe(rows);
      return { model: lease.model, probabilities };
    } finally {
      lease.release();
    }
  }

  /** Fraud labels for earlier transactions: fed to the online state and paired with the score they judge. */
  async feedback(labels: ReadonlyArray<{ transaction_id: string | number; is_fraud: boolean }>): Promise<FeedbackResponse> {
    this.requireWarmState();
    const outcome: FeedbackResponse = { applied: 0, repeated: 0, unknown: [] };
    await this.stateLock.runExclusive(async () => {
      for (let i = 0; i < labels.length; i++) {
        if (i > 0 && i % this.options.chunkRows === 0) await yieldToEventLoop();
        const { transaction_id: id, is_fraud: isFraud } = labels[i];
        const key = this.options.features.keyOfId(id);
        const result: LabelOutcome = this.options.features.label(key, isFraud);
        const memory = this.answers.rememberLabel(key, isFraud ? 1 : 0);
        if (memory === 'known') {
          const answer = this.answers.get(key)?.answer;
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

  /**
   * Re-resolves the champion (and challenger) URI. A candidate replaces the serving model only after it
   * loaded, matched the feature spec and scored sample rows into [0, 1]; otherwise the old model stays
   * and the step says why. Throws `RELOAD_IN_PROGRESS` when called during another reload.
   */
  async reload(options: { force?: boolean } = {}): Promise<ReloadStep[]> {
    if (this.reloading) throw new ScoringError('RELOAD_IN_PROGRESS', 'A reload is already running; try again when it ends.');
    this.reloading = true;
    try {
      const steps = [await this.reloadRole('champion', this.options.championUri, this.champion, options.force ?? false)];
      if (this.options.challengerUri) steps.push(await this.reloadRole('challenger', this.options.challengerUri, this.challenger, options.force ?? false));
      return steps;
    } finally {
      this.reloading = false;
    }
  }

  private async reloadRole(role: 'champion' | 'challenger', uri: string, slot: ModelSlot, force: boolean): Promise<ReloadStep> {
    const current = slot.model;
    const log = this.options.logger;
    try {
      if (current && !force) {
        const target = await this.options.models.resolveVersion(uri);
        if (target.name === current.name && target.version === current.version) {
          this.options.metrics.reloads.inc({ result: 'unchanged' });
          return { role, status: 'unchanged', model: ref(current) };
        }
      }
      const candidate = await this.loadChecked(uri, role);
      this.install(role, candidate);
      this.options.metrics.reloads.inc({ result: 'swapped' });
      log.info({ role, from: current ? ref(current) : null, to: ref(candidate) }, 'model swapped');
      return { role, status: 'swapped', from: current ? ref(current) : null, to: ref(candidate) };
    } catch (error) {
      const reason = messageOf(error);
      this.options.metrics.reloads.inc({ result: 'rejected' });
      log.warn({ role, uri, reason, kept: current ? ref(current) : null }, 'reload rejected; previous model keeps serving');
      return { role, status: 'rejected', kept: current ? ref(current) : null, reason };
    }
  }

  /** Loads a model and runs the candidate checks; disposes it and throws when a check fails. */
  private async loadChecked(uri: string, role: string): Promise<ServedModel> {
    const candidate = await this.options.models.load(uri);
    try {
      const sample = this.recent.sampleRows(256);
      const rows = sample.rows > 0 ? sample : smokeRows(candidate, this.options.features.spec.features.length);
      await checkCandidate(candidate, this.options.features.spec, rows.features, rows.rows);
      return candidate;
    } catch (error) {
      await candidate.dispose().catch(() => undefined);
      throw new ScoringError('RELOAD_REJECTED', `${role} candidate ${uri} (version ${candidate.version}) failed a check: ${messageOf(error)}`);
    }
  }

  private install(role: 'champion' | 'challenger', model: ServedModel): void {
    const slot = role === 'champion' ? this.champion : this.challenger;
    const previous = slot.swap(model);
    const info = this.options.metrics.modelInfo;
    if (previous) info.remove({ role, name: previous.name, version: String(previous.version) });
    info.set({ role, name: model.name, version: String(model.version) }, 1);
  }

  private async scoreInChunks(model: ServedModel, vectors: Float32Array, rows: number): Promise<Float32Array> {
    const width = model.featureSpec.features.length;
    const chunk = this.options.chunkRows;
    if (rows <= chunk) return checkedScores(await model.score(vectors.subarray(0, rows * width), rows), rows);
    const out = new Float32Array(rows);
    for (let start = 0; start < rows; start += chunk) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(rows, start + chunk);
      out.set(checkedScores(await model.score(vectors.subarray(start * width, end * width), end - start), end - start), start);
    }
    return out;
  }

  /** Feeds newly scored rows to the drift window and, off the response path, to the challenger. */
  private observeFresh(fresh: Uint8Array, count: number, vectors: Float32Array, probabilities: Float32Array, width: number): void {
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
    if (!this.challenger.model) return;
    if (this.shadowBacklog + count > SHADOW_BACKLOG_ROWS) {
      this.shadowSkipped += count;
      return;
    }
    this.shadowBacklog += count;
    setImmediate(() => {
      void this.shadow(first, rows, count).finally(() => (this.shadowBacklog -= count));
    });
  }

  private async shadow(first: number, vectors: Float32Array, rows: number): Promise<void> {
    const lease = this.challenger.lease();
    if (!lease) return;
    try {
      const scores = await this.scoreInChunks(lease.model, vectors, rows);
      this.recent.attachChallenger(first, scores);
      for (let i = 0; i < rows; i++) this.challengerScores.observe(scores[i]);
    } catch (error) {
      this.options.logger.warn({ err: error, challenger: ref(lease.model) }, 'challenger scoring failed');
    } finally {
      lease.release();
    }
  }

  /** Waits for the state lock (no batch half-applied), then writes the snapshot. */
  async saveSnapshot(path: string): Promise<void> {
    await this.stateLock.runExclusive(() => this.options.features.saveSnapshot(path));
  }

  /** Takes both models out of service (after the HTTP server has drained). */
  close(): void {
    this.champion.clear();
    this.challenger.clear();
  }
}

/** A model that returns the wrong number of rows or a non-probability is broken, not the client's fault. */
function checkedScores(scores: Float32Array, rows: number): Float32Array {
  if (scores.length !== rows) throw new Error(`the model returned ${scores.length} scores for ${rows} rows`);
  return scores;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

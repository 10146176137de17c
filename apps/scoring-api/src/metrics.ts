import { Counter, Gauge, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { BatchHistogram } from './batch-histogram.js';

/** Adds to one counter series (default 1). */
export type Tally = (amount?: number) => void;

/**
 * The service's Prometheus metrics, on a registry of their own (not prom-client's global one) so that
 * two services in one process — as in the tests — never share counters. Names follow the Prometheus
 * conventions BentoML and Triton use: `<subsystem>_<what>_<unit>`.
 */
export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  requestDuration: BatchHistogram<'route' | 'method'>;
  inFlight: Gauge;
  batchSize: BatchHistogram<'endpoint'>;
  scores: BatchHistogram<'role'>;
  transactions: Counter;
  alerts: Counter;
  repeatedTransactions: Counter;
  lateTransactions: Counter;
  inferenceRows: Counter<'path'>;
  feedbackLabels: Counter<'outcome'>;
  modelInfo: Gauge<'role' | 'name' | 'version'>;
  reloads: Counter<'result'>;
  challengerAgreement: Gauge;
  drift: Gauge<'subject'>;
  /**
   * A tally for one series of `counter`: increments are summed in a plain number and handed to prom-client
   * when the registry is read, so the hot path hashes no labels per request. The series appears (at 0) at once.
   */
  tally<L extends string>(counter: Counter<L>, labels?: LabelValues<L>): Tally;
  /** Requests being served now, read into `inFlight` when the registry is read. */
  requestsInFlight: { count: number };
}

/** The tallies of deferred counters, handed to prom-client when the registry is read (`collect`). */
class DeferredCounts {
  private readonly pending = new Map<Counter<string>, Array<{ labels: LabelValues<string>; amount: number }>>();

  tally<L extends string>(counter: Counter<L>, labels: LabelValues<L> = {}): Tally {
    counter.inc(labels, 0);
    const slot = { labels, amount: 0 };
    const slots = this.pending.get(counter) ?? [];
    slots.push(slot);
    this.pending.set(counter, slots);
    return (amount = 1) => {
      slot.amount += amount;
    };
  }

  flush(counter: Counter<string>): void {
    for (const slot of this.pending.get(counter) ?? []) {
      if (slot.amount === 0) continue;
      counter.inc(slot.labels, slot.amount);
      slot.amount = 0;
    }
  }
}

// eslint-disable-next-line max-lines-per-function -- the metrics table: one declaration per Prometheus series, with its help text
export function createMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'scoring_' });
  const registers = [registry];
  const deferred = new DeferredCounts();
  const requestsInFlight = { count: 0 };
  function collect(this: Counter<string>): void {
    deferred.flush(this);
  }
  return {
    tally: (counter, labels) => deferred.tally(counter, labels),
    requestsInFlight,
    registry,
    requests: new Counter({
      name: 'scoring_http_requests_total',
      help: 'HTTP requests by route, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect,
    }),
    requestDuration: new BatchHistogram({
      name: 'scoring_http_request_duration_seconds',
      help: 'HTTP request latency, from the first byte read to the last byte written.',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    inFlight: new Gauge({
      name: 'scoring_http_requests_in_flight',
      help: 'Requests being served right now.',
      registers,
      collect() {
        this.set(requestsInFlight.count);
      },
    }),
    batchSize: new BatchHistogram({
      name: 'scoring_batch_size',
      help: 'Transactions (or tensor rows) per scoring request.',
      labelNames: ['endpoint'],
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000],
      registers,
    }),
    scores: new BatchHistogram({
      name: 'scoring_score',
      help: 'Fraud probabilities returned (champion) or shadow-scored (challenger).',
      labelNames: ['role'],
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99],
      registers,
    }),
    transactions: new Counter({
      name: 'scoring_transactions_total',
      help: 'Transactions scored (repeats excluded).',
      registers,
      collect,
    }),
    alerts: new Counter({
      name: 'scoring_alerts_total',
      help: 'Transactions whose decision was "alert".',
      registers,
      collect,
    }),
    repeatedTransactions: new Counter({
      name: 'scoring_repeated_transactions_total',
      help: 'Transactions whose id had been scored before: answered from memory, state not updated again.',
      registers,
      collect,
    }),
    lateTransactions: new Counter({
      name: 'scoring_late_transactions_total',
      help: 'New transactions that came more than LATE_TOLERANCE_S behind the newest one and were scored against the state as of the newest time.',
      registers,
      collect,
    }),
    inferenceRows: new Counter({
      name: 'scoring_inference_rows_total',
      help: 'Feature rows the champion scored (/v1/score and /v2 infer), by the predictor that served them: typescript (the in-process trees, small batches) or onnxruntime.',
      labelNames: ['path'],
      registers,
      collect,
    }),
    feedbackLabels: new Counter({
      name: 'scoring_feedback_labels_total',
      help: 'Fraud labels received through /v1/feedback, by outcome (applied, unknown, repeated).',
      labelNames: ['outcome'],
      registers,
    }),
    modelInfo: new Gauge({
      name: 'scoring_model_info',
      help: 'The model serving each role (1 for the current version).',
      labelNames: ['role', 'name', 'version'],
      registers,
    }),
    reloads: new Counter({
      name: 'scoring_model_reloads_total',
      help: 'Model reload attempts by result.',
      labelNames: ['result'],
      registers,
    }),
    challengerAgreement: new Gauge({
      name: 'scoring_challenger_agreement_ratio',
      help: 'Share of recent transactions on which champion and challenger made the same decision.',
      registers,
    }),
    drift: new Gauge({
      name: 'scoring_drift_psi',
      help: "Population stability index of the recent window against the model card's baseline (subject: score or a feature name).",
      labelNames: ['subject'],
      registers,
    }),
  };
}

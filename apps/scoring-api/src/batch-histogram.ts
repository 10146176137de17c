import type { LabelValues, Metric, Registry } from 'prom-client';

/** One label set's buckets (not cumulative; the last slot counts values above every bound), sum and count. */
export class HistogramSeries {
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly upperBounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.upperBounds;
    let b = 0;
    while (b < bounds.length && value > bounds[b]) b++;
    this.counts[b]++;
    this.sum += value;
    this.count++;
  }

  /** Observes `values[i]` for every i where `selected[i]` is 1 (every i without `selected`), in order. */
  observeEach(values: Float32Array, selected?: Uint8Array): void {
    for (let i = 0; i < values.length; i++) if (!selected || selected[i] === 1) this.observe(values[i]);
  }

  /** The cumulative bucket counts, one per bound, then +Inf. */
  cumulative(): number[] {
    let total = 0;
    return Array.from(this.counts, (c) => (total += c));
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export interface BatchHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registers: readonly Registry[];
}

/** One exposed sample, in the shape prom-client's registry reads. */
interface Sample {
  value: number;
  labels: LabelValues<string>;
  metricName: string;
  sharedLabels?: Record<string, string>;
  /** Buckets carry prom-client's empty exemplar (exemplars are not kept). */
  exemplar?: null;
}

/** A histogram's samples, in the shape prom-client's registry reads. */
export interface HistogramSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

/**
 * A Prometheus histogram for the hot path: a label-bound series observes with a bucket search and three
 * additions, where prom-client's `observe` builds, validates and hashes a label object on every call, which
 * a batch of a thousand scores pays a thousand times. It registers on a prom-client registry and exposes
 * exactly what prom-client's own histogram exposes for the same observations (a spec compares the two).
 */
export class BatchHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly L[];
  private readonly upperBounds: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();

  constructor(config: BatchHistogramConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.upperBounds = [...config.buckets].sort((a, b) => a - b);
    // The registry reads a metric through `get`/`getForPromString` and `reset`, which this class provides.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set (made on first use): bind it once, observe it often. */
  labels(labels: Readonly<Record<L, string>>): HistogramSeries {
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`${this.name}: label "${name}" is missing`);
      return value;
    });
    const key = JSON.stringify(values);
    let found = this.series.get(key);
    if (!found) {
      found = new HistogramSeries(this.upperBounds, Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])));
      this.series.set(key, found);
    }
    return found;
  }

  /** What the registry's text exposition reads: per series its buckets (`le` first), +Inf, sum and count. */
  getForPromString(): HistogramSnapshot {
    const values: Sample[] = [];
    for (const series of this.series.values()) {
      // As prom-client: a label set appears once it has an observation.
      if (series.count === 0) continue;
      const sharedLabels = { ...series.labels };
      const bucket = `${this.name}_bucket`;
      series.cumulative().forEach((value, b) => {
        const le = b < this.upperBounds.length ? this.upperBounds[b] : '+Inf';
        values.push({ labels: { le }, sharedLabels, value, metricName: bucket, exemplar: null });
      });
      values.push({ labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As {@link getForPromString}, with each sample's series labels merged into its own labels. */
  get(): Promise<HistogramSnapshot> {
    const metric = this.getForPromString();
    const values = metric.values.map(({ sharedLabels, ...sample }) => ({
      ...sample,
      labels: { ...sample.labels, ...sharedLabels },
    }));
    return Promise.resolve({ ...metric, values });
  }

  reset(): void {
    for (const series of this.series.values()) series.reset();
  }
}

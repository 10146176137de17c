import type { ServiceMetrics } from '../metrics.js';
import type { BaselineDistribution, ServedModel } from '../model/served-model.js';
import type { LabelledWindow } from './labelled-window.js';
import type { RecentWindow } from './recent-window.js';

/** Population stability against a card's baseline, as the evaluation library computes it. */
export interface DriftMeasure {
  psi(baseline: BaselineDistribution, sample: Float32Array | Float64Array): number;
  level(psi: number): string;
}

export interface DriftFigure {
  psi: number | null;
  level: string | null;
}

export interface MonitoringReport {
  model: { name: string; version: number } | null;
  window: { rows: number; capacity: number };
  alert_rate: number | null;
  score_drift: DriftFigure;
  feature_drift: Array<{ feature: string } & DriftFigure>;
  accuracy: {
    labels: number;
    frauds: number;
    precision: number | null;
    recall: number | null;
    confusion: { tp: number; fp: number; tn: number; fn: number };
  } | null;
  challenger: {
    name: string;
    version: number;
    rows: number;
    agreement: number | null;
    mean_abs_difference: number | null;
  } | null;
}

/** Below this many rows PSI over deciles says more about sampling noise than about drift. */
export const MIN_DRIFT_ROWS = 100;

const none: DriftFigure = { psi: null, level: null };

/**
 * Score and per-feature PSI of the recent window against the champion card's baseline, the alert rate,
 * accuracy from feedback labels, and champion/challenger agreement on the rows both scored.
 */
export function monitoringReport(
  recent: RecentWindow,
  labelled: LabelledWindow,
  champion: ServedModel | undefined,
  challenger: ServedModel | undefined,
  drift: DriftMeasure,
): MonitoringReport {
  const rows = recent.size;
  const baseline = champion?.driftBaseline;
  const figure = (base: BaselineDistribution | undefined, sample: () => Float32Array | Float64Array): DriftFigure => {
    if (!base || rows < MIN_DRIFT_ROWS) return none;
    const psi = drift.psi(base, sample());
    return { psi, level: drift.level(psi) };
  };
  const scores = recent.scoreSample();
  let alerts = 0;
  if (champion) for (let i = 0; i < rows; i++) if (scores[i] >= champion.threshold.value) alerts++;

  const names = champion?.featureSpec.features ?? [];
  return {
    model: champion ? { name: champion.name, version: champion.version } : null,
    window: { rows, capacity: recent.capacity },
    alert_rate: champion && rows > 0 ? alerts / rows : null,
    score_drift: figure(baseline?.score, () => scores),
    feature_drift: names.map((feature, f) => ({
      feature,
      ...figure(baseline?.features[feature], () => recent.featureColumn(f)),
    })),
    accuracy: accuracy(labelled),
    challenger: challenger && champion ? agreement(recent, champion, challenger) : null,
  };
}

function accuracy(labelled: LabelledWindow): MonitoringReport['accuracy'] {
  if (labelled.size === 0) return null;
  const confusion = labelled.confusion();
  const alerts = confusion.tp + confusion.fp;
  const frauds = confusion.tp + confusion.fn;
  return {
    labels: labelled.size,
    frauds,
    precision: alerts > 0 ? confusion.tp / alerts : null,
    recall: frauds > 0 ? confusion.tp / frauds : null,
    confusion,
  };
}

function agreement(
  recent: RecentWindow,
  champion: ServedModel,
  challenger: ServedModel,
): NonNullable<MonitoringReport['challenger']> {
  let both = 0;
  let same = 0;
  let difference = 0;
  for (let i = 0; i < recent.size; i++) {
    const c = recent.challengerScores[i];
    if (Number.isNaN(c)) continue;
    both++;
    const s = recent.scores[i];
    if (s >= champion.threshold.value === c >= challenger.threshold.value) same++;
    difference += Math.abs(s - c);
  }
  return {
    name: challenger.name,
    version: challenger.version,
    rows: both,
    agreement: both > 0 ? same / both : null,
    mean_abs_difference: both > 0 ? difference / both : null,
  };
}

/** Mirrors the report into the Prometheus gauges (called before each scrape). */
export function publishMonitoring(report: MonitoringReport, metrics: ServiceMetrics): void {
  metrics.drift.reset();
  if (report.score_drift.psi !== null) metrics.drift.set({ subject: 'score' }, report.score_drift.psi);
  for (const f of report.feature_drift) if (f.psi !== null) metrics.drift.set({ subject: f.feature }, f.psi);
  if (report.challenger?.agreement != null) metrics.challengerAgreement.set(report.challenger.agreement);
}

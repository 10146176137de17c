import { formatValue } from './report-format.js';

/** One reason of an alert: a feature, the value the row had (null when missing) and its share of the margin. */
export interface AlertReason {
  feature: string;
  value: number | null;
  contribution: number;
}

/**
 * Per-feature explanations the trainer computed on the test window (this library takes them as data: it
 * computes no model): global importance and the reasons of the highest-scoring rows.
 */
export interface ReportExplanations {
  /** How the contributions were computed, e.g. `TreeSHAP (exact, path-dependent), margin (log-odds) scale`. */
  method: string;
  /** Test rows the importance was averaged over. */
  rows: number;
  /** Mean |contribution| per feature over the test window, largest first. */
  importance: Array<{ feature: string; meanAbsContribution: number }>;
  /**
   * The highest-scoring test rows with their largest reasons by |contribution|; the report keeps those at or
   * above its chosen threshold (the alerts).
   */
  topAlerts: Array<{ id?: string; score: number; label?: number; reasons: AlertReason[] }>;
}

/** The importance table, shared by Markdown, HTML and the model card. */
export function importanceTable(explanations: ReportExplanations): { header: string[]; rows: string[][] } {
  return {
    header: ['rank', 'feature', 'mean |SHAP|'],
    rows: explanations.importance.map((f, i) => [String(i + 1), f.feature, formatValue(f.meanAbsContribution)]),
  };
}

function reasonText(reason: AlertReason): string {
  const sign = reason.contribution >= 0 ? '+' : '−';
  return `${reason.feature} = ${reason.value === null ? 'missing' : formatValue(reason.value)} (${sign}${formatValue(Math.abs(reason.contribution))})`;
}

/** The top alerts with their reasons, shared by Markdown and HTML. */
export function topAlertsTable(explanations: ReportExplanations): { header: string[]; rows: string[][] } {
  return {
    header: ['#', 'transaction', 'score', 'fraud', 'reasons (contribution to the log-odds)'],
    rows: explanations.topAlerts.map((alert, i) => [
      String(i + 1),
      alert.id ?? '—',
      formatValue(alert.score),
      alert.label === undefined ? '—' : alert.label === 1 ? 'yes' : 'no',
      alert.reasons.map(reasonText).join('; '),
    ]),
  };
}

/** Whether a report carries explanations worth a section. */
export function hasExplanations<R extends { explanations?: ReportExplanations }>(
  report: R,
): report is R & { explanations: ReportExplanations } {
  return report.explanations !== undefined && report.explanations.importance.length > 0;
}

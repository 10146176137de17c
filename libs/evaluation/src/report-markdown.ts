import type { MetricEstimate } from './metric-set.js';
import type { EvaluationReport } from './report.js';
import { hasExplanations, importanceTable, topAlertsTable } from './report-explanations.js';
import { formatValue } from './report-format.js';

export function formatInterval(estimate: MetricEstimate): string {
  if (!estimate.ci) return '';
  return `${formatValue(estimate.ci.lower)} – ${formatValue(estimate.ci.upper)}`;
}

/** "58,264 rows, 385 frauds (0.661%), 7 days, 4,120 cards": what a report covers. */
export function scopeParts(report: EvaluationReport): string[] {
  const parts = [
    `${report.rows.toLocaleString('en-US')} rows`,
    `${report.positives.toLocaleString('en-US')} frauds (${((report.positives / report.rows) * 100).toPrecision(3)}%)`,
  ];
  if (report.days !== undefined) parts.push(`${report.days} days`);
  if (report.cards !== undefined) parts.push(`${report.cards.toLocaleString('en-US')} cards`);
  return parts;
}

/** The metrics table (name, value, interval, what was resampled), shared by Markdown and HTML. */
export function metricTable(report: EvaluationReport): { header: string[]; rows: string[][] } {
  const level = Object.values(report.metrics).find((estimate) => estimate.ci)?.ci?.level;
  return {
    header: ['metric', 'value', level ? `${Math.round(level * 100)}% CI` : 'CI', 'resampled'],
    rows: Object.entries(report.metrics).map(([name, estimate]) => [
      name,
      formatValue(estimate.value),
      formatInterval(estimate),
      estimate.ci ? `${estimate.ci.method.replace('bootstrap-', '')} (${estimate.ci.resamples})` : '',
    ]),
  };
}

/** The operating point of the chosen threshold, shared by Markdown and HTML. */
export function thresholdTable(report: EvaluationReport): { header: string[]; rows: string[][] } {
  const t = report.threshold;
  return {
    header: ['alerts/day', 'precision', 'recall', 'caught frauds', 'expected cost/day'],
    rows: [
      [
        formatValue(t.expectedAlertsPerDay),
        formatValue(t.precision),
        formatValue(t.recall),
        `${t.truePositives} of ${report.positives}`,
        t.expectedCostPerDay === undefined ? '—' : formatValue(t.expectedCostPerDay),
      ],
    ],
  };
}

/** Drift per variable (score first), shared by Markdown and HTML. */
export function driftTable(drift: NonNullable<EvaluationReport['drift']>): { header: string[]; rows: string[][] } {
  return {
    header: ['variable', 'PSI', 'level', 'KS'],
    rows: [['score', drift.score] as const, ...Object.entries(drift.features)].map(([name, variable]) => [
      name,
      formatValue(variable.psi),
      variable.level,
      formatValue(variable.ks),
    ]),
  };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table({ header, rows }: { header: string[]; rows: string[][] }): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** The report as Markdown for a pull-request comment: metrics with intervals, threshold, gate, drift. */
export function renderMarkdown(report: EvaluationReport): string {
  const out: string[] = [];
  out.push(`## ${report.title}`, '');
  out.push(`${report.source ? `\`${report.source}\` — ` : ''}${scopeParts(report).join(', ')}.`, '');

  if (report.gate) {
    out.push(`### Promotion gate: ${report.gate.passed ? '✅ pass' : '❌ fail'}`, '');
    out.push(
      table({
        header: ['rule', 'result', 'reason'],
        rows: report.gate.rules.map((rule) => [rule.metric, rule.passed ? 'pass' : 'FAIL', rule.reason]),
      }),
      '',
    );
  }

  const metrics = metricTable(report);
  out.push(
    '### Metrics',
    '',
    table({ ...metrics, rows: metrics.rows.map(([name, ...rest]) => [`\`${name}\``, ...rest]) }),
    '',
  );
  if (report.cardPrecision)
    out.push(`Card precision@${report.k} ceiling (a perfect model): ${formatValue(report.cardPrecision.ceiling)}.`, '');
  for (const [name, why] of Object.entries(report.skipped)) out.push(`- \`${name}\` not computed: ${why}.`);
  if (Object.keys(report.skipped).length > 0) out.push('');

  const t = report.threshold;
  out.push('### Threshold', '');
  out.push(`Alert when score ≥ **${formatValue(t.threshold)}** (\`${t.rule}\`). ${t.rationale}`, '');
  out.push(table(thresholdTable(report)), '');
  out.push(
    `Recall at a false-positive rate of at most ${report.recallAtFpr.map((point) => `${point.maxFpr}: ${formatValue(point.recall)}`).join(', ')}.`,
    '',
  );

  if (report.drift) out.push(`### Drift: ${report.drift.level}`, '', table(driftTable(report.drift)), '');
  if (hasExplanations(report)) {
    out.push(
      '### Global importance (mean |SHAP|)',
      '',
      `${report.explanations.method}, test window.`,
      '',
      table(importanceTable(report.explanations)),
      '',
    );
    if (report.explanations.topAlerts.length > 0) {
      out.push('### Top alerts and their reasons', '', table(topAlertsTable(report.explanations)), '');
    }
  }
  for (const note of report.notes) out.push(`> ${note}`);
  return `${out.join('\n').trimEnd()}\n`;
}

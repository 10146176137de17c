import type { MetricEstimate } from './metric-set.js';
import type { EvaluationReport } from './report.js';

/** Formats a metric value: 4 significant decimals, no exponent for everyday magnitudes. */
export function formatValue(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

export function formatInterval(estimate: MetricEstimate): string {
  if (!estimate.ci) return '';
  return `${formatValue(estimate.ci.lower)} – ${formatValue(estimate.ci.upper)}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: string[], rows: string[][]): string {
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
  const scope = [
    `${report.rows.toLocaleString('en-US')} rows`,
    `${report.positives.toLocaleString('en-US')} frauds (${((report.positives / report.rows) * 100).toPrecision(3)}%)`,
    report.days !== undefined ? `${report.days} days` : undefined,
    report.cards !== undefined ? `${report.cards.toLocaleString('en-US')} cards` : undefined,
  ].filter(Boolean);
  out.push(`${report.source ? `\`${report.source}\` — ` : ''}${scope.join(', ')}.`, '');

  if (report.gate) {
    out.push(`### Promotion gate: ${report.gate.passed ? '✅ pass' : '❌ fail'}`, '');
    out.push(table(['rule', 'result', 'reason'], report.gate.rules.map((rule) => [rule.metric, rule.passed ? 'pass' : 'FAIL', rule.reason])), '');
  }

  const first = Object.values(report.metrics).find((estimate) => estimate.ci)?.ci;
  out.push('### Metrics', '');
  out.push(
    table(
      ['metric', 'value', first ? `${Math.round(first.level * 100)}% CI` : 'CI', 'resampled'],
      Object.entries(report.metrics).map(([name, estimate]) => [
        `\`${name}\``,
        formatValue(estimate.value),
        formatInterval(estimate),
        estimate.ci ? `${estimate.ci.method.replace('bootstrap-', '')} (${estimate.ci.resamples})` : '',
      ]),
    ),
    '',
  );
  if (report.cardPrecision) out.push(`Card precision@${report.k} ceiling (a perfect model): ${formatValue(report.cardPrecision.ceiling)}.`, '');
  for (const [name, why] of Object.entries(report.skipped)) out.push(`- \`${name}\` not computed: ${why}.`);
  if (Object.keys(report.skipped).length > 0) out.push('');

  const t = report.threshold;
  out.push('### Threshold', '');
  out.push(`Alert when score ≥ **${formatValue(t.threshold)}** (\`${t.rule}\`). ${t.rationale}`, '');
  out.push(
    table(
      ['alerts/day', 'precision', 'recall', 'caught frauds', 'expected cost/day'],
      [[formatValue(t.expectedAlertsPerDay), formatValue(t.precision), formatValue(t.recall), `${t.truePositives} of ${report.positives}`, t.expectedCostPerDay === undefined ? '—' : formatValue(t.expectedCostPerDay)]],
    ),
    '',
  );
  out.push(
    `Recall at a false-positive rate of at most ${report.recallAtFpr.map((point) => `${point.maxFpr}: ${formatValue(point.recall)}`).join(', ')}.`,
    '',
  );

  if (report.drift) {
    out.push(`### Drift: ${report.drift.level}`, '');
    const rows = [['score', report.drift.score] as const, ...Object.entries(report.drift.features)].map(([name, drift]) => [
      name,
      formatValue(drift.psi),
      drift.level,
      formatValue(drift.ks),
    ]);
    out.push(table(['variable', 'PSI', 'level', 'KS'], rows), '');
  }
  for (const note of report.notes) out.push(`> ${note}`);
  return `${out.join('\n').trimEnd()}\n`;
}

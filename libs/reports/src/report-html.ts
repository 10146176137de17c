import { reportCharts } from './report-charts.js';
import {
  driftTable,
  formatValue,
  hasExplanations,
  importanceTable,
  metricTable,
  scopeParts,
  thresholdTable,
  topAlertsTable,
  type EvaluationReport,
} from '@fraudops/evaluation';
import { renderSvg } from './vega-runtime.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function htmlTable({ header, rows }: { header: string[]; rows: string[][] }, className = ''): string {
  const head = header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `
  :root { color-scheme: light; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1180px; color: #1d2329; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dde3e8; padding-bottom: 4px; }
  .scope { color: #56616b; margin: 0 0 16px; }
  table { border-collapse: collapse; margin: 8px 0; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e6eaee; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  td.reason, th.reason { text-align: left; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
  figure { margin: 0; padding: 12px; border: 1px solid #e6eaee; border-radius: 6px; background: #fff; }
  figcaption { color: #56616b; font-size: 12.5px; margin-top: 6px; }
  .pass { color: #1e7e34; font-weight: 600; } .fail { color: #b02a37; font-weight: 600; }
  .note { color: #56616b; font-style: italic; }
  code { font-size: 12.5px; }
`;

/**
 * The report as one self-contained HTML page: inline CSS and charts rendered to static SVG in Node by
 * Vega-Lite — no script, no font or network request, so it opens offline and in sandboxed viewers.
 */
// eslint-disable-next-line max-lines-per-function -- the page's HTML template, section by section in reading order
export async function renderHtml(report: EvaluationReport): Promise<string> {
  const charts = reportCharts(report);
  const figures: string[] = [];
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec);
    figures.push(
      `<figure id="chart-${chart.id}" data-chart="${chart.id}" aria-label="${escapeHtml(chart.title)}">${svg}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`,
    );
  }
  const scope = [...scopeParts(report), `generated ${report.generatedAt}`];
  const t = report.threshold;
  const sections: string[] = [];

  if (report.gate) {
    sections.push(
      `<h2>Promotion gate: <span class="${report.gate.passed ? 'pass">pass' : 'fail">fail'}</span></h2>`,
      `<table><thead><tr><th>rule</th><th>result</th><th class="reason">reason</th></tr></thead><tbody>${report.gate.rules
        .map(
          (rule) =>
            `<tr><td>${escapeHtml(rule.metric)}</td><td class="${rule.passed ? 'pass' : 'fail'}">${rule.passed ? 'pass' : 'FAIL'}</td><td class="reason">${escapeHtml(rule.reason)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  }

  sections.push('<h2>Metrics</h2>', htmlTable(metricTable(report), 'metrics'));
  if (report.cardPrecision)
    sections.push(
      `<p>Card precision@${report.k} ceiling (a perfect model): ${formatValue(report.cardPrecision.ceiling)}.</p>`,
    );
  for (const [name, why] of Object.entries(report.skipped))
    sections.push(`<p class="note">${escapeHtml(name)} not computed: ${escapeHtml(why)}.</p>`);

  sections.push(
    '<h2>Threshold</h2>',
    `<p>Alert when score ≥ <strong>${formatValue(t.threshold)}</strong> (<code>${escapeHtml(t.rule)}</code>). ${escapeHtml(t.rationale)}</p>`,
    htmlTable(thresholdTable(report)),
    htmlTable({
      header: ['max false-positive rate', 'recall', 'threshold'],
      rows: report.recallAtFpr.map((point) => [
        String(point.maxFpr),
        formatValue(point.recall),
        point.threshold === null ? '—' : formatValue(point.threshold),
      ]),
    }),
    '<h2>Charts</h2>',
    `<div class="charts">\n${figures.join('\n')}\n</div>`,
  );

  if (report.daily) {
    sections.push(
      '<h2>Per day</h2>',
      htmlTable({
        header: ['day', 'rows', 'frauds', 'alerts', 'caught frauds', `card precision@${report.k}`, 'ceiling'],
        rows: report.daily.map((day) => [
          String(day.day),
          day.rows.toLocaleString('en-US'),
          String(day.frauds),
          String(day.alerts),
          String(day.caughtFrauds),
          day.cardPrecision === undefined ? '—' : formatValue(day.cardPrecision),
          day.ceiling === undefined ? '—' : formatValue(day.ceiling),
        ]),
      }),
    );
  }
  if (report.drift) {
    sections.push(`<h2>Drift: ${escapeHtml(report.drift.level)}</h2>`, htmlTable(driftTable(report.drift)));
  }
  if (hasExplanations(report)) {
    sections.push(
      `<h2>Global importance (mean |SHAP|)</h2>`,
      `<p>${escapeHtml(report.explanations.method)}, test window.</p>`,
      htmlTable(importanceTable(report.explanations)),
    );
    if (report.explanations.topAlerts.length > 0) {
      sections.push(`<h2>Top alerts and their reasons</h2>`, htmlTable(topAlertsTable(report.explanations)));
    }
  }
  for (const note of report.notes) sections.push(`<p class="note">${escapeHtml(note)}</p>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@fraudops/evaluation">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p class="scope">${report.source ? `<code>${escapeHtml(report.source)}</code> — ` : ''}${escapeHtml(scope.join(' · '))}</p>
${sections.join('\n')}
</body>
</html>
`;
}

import {
  buildEvaluationReport,
  renderMarkdown,
  syntheticPredictions,
  type ReportExplanations,
} from '@fraudops/evaluation';
import { renderHtml } from './index.js';

const data = syntheticPredictions({ rows: 2000, seed: 5, positiveRate: 0.05, levels: 0, cards: 300, days: 3 });
const explanations: ReportExplanations = {
  method: 'TreeSHAP (exact, path-dependent), margin (log-odds) scale',
  rows: 2000,
  importance: [
    { feature: 'terminal_id_risk_28day_window', meanAbsContribution: 0.8123 },
    { feature: 'tx_amount', meanAbsContribution: 0.4 },
    { feature: 'tx_during_night', meanAbsContribution: 0.01 },
  ],
  topAlerts: [
    {
      id: 'tx-17',
      score: 0.97,
      label: 1,
      reasons: [
        { feature: 'terminal_id_risk_28day_window', value: 0.75, contribution: 2.5 },
        { feature: 'tx_amount', value: null, contribution: -0.25 },
      ],
    },
  ],
};

describe('explanations in the reports', () => {
  const report = buildEvaluationReport(data, {
    title: 'Explained',
    bootstrap: false,
    explanations,
    generatedAt: new Date('2026-01-01T00:00:00Z'),
  });

  it('Markdown has the importance table in rank order and each top alert with its signed reasons', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('### Global importance (mean |SHAP|)');
    expect(markdown).toContain('| 1 | terminal_id_risk_28day_window | 0.8123 |');
    expect(markdown).toContain('| 3 | tx_during_night | 0.01 |');
    expect(markdown).toContain(
      '| 1 | tx-17 | 0.97 | yes | terminal_id_risk_28day_window = 0.75 (+2.5); tx_amount = missing (−0.25) |',
    );
  });

  it('HTML draws the importance chart (one bar per feature) and lists the alerts', async () => {
    const html = await renderHtml(report);
    const figure = /<figure id="chart-global-importance"[^>]*>([\s\S]*?)<\/figure>/.exec(html);
    expect(figure).not.toBeNull();
    const bars = (figure?.[1].match(/<path[^>]*aria-roledescription="bar"/g) ?? []).length;
    expect(bars).toBe(3);
    expect(html).toContain('<h2>Top alerts and their reasons</h2>');
    expect(html).toContain('tx_amount = missing (−0.25)');
  });

  it('lists only rows that are alerts at the chosen threshold, and says how many were left out', () => {
    const low = {
      id: 'tx-3',
      score: 0.001,
      label: 0,
      reasons: [{ feature: 'tx_amount', value: 12, contribution: -0.5 }],
    };
    const both = buildEvaluationReport(data, {
      bootstrap: false,
      explanations: { ...explanations, topAlerts: [...explanations.topAlerts, low] },
    });
    expect(both.threshold.threshold).toBeGreaterThan(low.score);
    expect(both.threshold.threshold).toBeLessThanOrEqual(0.97);
    expect(both.explanations?.topAlerts.map((a) => a.id)).toEqual(['tx-17']);
    expect(both.notes).toContain(
      `Top alerts: 1 of the 2 highest scores explained reach the threshold ${Number(both.threshold.threshold.toPrecision(4))}; the others are not alerts.`,
    );
    expect(renderMarkdown(both)).not.toContain('tx-3');
  });

  it('a report without explanations has neither section', () => {
    const plain = renderMarkdown(buildEvaluationReport(data, { bootstrap: false }));
    expect(plain).not.toContain('Global importance');
  });
});

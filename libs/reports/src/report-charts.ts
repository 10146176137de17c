import { hasExplanations, type EvaluationReport, type ReportExplanations } from '@fraudops/evaluation';
import type { VegaLiteSpec } from './vega-runtime.js';

/**
 * The report's charts as Vega-Lite specs (data inlined). Rendered to static SVG in Node, so the HTML
 * page needs no script and no network.
 */
export interface ReportChart {
  id: string;
  title: string;
  /** One line under the chart: how to read it. */
  caption: string;
  spec: VegaLiteSpec;
}

const WIDTH = 360;
const HEIGHT = 260;
const FRAUD = '#c0392b';
const GENUINE = '#2c7fb8';
const MODEL = '#1b4f72';
const GUIDE = '#9e9e9e';

const axis = (title: string, format?: string) => ({ title, ...(format && { format }) });

export function reportCharts(report: EvaluationReport): ReportChart[] {
  const charts: ReportChart[] = [precisionRecallChart(report), rocChart(report)];
  if (report.curves.reliability) charts.push(reliabilityChart(report.curves.reliability));
  charts.push(scoreDistributionChart(report));
  if (report.curves.cost) charts.push(costChart(report));
  if (report.daily) charts.push(dailyChart(report));
  if (hasExplanations(report)) charts.push(importanceChart(report.explanations));
  return charts;
}

function precisionRecallChart(report: EvaluationReport): ReportChart {
  const { recall, precision } = report.curves.precisionRecall;
  const prevalence = report.positives / report.rows;
  return {
    id: 'precision-recall',
    title: 'Precision–recall curve',
    caption: `Average precision ${report.metrics['average_precision'].value.toFixed(4)}; the dashed line is a random model (prevalence ${prevalence.toPrecision(3)}); the dot is the chosen threshold.`,
    spec: {
      title: 'Precision–recall curve',
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: recall.map((r, i) => ({ recall: r, precision: precision[i] })) },
          mark: { type: 'line', interpolate: 'step-after', color: MODEL },
          encoding: {
            x: { field: 'recall', type: 'quantitative', axis: axis('Recall'), scale: { domain: [0, 1] } },
            y: { field: 'precision', type: 'quantitative', axis: axis('Precision'), scale: { domain: [0, 1] } },
          },
        },
        {
          data: { values: [{ y: prevalence }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: GUIDE },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: { values: [{ recall: report.threshold.recall, precision: report.threshold.precision }] },
          mark: { type: 'point', filled: true, size: 80, color: FRAUD },
          encoding: { x: { field: 'recall', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' } },
        },
      ],
    },
  };
}

function rocChart(report: EvaluationReport): ReportChart {
  const { fpr, tpr } = report.curves.roc;
  return {
    id: 'roc',
    title: 'ROC curve',
    caption: `AUC ${report.metrics['auc_roc'].value.toFixed(4)}; the diagonal is a random model.`,
    spec: {
      title: 'ROC curve',
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
          },
          mark: { type: 'line', strokeDash: [4, 4], color: GUIDE },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: { values: fpr.map((x, i) => ({ fpr: x, tpr: tpr[i] })) },
          mark: { type: 'line', color: MODEL },
          encoding: {
            x: { field: 'fpr', type: 'quantitative', axis: axis('False-positive rate'), scale: { domain: [0, 1] } },
            y: {
              field: 'tpr',
              type: 'quantitative',
              axis: axis('True-positive rate (recall)'),
              scale: { domain: [0, 1] },
            },
          },
        },
      ],
    },
  };
}

function reliabilityChart(bins: NonNullable<EvaluationReport['curves']['reliability']>): ReportChart {
  const top = Math.max(...bins.map((bin) => Math.max(bin.meanScore, bin.fractionPositive)), 1e-6);
  return {
    id: 'reliability',
    title: 'Reliability diagram',
    caption:
      'Observed fraud rate against mean predicted probability per quantile bin; on the diagonal the scores are calibrated.',
    spec: {
      title: 'Reliability diagram (quantile bins)',
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: top, y: top },
            ],
          },
          mark: { type: 'line', strokeDash: [4, 4], color: GUIDE },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: {
            values: bins.map((bin) => ({ predicted: bin.meanScore, observed: bin.fractionPositive, rows: bin.rows })),
          },
          mark: { type: 'line', point: { filled: true, color: MODEL }, color: MODEL },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', axis: axis('Mean predicted probability') },
            y: { field: 'observed', type: 'quantitative', axis: axis('Observed fraud rate') },
          },
        },
      ],
    },
  };
}

function scoreDistributionChart(report: EvaluationReport): ReportChart {
  const { edges, fraud, genuine } = report.curves.scoreHistogram;
  const values = fraud.flatMap((share, i) => [
    { score: edges[i], end: edges[i + 1], share, class: 'fraud' },
    { score: edges[i], end: edges[i + 1], share: genuine[i], class: 'genuine' },
  ]);
  return {
    id: 'score-distribution',
    title: 'Score distributions by class',
    caption:
      'Share of each class per score bin (square-root scale): the less the two overlap, the better the model separates them.',
    spec: {
      title: 'Score distributions by class',
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
      encoding: {
        x: { field: 'score', type: 'quantitative', bin: { binned: true }, axis: axis('Score') },
        x2: { field: 'end' },
        y: {
          field: 'share',
          type: 'quantitative',
          stack: null,
          scale: { type: 'sqrt' },
          axis: axis('Share of class', '%'),
        },
        color: {
          field: 'class',
          type: 'nominal',
          scale: { domain: ['fraud', 'genuine'], range: [FRAUD, GENUINE] },
          legend: { title: null, orient: 'top' },
        },
      },
    },
  };
}

function costChart(report: EvaluationReport): ReportChart {
  const cost = report.curves.cost as NonNullable<EvaluationReport['curves']['cost']>;
  // fraud probabilities crowd near 0, where the cost changes fastest: a symmetric-log axis spreads them
  const probabilities = cost.threshold.every((t) => t >= 0 && t <= 1);
  const thresholdScale = probabilities ? { type: 'symlog' as const, constant: 0.01 } : {};
  return {
    id: 'cost',
    title: 'Expected cost per day by threshold',
    caption: `Review cost plus missed fraud per day if alerting on score ≥ threshold; the line marks the chosen threshold (${report.threshold.rule}).`,
    spec: {
      title: 'Expected cost per day by threshold',
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: cost.threshold.map((t, i) => ({ threshold: t, cost: cost.costPerDay[i] })) },
          mark: { type: 'line', color: MODEL },
          encoding: {
            x: { field: 'threshold', type: 'quantitative', axis: axis('Threshold'), scale: thresholdScale },
            y: { field: 'cost', type: 'quantitative', axis: axis('Expected cost per day') },
          },
        },
        {
          data: { values: [{ threshold: report.threshold.threshold }] },
          mark: { type: 'rule', color: FRAUD, strokeDash: [4, 3] },
          encoding: { x: { field: 'threshold', type: 'quantitative' } },
        },
      ],
    },
  };
}

function dailyChart(report: EvaluationReport): ReportChart {
  const daily = report.daily as NonNullable<EvaluationReport['daily']>;
  const cardValues = daily.flatMap((day) =>
    day.cardPrecision === undefined
      ? []
      : [
          { day: day.day, value: day.cardPrecision, series: `card precision@${report.k}` },
          { day: day.day, value: day.ceiling, series: 'ceiling' },
        ],
  );
  const alerts = {
    title: `Alerts per day at threshold ${report.threshold.threshold.toPrecision(4)}`,
    width: WIDTH,
    height: 150,
    data: {
      values: daily.flatMap((day) => [
        { day: day.day, count: day.alerts - day.caughtFrauds, kind: 'false alerts' },
        { day: day.day, count: day.caughtFrauds, kind: 'caught frauds' },
      ]),
    },
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'day', type: 'ordinal' as const, axis: axis('Day') },
      y: { field: 'count', type: 'quantitative' as const, axis: axis('Alerts') },
      color: {
        field: 'kind',
        type: 'nominal' as const,
        scale: { domain: ['caught frauds', 'false alerts'], range: [FRAUD, GENUINE] },
        legend: { title: null },
      },
    },
  };
  const precision = {
    title: `Card precision@${report.k} per day`,
    width: WIDTH,
    height: 150,
    data: { values: cardValues },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'day', type: 'ordinal' as const, axis: axis('Day') },
      y: { field: 'value', type: 'quantitative' as const, scale: { domain: [0, 1] }, axis: axis('Precision') },
      color: { field: 'series', type: 'nominal' as const, scale: { range: [MODEL, GUIDE] }, legend: { title: null } },
    },
  };
  return {
    id: 'daily',
    title: 'Daily alerts and card precision',
    caption: `Alerts per day at the chosen threshold, and card precision@${report.k} per day against its ceiling (what a perfect model would reach).`,
    spec:
      cardValues.length > 0 ? { vconcat: [alerts, precision], resolve: { scale: { color: 'independent' } } } : alerts,
  };
}

/** Global importance as a horizontal bar chart, most important feature on top. */
export function importanceChart(explanations: ReportExplanations): ReportChart {
  const top = explanations.importance[0];
  return {
    id: 'global-importance',
    title: 'Global importance (mean |SHAP|)',
    caption: `Mean absolute contribution of each feature to the margin on the test window (${explanations.method})${top ? `; ${top.feature} moves scores most` : ''}.`,
    spec: {
      title: 'Global importance (mean |SHAP|)',
      width: 360,
      height: Math.max(120, 18 * explanations.importance.length),
      data: { values: explanations.importance.map((f) => ({ feature: f.feature, importance: f.meanAbsContribution })) },
      mark: { type: 'bar', color: '#1b4f72' },
      encoding: {
        y: { field: 'feature', type: 'nominal', sort: '-x', axis: { title: null } },
        x: { field: 'importance', type: 'quantitative', axis: { title: 'mean |contribution| (log-odds)' } },
      },
    },
  };
}

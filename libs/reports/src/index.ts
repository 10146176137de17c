// The public face of @fraudops/reports: the evaluation report as one offline HTML page with its charts drawn
// by Vega-Lite (kept apart from @fraudops/evaluation so that the scoring service's closure carries no Vega).
export { renderHtml } from './report-html.js';
export { reportCharts, importanceChart, type ReportChart } from './report-charts.js';
export { renderSvg, type VegaLiteSpec } from './vega-runtime.js';

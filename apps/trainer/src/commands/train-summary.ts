import type { Output } from '@fraudops/cli';
import type { TrainSummary } from '../pipeline/local-train.js';

function pct(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(4);
}

/** The human summary of a training run. */
export function printTrainSummary(summary: TrainSummary, output: Output): void {
  const m = summary.metrics;
  const ci = (name: string) => (m[name]?.ci ? ` [${pct(m[name].ci?.lower)}, ${pct(m[name].ci?.upper)}]` : '');
  output.line(`data        ${summary.data.source}: ${summary.data.rows.toLocaleString('en-US')} transactions`);
  output.line(
    `train       ${summary.data.train.start}…${summary.data.train.end}: ${summary.data.train.rows.toLocaleString('en-US')} rows, ${summary.data.train.frauds} frauds`,
  );
  if (summary.data.validation) {
    output.line(
      `validation  ${summary.data.validation.start}…${summary.data.validation.end}: ${summary.data.validation.rows.toLocaleString('en-US')} rows, ${summary.data.validation.frauds} frauds (early stopping)`,
    );
  }
  output.line(
    `test        ${summary.data.test.start}…${summary.data.test.end}: ${summary.data.test.rows.toLocaleString('en-US')} rows, ${summary.data.test.frauds} frauds`,
  );
  output.line(
    `model       ${summary.model.algorithm}, ${summary.model.rounds} ${summary.model.algorithm === 'logreg' ? 'iterations' : 'trees'}; ONNX parity max |Δ| = ${summary.parity.maxAbsDifference.toExponential(2)}`,
  );
  output.line(
    `metrics     AUC ROC ${pct(m['auc_roc']?.value)}${ci('auc_roc')}  AP ${pct(m['average_precision']?.value)}${ci('average_precision')}`,
  );
  const cp = Object.keys(m).find((k) => k.startsWith('card_precision_at_'));
  if (cp) output.line(`            ${cp} ${pct(m[cp].value)}${ci(cp)}  brier ${pct(m['brier']?.value)}`);
  if (summary.prequential) {
    const p = summary.prequential;
    output.line(
      `prequential ${p.folds.length} folds: AUC ROC ${pct(p.mean.auc_roc)} ± ${pct(p.std.auc_roc)}  AP ${pct(p.mean.average_precision)} ± ${pct(p.std.average_precision)}`,
    );
  }
  output.line(
    `threshold   ${summary.threshold.value.toPrecision(4)} (${summary.threshold.rule}): ${summary.threshold.rationale}`,
  );
  output.line(`gate        ${summary.gate.reason}`);
  for (const rule of summary.gate.rules) output.line(`  ${rule.passed ? 'pass' : 'FAIL'}  ${rule.reason}`);
  if (summary.model.uri) {
    output.line(`registered  ${summary.model.uri} as @${summary.alias}`);
  } else {
    output.line('registered  nothing (--dry-run)');
  }
  if (summary.reports.html) output.line(`report      ${summary.reports.html}`);
  output.line(
    `timings     ${Object.entries(summary.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)}s`)
      .join(', ')}`,
  );
}

import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  buildEvaluationReport,
  parsePredictionsCsv,
  parseThresholdPolicy,
  renderMarkdown,
  reportToJson,
  type EvaluationReport,
} from '@fraudops/evaluation';
import { renderHtml } from '@fraudops/reports';
import { CliError, ExitCode, toCliError, type CliContext, type Output } from '@fraudops/cli';
import { TRAINER_ERROR_ROOTS } from '../cli/error-roots.js';

export interface EvaluateOptions {
  predictions: string;
  thresholdPolicy: string;
  report: string[];
  k: string;
  resamples: string;
  seed: string;
  title?: string;
  json: boolean;
}

const HELP_AFTER = `
The predictions file is CSV with a header: columns score and label (0/1), and optionally customer_id,
day (a day number or an ISO date) and amount. Any model's predictions can be judged on the same footing.

Threshold policies:
  budget:<alerts per day>          the lowest threshold that keeps within the analysts' daily budget
  cost:<review cost>[:<missed>]    minimise review cost per alert + missed fraud (its amount, or <missed>)
  precision:<target>               the highest recall whose precision is at least the target
  recall:<target>                  the fewest alerts whose recall is at least the target

Reports (by extension, repeat --report for several): .html (one offline page with charts), .md, .json.

Examples:
  $ fraudops-train evaluate --predictions test-predictions.csv
  $ fraudops-train evaluate --predictions preds.csv --threshold-policy cost:5 --report report.html --report report.md
  $ fraudops-train evaluate --predictions preds.csv --resamples 200 --json | jq .metrics.average_precision
  $ npm run train -- evaluate --predictions preds.csv --report out.html`;

/** `fraudops-train evaluate`: the standard metric set, a threshold and reports for a predictions file. */
export function registerEvaluate(program: Command, context: CliContext): void {
  program
    .command('evaluate')
    .description(
      'Evaluate a predictions file (score, label[, customer_id, day, amount]): metrics with CIs, threshold, reports.',
    )
    .requiredOption('--predictions <file>', 'CSV with columns score,label and optionally customer_id,day,amount')
    .option(
      '--threshold-policy <policy>',
      'budget:<alerts/day> | cost:<review cost>[:<missed fraud cost>] | precision:<p> | recall:<r>',
      'budget:100',
    )
    .option(
      '--report <file>',
      'write a report (.html, .md or .json); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--k <number>', 'k of precision@k and card precision@k', '100')
    .option('--resamples <number>', 'bootstrap resamples for the confidence intervals (0 = none)', '1000')
    .option('--seed <number>', 'bootstrap seed (same seed, same intervals)', '42')
    .option('--title <text>', 'report title')
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (options: EvaluateOptions) => {
      await runEvaluate(options, context.output(options.json));
    });
}

function integerFlag(value: string, flag: string, minimum: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw new CliError(`${flag} must be an integer >= ${minimum}, got "${value}"`, ExitCode.usage);
  }
  return parsed;
}

const REPORT_KINDS = ['.html', '.md', '.json'] as const;

/** Runs the command; separated from commander so tests call it with an output of their own. */
export async function runEvaluate(options: EvaluateOptions, output: Output): Promise<EvaluationReport> {
  const k = integerFlag(options.k, '--k', 1);
  const resamples = integerFlag(options.resamples, '--resamples', 0);
  const seed = integerFlag(options.seed, '--seed', 0);
  for (const path of options.report) {
    if (!(REPORT_KINDS as readonly string[]).includes(extname(path).toLowerCase())) {
      throw new CliError(`--report ${path}: the extension must be one of ${REPORT_KINDS.join(', ')}`, ExitCode.usage);
    }
  }
  try {
    const policy = parseThresholdPolicy(options.thresholdPolicy);
    output.status(`reading ${options.predictions}`);
    const text = await readPredictions(options.predictions);
    const table = parsePredictionsCsv(text, options.predictions);
    output.status(
      `${table.rows.toLocaleString('en-US')} rows; evaluating${resamples > 0 ? ` with ${resamples} bootstrap resamples` : ''}`,
    );
    const progress = output.progress('bootstrap', resamples);
    let report: EvaluationReport;
    try {
      report = buildEvaluationReport(table, {
        title: options.title ?? `Evaluation of ${options.predictions}`,
        source: options.predictions,
        k,
        thresholdPolicy: policy,
        bootstrap: resamples === 0 ? false : { resamples, seed },
        onProgress: (done) => progress.update(done),
      });
    } finally {
      progress.stop();
    }
    for (const path of options.report) {
      const kind = extname(path).toLowerCase();
      output.status(`writing ${path}`);
      const content =
        kind === '.html' ? await renderHtml(report) : kind === '.md' ? renderMarkdown(report) : reportToJson(report);
      await writeFile(path, content, 'utf8');
    }
    printSummary(report, options.report, output);
    return report;
  } catch (error) {
    throw toCliError(error, TRAINER_ERROR_ROOTS);
  }
}

async function readPredictions(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`--predictions ${path}: no such file`, ExitCode.notFound);
    throw new CliError(`--predictions ${path}: cannot read it (${code ?? String(error)})`, ExitCode.unexpected);
  }
}

function printSummary(report: EvaluationReport, reports: string[], output: Output): void {
  output.result({
    source: report.source,
    rows: report.rows,
    positives: report.positives,
    days: report.days,
    cards: report.cards,
    metrics: report.metrics,
    skipped: report.skipped,
    cardPrecisionCeiling: report.cardPrecision?.ceiling,
    threshold: report.threshold,
    atThreshold: report.atThreshold,
    recallAtFpr: report.recallAtFpr,
    reports,
  });
  const scope = [`${report.rows.toLocaleString('en-US')} rows`, `${report.positives.toLocaleString('en-US')} frauds`];
  if (report.days !== undefined) scope.push(`${report.days} days`);
  if (report.cards !== undefined) scope.push(`${report.cards.toLocaleString('en-US')} cards`);
  output.line(`${report.source}: ${scope.join(', ')}`);
  const width = Math.max(...Object.keys(report.metrics).map((name) => name.length));
  for (const [name, estimate] of Object.entries(report.metrics)) {
    const interval = estimate.ci
      ? `  [${fixed(estimate.ci.lower)}, ${fixed(estimate.ci.upper)}] ${Math.round(estimate.ci.level * 100)}% ${estimate.ci.method}`
      : '';
    output.line(`  ${name.padEnd(width)}  ${fixed(estimate.value)}${interval}`);
  }
  if (report.cardPrecision)
    output.line(`  ${`card precision@${report.k} ceiling`.padEnd(width)}  ${fixed(report.cardPrecision.ceiling)}`);
  for (const [name, why] of Object.entries(report.skipped))
    output.line(`  ${name.padEnd(width)}  not computed: ${why}`);
  const t = report.threshold;
  output.line(
    `threshold ${fixed(t.threshold)} (${t.rule}): ${t.expectedAlertsPerDay.toFixed(1)} alerts/day, precision ${fixed(t.precision)}, recall ${fixed(t.recall)}` +
      (t.expectedCostPerDay === undefined ? '' : `, expected cost ${t.expectedCostPerDay.toFixed(2)}/day`),
  );
  output.line(`  ${t.rationale}`);
  for (const path of reports) output.line(`wrote ${path}`);
}

function fixed(value: number): string {
  return value.toFixed(4);
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  baselineProfile,
  buildEvaluationReport,
  renderMarkdown,
  type EvaluationReport,
  type GateRule,
  type ReportExplanations,
} from '@fraudops/evaluation';
import { renderHtml } from '@fraudops/reports';
import type { ModelCardDraft, ModelRegistry } from '@fraudops/registry';
import { explainTestWindow } from './explanations.js';
import { gateAgainstChampion } from './gate.js';
import type { WindowRows } from './split.js';
import type { StageRunner } from './stages.js';

/** A period of the data as the model card and the summary state it. */
export interface PeriodSummary {
  start: string;
  end: string;
  rows: number;
  frauds: number;
}

/** A trained, exported model and everything needed to judge and register it (from either backend). */
export interface PublishInput {
  modelName: string;
  model: { algorithm: string; producer: string; rounds: number };
  /** Hyperparameters and training facts for the card (JSON values). */
  params: Record<string, unknown>;
  onnx: Uint8Array;
  /** onnxruntime's probabilities on the test window (what serving computes). */
  testScores: Float32Array;
  /** The test window: its feature matrix (to score the champion on the same vectors), labels, cards, days, amounts. */
  test: WindowRows;
  featureSpec: { name: string; hash: string; names: string[] };
  trainingData: ModelCardDraft['trainingData'] & {
    train: PeriodSummary;
    test: PeriodSummary;
    validation?: PeriodSummary;
  };
  /** Free text for the card, e.g. the Databricks run it came from. */
  description?: string;
}

export interface PublishOptions {
  thresholdPolicy: string;
  k: number;
  seed: number;
  bootstrapResamples: number;
  gateRules?: GateRule[];
  dryRun: boolean;
}

/** What `publishModel` reports: the parts of the `train --json` summary it owns. */
export interface PublishResult {
  model: { name: string; version: number | null; uri: string | null; algorithm: string; rounds: number };
  alias: 'champion' | 'challenger' | null;
  metrics: Record<string, { value: number; ci?: { lower: number; upper: number; level: number } }>;
  threshold: { value: number; rule: string; rationale: string; expectedAlertsPerDay: number };
  gate: {
    passed: boolean;
    applied: boolean;
    reason: string;
    rules: Array<{ metric: string; passed: boolean; reason: string }>;
  };
  reports: { html: string | null; markdown: string | null };
}

/** Each feature's column on the test window, for the drift baseline. */
function featureColumns(window: WindowRows, names: readonly string[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const { cols, values } = window.matrix;
  names.forEach((name, c) => {
    const column = new Float32Array(window.matrix.rows);
    for (let r = 0; r < column.length; r++) column[r] = values[r * cols + c];
    out[name] = column;
  });
  return out;
}

/** The report's importance table as the card keeps it (the same numbers, so card and report agree). */
function cardImportance(explanations: ReportExplanations): NonNullable<ModelCardDraft['importance']> {
  return {
    method: explanations.method,
    rows: explanations.rows,
    features: explanations.importance.map(({ feature, meanAbsContribution }) => ({ feature, meanAbsContribution })),
  };
}

function cardDraft(input: PublishInput, report: EvaluationReport, gitSha: string | null): ModelCardDraft {
  const metrics: ModelCardDraft['metrics'] = {};
  for (const [name, estimate] of Object.entries(report.metrics)) {
    metrics[name] = estimate.ci
      ? {
          value: estimate.value,
          ci: {
            lower: estimate.ci.lower,
            upper: estimate.ci.upper,
            level: estimate.ci.level,
            method: estimate.ci.method,
            resamples: estimate.ci.resamples,
          },
        }
      : { value: estimate.value };
  }
  return {
    model: { algorithm: input.model.algorithm, producer: input.model.producer },
    gitSha,
    featureSpec: { name: input.featureSpec.name, hash: input.featureSpec.hash, features: input.featureSpec.names },
    trainingData: input.trainingData,
    params: JSON.parse(JSON.stringify(input.params)) as ModelCardDraft['params'],
    metrics,
    threshold: {
      value: report.threshold.threshold,
      rule: report.threshold.rule,
      rationale: report.threshold.rationale,
      expectedAlertsPerDay: report.threshold.expectedAlertsPerDay,
      expectedCost: report.threshold.expectedCostPerDay,
    },
    driftBaseline: baselineProfile({
      score: input.testScores,
      features: featureColumns(input.test, input.featureSpec.names),
    }),
    ...(report.explanations ? { importance: cardImportance(report.explanations) } : {}),
    ...(input.description ? { description: input.description } : {}),
  };
}

/**
 * Evaluate on the test window → gate against the current champion → register the version with the alias the
 * gate decides. The same for a model trained here and one trained by a Databricks job run.
 */
// eslint-disable-next-line max-lines-per-function -- evaluate → gate → register in order, each stage timed; the gate's inputs are built next to the call that uses them
export async function publishModel(
  input: PublishInput,
  options: PublishOptions,
  stages: StageRunner,
  registry: ModelRegistry,
  gitSha: string | null,
): Promise<PublishResult> {
  const { test } = input;
  const report = await stages.run(
    'evaluate',
    `evaluating on ${test.rows.length.toLocaleString('en-US')} test transactions`,
    () =>
      buildEvaluationReport(
        {
          scores: input.testScores,
          labels: test.labels,
          cardIds: test.cardIds,
          days: test.days,
          amounts: test.amounts,
        },
        {
          title: `${input.modelName} (${input.model.algorithm}) on ${input.trainingData.test.start}…${input.trainingData.test.end}`,
          source: input.trainingData.source,
          k: options.k,
          thresholdPolicy: options.thresholdPolicy,
          bootstrap: { seed: options.seed, resamples: options.bootstrapResamples },
          explanations: explainTestWindow(input.onnx, test, input.testScores, input.featureSpec.names),
        },
      ),
  );
  const outcome = await stages.run('gate', 'comparing with the current champion', () =>
    gateAgainstChampion(registry, input.modelName, test, input.testScores, input.featureSpec.hash, {
      rules: options.gateRules,
      k: options.k,
      seed: options.seed,
      resamples: options.bootstrapResamples,
    }),
  );
  if (outcome.gate) report.gate = outcome.gate;

  let version: { version: number; uri: string } | undefined;
  let reports: PublishResult['reports'] = { html: null, markdown: null };
  if (!options.dryRun) {
    version = await stages.run('register', `registering in ${registry.location}`, async () => {
      const stored = await registry.register({
        name: input.modelName,
        onnx: input.onnx,
        card: cardDraft(input, report, gitSha),
        reports: async (assigned) => {
          const titled = {
            ...report,
            title: `${assigned.name} v${assigned.version} (${input.model.algorithm})`,
            source: assigned.uri,
          };
          return { html: await renderHtml(titled), markdown: renderMarkdown(titled) };
        },
      });
      await registry.setAlias(input.modelName, outcome.alias, stored.version, { reason: outcome.reason });
      return stored;
    });
    if (registry.location.startsWith('file:')) {
      const dir = join(fileURLToPath(registry.location), input.modelName, 'versions', String(version.version));
      reports = { html: join(dir, 'report.html'), markdown: join(dir, 'report.md') };
    }
  }

  const metrics: PublishResult['metrics'] = {};
  for (const [name, estimate] of Object.entries(report.metrics)) {
    metrics[name] = estimate.ci
      ? { value: estimate.value, ci: { lower: estimate.ci.lower, upper: estimate.ci.upper, level: estimate.ci.level } }
      : { value: estimate.value };
  }
  return {
    model: {
      name: input.modelName,
      version: version?.version ?? null,
      uri: version?.uri ?? null,
      algorithm: input.model.algorithm,
      rounds: input.model.rounds,
    },
    alias: version ? outcome.alias : null,
    metrics,
    threshold: {
      value: report.threshold.threshold,
      rule: report.threshold.rule,
      rationale: report.threshold.rationale,
      expectedAlertsPerDay: report.threshold.expectedAlertsPerDay,
    },
    gate: {
      passed: outcome.alias === 'champion',
      applied: outcome.gate !== undefined,
      reason: outcome.reason,
      rules: (outcome.gate?.rules ?? []).map((r) => ({ metric: r.metric, passed: r.passed, reason: r.reason })),
    },
    reports,
  };
}

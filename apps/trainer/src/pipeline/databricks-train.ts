import { createHash, randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { isNotFound, runSucceeded, type DatabricksClient, type Run } from '@fraudops/databricks';
import {
  builtInFeatureSpec,
  compileSplitTablesSql,
  featureSpecHash,
  planFeatures,
  SPLIT_KEY_COLUMNS,
  splitTableNames,
  type SplitTableNames,
} from '@fraudops/features';
import type { SplitWindows } from '@fraudops/transactions';
import { importXgboostJson, OnnxScorer, treeEnsembleToOnnx } from '@fraudops/modeling';
import { openRegistry } from '@fraudops/registry';
import type { Output } from '@fraudops/cli';
import { downloadText } from './databricks-connection.js';
import {
  countWindows,
  dayToDate,
  defaultFeatureTable,
  fetchWindow,
  splitDaysOf,
  summariseSource,
  viewAsCsv,
  type WarehouseEngine,
} from './databricks-features.js';
import type { InterruptAction } from '../cli/databricks-flags.js';
import {
  commitThatRan,
  JOB_PARAMETER_DEFAULTS,
  pinnedRunRequest,
  TRAIN_TASK_KEY,
  TUNE_TASK_KEY,
  type JobParameters,
} from './databricks-job.js';
import { failRun, watchRun, type InterruptSource } from './databricks-run.js';
import { PARITY_TOLERANCE } from './model.js';
import { publishModel, type PeriodSummary, type PublishResult } from './publish.js';
import type { SplitOptions, WindowRows } from './split.js';
import { StageRunner, type StageTimings } from './stages.js';
import { TrainerError } from './errors.js';

// `train --backend databricks`: features on the SQL warehouse → a run of the training job → model.json and
// predictions.csv from the run's volume folder → ONNX, checked against the run's own predictions → the same
// evaluation, gate and registration as the local backend (publishModel).
//
// Everything a launch decided is written to `launch.json` in the run's folder before the run starts, so
// `runs attach <run-id>` can finish a launch from any machine: the run's `output_dir` parameter leads to it.

export const LAUNCH_FILE = 'launch.json';
const LAUNCH_SCHEMA = 'fraudops-databricks-launch/1';

/** How the evaluation, gate and registration run (the same settings as the local backend). */
export interface PublishSettings {
  registry: string;
  modelName: string;
  thresholdPolicy: string;
  k: number;
  seed: number;
  bootstrapResamples: number;
  dryRun: boolean;
}

/** What `launch.json` holds. */
export interface LaunchManifest {
  schema: typeof LAUNCH_SCHEMA;
  launchId: string;
  created: string;
  runDir: string;
  source: { table: string; dayZero: string; rows: number; fingerprint: string };
  featureSpec: { name: string; hash: string; names: string[] };
  tables: SplitTableNames;
  days: SplitWindows;
  periods: { train: PeriodSummary; validation?: PeriodSummary; test: PeriodSummary };
  input: 'tables' | 'files';
  parameters: JobParameters;
  xgboost: { params: Record<string, unknown>; numBoostRound: number; earlyStoppingRounds: number };
  gitCommit: string | null;
  publish: PublishSettings;
}

export interface DatabricksLaunchOptions {
  sourceTable: string;
  featureTable?: string;
  /** Volume folder under which each launch gets its own folder. */
  volume: string;
  input: 'tables' | 'files';
  specName: string;
  split: SplitOptions;
  xgboost: LaunchManifest['xgboost'];
  gitCommit: string | null;
  idempotencyToken?: string;
  jobId: number;
  /**
   * Start a one-time run of the job's definition with its code at `gitCommit` (`runs/submit`) instead of
   * `run-now`: a concurrent launch from another commit cannot change the code this run executes.
   */
  pinCommit?: boolean;
  publish: PublishSettings;
}

export interface WaitSettings {
  wait: boolean;
  timeout: number;
  pollInterval?: number;
  onInterrupt: InterruptAction;
  interrupts?: InterruptSource;
}

export interface DatabricksRunInfo {
  runId: number;
  jobId: number | null;
  url: string | null;
  launchId: string;
  runDir: string;
  state?: string;
}

/** The `train --json` summary of the Databricks backend: the local one's fields plus the run. */
export interface DatabricksTrainSummary extends PublishResult {
  data: {
    source: string;
    fingerprint: string;
    rows: number;
    train: PeriodSummary;
    validation?: PeriodSummary;
    test: PeriodSummary;
  };
  featureSpec: { name: string; hash: string; features: number };
  parity: { maxAbsDifference: number; rows: number };
  databricks: DatabricksRunInfo & { input: 'tables' | 'files'; featureTable: string; xgboostVersion: string };
  timings: StageTimings;
}

/** A launch that was started and not waited for (`--no-wait`). */
export interface DatabricksLaunchSummary {
  databricks: DatabricksRunInfo;
  attach: string;
  timings: StageTimings;
}

/** A launch's folder name: a fresh one per launch, or one derived from an idempotency token (so a repeat finds it). */
export function launchIdFor(token: string | undefined, now = new Date()): string {
  if (token !== undefined) return `t-${createHash('sha256').update(token).digest('hex').slice(0, 20)}`;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** An idempotency token the service accepts (1–64 characters), or none. */
export function checkToken(token: string | undefined): void {
  if (token !== undefined && (token.length === 0 || token.length > 64)) {
    throw new TrainerError('INVALID_OPTION', `--idempotency-token must be 1–64 characters, got ${token.length}`);
  }
}

async function readManifest(client: DatabricksClient, runDir: string): Promise<LaunchManifest | undefined> {
  let text: string;
  try {
    text = await downloadText(client, `${runDir}/${LAUNCH_FILE}`);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  let manifest: LaunchManifest;
  try {
    manifest = JSON.parse(text) as LaunchManifest;
  } catch (error) {
    throw new TrainerError('INVALID_MANIFEST', `${runDir}/${LAUNCH_FILE} is not JSON: ${(error as Error).message}`);
  }
  const schema: unknown = manifest.schema; // the file's word, not yet the type's
  if (schema !== LAUNCH_SCHEMA) {
    throw new TrainerError(
      'INVALID_MANIFEST',
      `${runDir}/${LAUNCH_FILE} is not a fraudops launch manifest (schema ${JSON.stringify(schema) ?? 'missing'}, expected ${LAUNCH_SCHEMA})`,
    );
  }
  return manifest;
}

/** Materialises the features, writes the run's inputs and manifest; returns the manifest. */
// eslint-disable-next-line max-lines-per-function -- the launch's inputs in the order the job reads them (features, split views, manifest); each step is a call
async function prepareLaunch(
  client: DatabricksClient,
  engine: WarehouseEngine,
  options: DatabricksLaunchOptions,
  launchId: string,
  stages: StageRunner,
): Promise<LaunchManifest> {
  const spec = builtInFeatureSpec(options.specName);
  const plan = planFeatures(spec);
  const hash = featureSpecHash(spec);
  const runDir = `${options.volume.replace(/\/+$/, '')}/${launchId}`;

  const prepared = await stages.run(
    'features',
    `computing ${plan.names.length} features on the SQL warehouse from ${options.sourceTable}`,
    async () => {
      const whole = await summariseSource(engine, options.sourceTable);
      const days = splitDaysOf(options.split, whole.dayZero);
      const fromUs = whole.dayZeroUs + days.train[0] * 86_400_000_000 - plan.longestSpanUs;
      const toUs = whole.dayZeroUs + (days.test[1] + 1) * 86_400_000_000;
      const source = await summariseSource(engine, options.sourceTable, { fromUs, toUs });
      const table =
        options.featureTable ??
        defaultFeatureTable(options.sourceTable, {
          source: options.sourceTable,
          spec: hash,
          days,
          dayZero: whole.dayZero,
        });
      const tables = splitTableNames(table, days.validation !== undefined);
      for (const statement of compileSplitTablesSql(plan, 'spark', {
        source: options.sourceTable,
        tables,
        fromUs,
        toUs,
        dayZeroUs: whole.dayZeroUs,
        windows: days,
      })) {
        await engine.query(statement);
      }
      const periods = await countWindows(engine, tables, days, whole.dayZero);
      return { dayZero: whole.dayZero, source, days, tables, periods };
    },
  );

  const { tables } = prepared;
  const inputs =
    options.input === 'files'
      ? await stages.run('inputs', `exporting the train/test views as CSV into ${runDir}`, async () => {
          const features = [...plan.names, 'tx_fraud'];
          const exports: Array<[string | undefined, string, readonly string[]]> = [
            [tables.train, 'train.csv', features],
            [tables.validation, 'validation.csv', features],
            [tables.test, 'test.csv', [...SPLIT_KEY_COLUMNS, ...plan.names]],
          ];
          const paths: string[] = [];
          for (const [view, file, columns] of exports) {
            if (!view) {
              paths.push('');
              continue;
            }
            await client.files.upload(`${runDir}/inputs/${file}`, await viewAsCsv(engine, view, columns), {
              overwrite: true,
            });
            paths.push(`${runDir}/inputs/${file}`);
          }
          return { train: paths[0], validation: paths[1], test: paths[2], format: 'csv' };
        })
      : { train: tables.train, validation: tables.validation ?? '', test: tables.test, format: 'table' };

  const { days, periods } = prepared;
  const parameters: JobParameters = {
    ...JOB_PARAMETER_DEFAULTS,
    train_table: inputs.train,
    validation_table: inputs.validation,
    test_table: inputs.test,
    input_format: inputs.format,
    feature_columns: plan.names.join(','),
    label_column: 'tx_fraud',
    params: JSON.stringify(options.xgboost.params),
    num_boost_round: String(options.xgboost.numBoostRound),
    early_stopping_rounds: String(tables.validation ? options.xgboost.earlyStoppingRounds : 0),
    output_dir: runDir,
    git_commit: options.gitCommit ?? '',
    train_start: dayToDate(prepared.dayZero, days.train[0]),
    train_end: dayToDate(prepared.dayZero, days.validation?.[1] ?? days.train[1]),
    test_start: dayToDate(prepared.dayZero, days.test[0]),
    test_end: dayToDate(prepared.dayZero, days.test[1]),
  };
  const manifest: LaunchManifest = {
    schema: LAUNCH_SCHEMA,
    launchId,
    created: new Date().toISOString(),
    runDir,
    source: {
      table: options.sourceTable,
      dayZero: prepared.dayZero,
      rows: prepared.source.rows,
      fingerprint: prepared.source.fingerprint,
    },
    featureSpec: { name: spec.name, hash, names: plan.names },
    tables,
    days,
    periods: {
      train: periods.train as PeriodSummary,
      ...(periods.validation ? { validation: periods.validation } : {}),
      test: periods.test as PeriodSummary,
    },
    input: options.input,
    parameters,
    xgboost: options.xgboost,
    gitCommit: options.gitCommit,
    publish: options.publish,
  };
  await client.files.upload(`${runDir}/${LAUNCH_FILE}`, JSON.stringify(manifest, null, 2), { overwrite: true });
  return manifest;
}

/**
 * Prepares (or, for a repeated idempotency token, finds) a launch and starts the job run with its parameters.
 * Starting is safe to retry: `run-now` carries the idempotency token.
 */
export async function startLaunch(
  client: DatabricksClient,
  engine: WarehouseEngine,
  options: DatabricksLaunchOptions,
  stages: StageRunner,
  output: Output,
): Promise<{ manifest: LaunchManifest; runId: number }> {
  checkToken(options.idempotencyToken);
  const launchId = launchIdFor(options.idempotencyToken);
  const token = options.idempotencyToken ?? `fraudops-${launchId}`;
  const runDir = `${options.volume.replace(/\/+$/, '')}/${launchId}`;
  const earlier = options.idempotencyToken !== undefined ? await readManifest(client, runDir) : undefined;
  if (earlier)
    output.status(`▸ launch ${launchId} was prepared before (same --idempotency-token): re-using its inputs`);
  const manifest = earlier ?? (await prepareLaunch(client, engine, options, launchId, stages));
  if (options.pinCommit) {
    const commit = options.gitCommit ?? '';
    const { run_id } = await stages.run(
      'launch',
      `starting a one-time run of job ${options.jobId}'s definition at commit ${commit.slice(0, 12)}`,
      async () => {
        const job = await client.jobs.get(options.jobId);
        const request = pinnedRunRequest(job.settings ?? {}, commit, manifest.parameters);
        return client.jobs.submit({ ...request, idempotency_token: token });
      },
    );
    return { manifest, runId: run_id };
  }
  const { run_id } = await stages.run('launch', `starting job ${options.jobId}`, () =>
    client.jobs.runNow({ job_id: options.jobId, job_parameters: { ...manifest.parameters }, idempotency_token: token }),
  );
  return { manifest, runId: run_id };
}

/** predictions.csv as train.py writes it: transaction_id → score (CSV read by csv-parse; blank lines skipped). */
function parsePredictions(text: string, source: string): Map<number, number> {
  const records: string[][] = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const id = header.indexOf('transaction_id');
  const score = header.indexOf('score');
  if (id < 0 || score < 0)
    throw new TrainerError(
      'INVALID_RUN_OUTPUT',
      `${source}: needs columns transaction_id and score (has ${header.join(', ')})`,
    );
  const scores = new Map<number, number>();
  for (let i = 1; i < records.length; i++) {
    const cells = records[i];
    const key = Number(cells[id]);
    const value = Number(cells[score]);
    if (!Number.isFinite(key) || !Number.isFinite(value))
      throw new TrainerError(
        'INVALID_RUN_OUTPUT',
        `${source} line ${i + 1}: transaction_id "${cells[id]}", score "${cells[score]}"`,
      );
    scores.set(key, value);
  }
  return scores;
}

/** Largest |ONNX − run| probability difference over the test rows; every test row must have a prediction. */
export function predictionParity(
  transactionIds: Float64Array,
  onnx: Float32Array,
  runScores: Map<number, number>,
): number {
  if (runScores.size !== transactionIds.length) {
    throw new TrainerError(
      'PARITY_FAILED',
      `the run predicted ${runScores.size} test rows, but the test view has ${transactionIds.length}: nothing was registered`,
    );
  }
  let max = 0;
  for (let i = 0; i < transactionIds.length; i++) {
    const expected = runScores.get(transactionIds[i]);
    if (expected === undefined)
      throw new TrainerError(
        'PARITY_FAILED',
        `the run has no prediction for test transaction ${transactionIds[i]}: nothing was registered`,
      );
    max = Math.max(max, Math.abs(expected - onnx[i]));
  }
  return max;
}

function runInfo(run: Run, manifest: LaunchManifest): DatabricksRunInfo {
  return {
    runId: run.run_id,
    jobId: run.job_id ?? null,
    url: run.run_page_url ?? null,
    launchId: manifest.launchId,
    runDir: manifest.runDir,
    state: `${run.state.life_cycle_state}${run.state.result_state ? `/${run.state.result_state}` : ''}`,
  };
}

/**
 * After a successful run: the model and predictions from the run's folder → ONNX (its probabilities must match
 * the run's to ≤ 1e-6 on every test row) → evaluation, gate against the champion on the test view's vectors,
 * registration (publishModel, exactly as the local backend).
 */
// eslint-disable-next-line max-lines-per-function -- the stages after a run, in order (download, ONNX parity, evaluate, gate, register), each timed by the stage runner
export async function finishLaunch(
  client: DatabricksClient,
  engine: WarehouseEngine,
  run: Run,
  manifest: LaunchManifest,
  stages: StageRunner,
): Promise<DatabricksTrainSummary> {
  const { names, hash } = manifest.featureSpec;
  const files = await stages.run('download', `downloading model.json and predictions.csv from ${manifest.runDir}`, () =>
    (async () => {
      const [model, predictions, metrics] = await Promise.all(
        ['model.json', 'predictions.csv', 'metrics.json'].map((f) => downloadText(client, `${manifest.runDir}/${f}`)),
      );
      return { model, predictions, metrics: JSON.parse(metrics) as Record<string, unknown> };
    })(),
  );
  const test = await stages.run('fetch', `reading the test features back from ${manifest.tables.test}`, () =>
    fetchWindow(engine, manifest.tables.test, names),
  );
  const converted = await stages.run(
    'convert',
    'converting XGBoost JSON to ONNX and checking it reproduces the run',
    async () => {
      const imported = importXgboostJson(files.model);
      if (imported.featureNames && imported.featureNames.join(',') !== names.join(',')) {
        throw new TrainerError(
          'INVALID_RUN_OUTPUT',
          `model.json was trained on features ${imported.featureNames.join(', ')}, not the spec's ${names.join(', ')}`,
        );
      }
      const onnx = treeEnsembleToOnnx(imported.model, {
        featureNames: names,
        featureSpecHash: hash,
        metadata: { model_name: manifest.publish.modelName, databricks_run_id: String(run.run_id) },
      });
      const scorer = await OnnxScorer.load(onnx, { featureSpecHash: hash, featureCount: names.length });
      const { probability } = await scorer.score(test.values).finally(() => scorer.release());
      const maxParityError = predictionParity(
        test.transactionId,
        probability,
        parsePredictions(files.predictions, `${manifest.runDir}/predictions.csv`),
      );
      if (!(maxParityError <= PARITY_TOLERANCE)) {
        throw new TrainerError(
          'PARITY_FAILED',
          `the ONNX conversion disagrees with the run's predictions by ${maxParityError} (> ${PARITY_TOLERANCE}): nothing was registered`,
        );
      }
      return { onnx, probability, maxParityError, version: imported.version, rounds: imported.model.trees.length };
    },
  );

  const window: WindowRows = {
    rows: Uint32Array.from({ length: test.rows }, (_, i) => i),
    matrix: { rows: test.rows, cols: names.length, values: test.values },
    labels: test.label,
    cardIds: test.customerId,
    days: test.day,
    amounts: test.amount,
    period: manifest.days.test,
  };
  const { publish } = manifest;
  // The card records the commit the run executed as Databricks reports it; the launcher's --git-commit only
  // when the run had no Git source (code from a workspace path).
  const ranCommit =
    commitThatRan(run) ??
    (manifest.gitCommit && /^[0-9a-f]{7,64}$/.test(manifest.gitCommit) ? manifest.gitCommit : null);
  const registry = openRegistry(
    publish.registry,
    publish.registry.startsWith('databricks-uc:') ? { databricks: client } : {},
  );
  const info = runInfo(run, manifest);
  const published = await publishModel(
    {
      modelName: publish.modelName,
      model: {
        algorithm: 'xgboost',
        producer: `xgboost ${converted.version} (Databricks run ${run.run_id})`,
        rounds: converted.rounds,
      },
      params: {
        ...manifest.xgboost.params,
        num_boost_round: manifest.xgboost.numBoostRound,
        early_stopping_rounds: Number(manifest.parameters.early_stopping_rounds),
        rounds: converted.rounds,
        databricks: {
          runId: run.run_id,
          jobId: info.jobId,
          url: info.url,
          input: manifest.input,
          featureTable: manifest.tables.table,
        },
        runMetrics: files.metrics,
      },
      onnx: converted.onnx,
      testScores: converted.probability,
      test: window,
      featureSpec: { name: manifest.featureSpec.name, hash, names },
      trainingData: {
        fingerprint: manifest.source.fingerprint,
        source: `${manifest.source.table} (Databricks SQL warehouse)`,
        train: manifest.periods.train,
        ...(manifest.periods.validation ? { validation: manifest.periods.validation } : {}),
        delayDays: manifest.days.delayDays,
        test: manifest.periods.test,
      },
      description: `XGBoost trained by Databricks run ${run.run_id}${info.url ? ` (${info.url})` : ''} on ${manifest.tables.table}${ranCommit ? `, code at commit ${ranCommit}` : ''}`,
    },
    {
      thresholdPolicy: publish.thresholdPolicy,
      k: publish.k,
      seed: publish.seed,
      bootstrapResamples: publish.bootstrapResamples,
      dryRun: publish.dryRun,
    },
    stages,
    registry,
    ranCommit,
  );
  return {
    ...published,
    data: {
      source: manifest.source.table,
      fingerprint: manifest.source.fingerprint,
      rows: manifest.source.rows,
      train: manifest.periods.train,
      ...(manifest.periods.validation ? { validation: manifest.periods.validation } : {}),
      test: manifest.periods.test,
    },
    featureSpec: { name: manifest.featureSpec.name, hash, features: names.length },
    parity: { maxAbsDifference: converted.maxParityError, rows: test.rows },
    databricks: {
      ...info,
      input: manifest.input,
      featureTable: manifest.tables.table,
      xgboostVersion: converted.version,
    },
    timings: stages.timings,
  };
}

/**
 * The launch folder a run writes to: its `output_dir` job parameter, or (a one-time pinned run has no job
 * parameters) the training task's `--output-dir` argument. Empty when the run is not a fraudops launch.
 */
export function runOutputDir(run: Run): string {
  const parameter = run.job_parameters?.find((p) => p.name === 'output_dir');
  const fromParameter = parameter?.value ?? parameter?.default;
  if (fromParameter) return fromParameter;
  const args = run.tasks?.find((t) => t.task_key === TRAIN_TASK_KEY)?.spark_python_task?.parameters ?? [];
  const at = args.indexOf('--output-dir');
  return at >= 0 ? (args[at + 1] ?? '') : '';
}

/** The launch folder a run writes to (see {@link runOutputDir}) and the manifest in it. */
export async function manifestOfRun(client: DatabricksClient, run: Run): Promise<LaunchManifest> {
  if (run.tasks?.some((t) => t.task_key === TUNE_TASK_KEY)) {
    throw new TrainerError(
      'LAUNCH_NOT_FOUND',
      `run ${run.run_id} is a tune --backend databricks search, not a training launch: wait for it again by repeating the tune command with the --idempotency-token it printed`,
    );
  }
  const dir = runOutputDir(run);
  if (!dir) {
    throw new TrainerError(
      'LAUNCH_NOT_FOUND',
      `run ${run.run_id} has no output_dir job parameter: it was not started by fraudops-train train --backend databricks`,
    );
  }
  const manifest = await readManifest(client, dir);
  if (!manifest)
    throw new TrainerError(
      'LAUNCH_NOT_FOUND',
      `run ${run.run_id}: ${dir}/${LAUNCH_FILE} does not exist (was the launch folder deleted?)`,
    );
  return manifest;
}

/** Waits for a launched run (unless told not to) and finishes it; a run that did not succeed exits 5 with its error. */
export async function waitAndFinish(
  client: DatabricksClient,
  engine: WarehouseEngine,
  runId: number,
  manifest: LaunchManifest,
  settings: WaitSettings,
  stages: StageRunner,
  output: Output,
): Promise<DatabricksTrainSummary> {
  const run = await stages.run('run', `waiting for run ${runId}`, () =>
    watchRun(client, runId, {
      output,
      timeout: settings.timeout,
      pollInterval: settings.pollInterval,
      onInterrupt: settings.onInterrupt,
      interrupts: settings.interrupts,
    }),
  );
  if (!runSucceeded(run)) await failRun(client, run, output);
  return finishLaunch(client, engine, run, manifest, stages);
}

/**
 * Appends the launch's Markdown report to `file` (e.g. `$GITHUB_STEP_SUMMARY`): a header naming the run, the
 * commit and the registered version, then the registered version's report.md (metrics, gate, threshold).
 */
export async function appendMarkdownReport(
  client: DatabricksClient,
  publish: PublishSettings,
  summary: DatabricksTrainSummary,
  file: string,
): Promise<void> {
  const d = summary.databricks;
  const run = d.url ? `[run ${d.runId}](${d.url})` : `run ${d.runId}`;
  const registered = summary.model.uri
    ? `registered \`${summary.model.uri}\` as **@${summary.alias}** in \`${publish.registry}\``
    : 'dry run: nothing registered';
  const lines = [
    `# fraudops training on Databricks`,
    '',
    `${run}${d.jobId !== null ? ` of job ${d.jobId}` : ''} · XGBoost ${d.xgboostVersion} · features \`${d.featureTable}\` (${d.input}) · ${registered}`,
    `· gate: ${summary.gate.reason} · ONNX matches the run's ${summary.parity.rows} test predictions (max |Δ| ${summary.parity.maxAbsDifference.toExponential(2)})`,
    '',
  ];
  if (summary.model.version !== null) {
    const registry = openRegistry(
      publish.registry,
      publish.registry.startsWith('databricks-uc:') ? { databricks: client } : {},
    );
    const report = await registry.readArtifact(publish.modelName, summary.model.version, 'report.md');
    lines.push(Buffer.from(report).toString('utf8'));
  } else {
    lines.push(
      '| metric | value |',
      '|---|---|',
      ...Object.entries(summary.metrics).map(([name, m]) => `| \`${name}\` | ${m.value.toFixed(4)} |`),
      '',
    );
  }
  await appendFile(file, `${lines.join('\n')}\n`);
}

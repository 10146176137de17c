import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  BadRequest,
  isNotFound,
  runSucceeded,
  type DatabricksClient,
  type JobTask,
  type Run,
} from '@fraudops/databricks';
import {
  builtInFeatureSpec,
  compileSplitTablesSql,
  featureSpecHash,
  planFeatures,
  splitTableNames,
} from '@fraudops/features';
import type { Output } from '@fraudops/cli';
import { downloadText } from './databricks-connection.js';
import {
  countWindows,
  dayToDate,
  defaultFeatureTable,
  splitDaysOf,
  summariseSource,
  viewAsCsv,
  type WarehouseEngine,
} from './databricks-features.js';
import { TUNE_TASK_KEY } from './databricks-job.js';
import { failRun, watchRun } from './databricks-run.js';
import { checkToken, launchIdFor, type WaitSettings } from './databricks-train.js';
import { TrainerError } from './errors.js';
import type { SplitOptions } from './split.js';
import type { StageRunner } from './stages.js';
import {
  FOLD_CSV_KEYS,
  parseTuneJobInputs,
  parseTuneJobResult,
  tuneJobInputs,
  TUNE_INPUTS_FILE,
  TUNE_PROGRESS_FILE,
  TUNE_RESULT_FILE,
  type TuneJobInputs,
  type TuneJobProgress,
} from './tune-job-files.js';
import { tuningFolds, type TuneOptions, type TuneResult } from './tune.js';

// `tune --backend databricks`: per-fold split tables on the SQL warehouse (the split-table SQL of
// @fraudops/features, one feature table and train/validation/test views per fold) → CSV exports of the views
// in the launch folder of a volume → a one-time run (runs/submit) of databricks/tune.py on an existing
// cluster, which starts the bundled search (src/tune-job.ts: the same searchTrials as the local backend) →
// tune-result.json, read back here and written as the same parameter set as the local backend.

/** The job's two files: the Python task and the bundled search it starts with Node.js. */
export interface TuneJobFiles {
  /** Local path of databricks/tune.py. */
  task: string;
  /** Local path of the tune-job bundle (tune-job.mjs). */
  bundle: string;
}

export interface DatabricksTuneOptions {
  sourceTable: string;
  /** Volume folder under which each launch gets its own folder. */
  volume: string;
  specName: string;
  split: SplitOptions;
  folds: number;
  search: Omit<TuneOptions, 'split' | 'folds' | 'onTrial' | 'now'>;
  /** The all-purpose cluster the task runs on (it needs Node.js 20+). */
  clusterId: string;
  /** The Node.js executable on the cluster. */
  node: string;
  files: TuneJobFiles;
  idempotencyToken?: string;
}

export interface DatabricksTuneSummary {
  result: TuneResult;
  dayZero: string;
  featureSpec: { name: string; hash: string; names: string[] };
  source: { table: string; rows: number; fingerprint: string };
  run: {
    runId: number;
    url: string | null;
    state: string;
    runDir: string;
    clusterId: string;
    idempotencyToken: string;
  };
}

interface PreparedTune {
  inputs: TuneJobInputs;
  /** CSV text of each fold window, by file name. */
  csv: Map<string, string>;
}

/** Per-fold split tables on the warehouse and the CSV of each view (the job's inputs). */
// eslint-disable-next-line max-lines-per-function -- per fold: days, tables, counts, exports, in the order the job reads them
async function prepareFolds(engine: WarehouseEngine, options: DatabricksTuneOptions): Promise<PreparedTune> {
  const spec = builtInFeatureSpec(options.specName);
  const plan = planFeatures(spec);
  const hash = featureSpecHash(spec);
  const whole = await summariseSource(engine, options.sourceTable);
  const main = splitDaysOf(options.split, whole.dayZero);
  const split = { ...options.split, trainStartDay: main.train[0] };
  const folds = tuningFolds(split, options.folds);
  const earliest = folds[folds.length - 1].trainStart;
  if (earliest < 0) {
    throw new TrainerError(
      'INVALID_OPTION',
      `--folds ${options.folds}: the earliest fold would start on day ${earliest}, before ${options.sourceTable}'s first day ${whole.dayZero}; use fewer folds or a later --train-start`,
    );
  }
  const lastDay = main.train[0] + options.split.trainDays - 1;
  const source = await summariseSource(engine, options.sourceTable, {
    fromUs: whole.dayZeroUs + earliest * 86_400_000_000 - plan.longestSpanUs,
    toUs: whole.dayZeroUs + (lastDay + 1) * 86_400_000_000,
  });
  const columns = [...FOLD_CSV_KEYS, ...plan.names];
  const csv = new Map<string, string>();
  const inputFolds: TuneJobInputs['folds'] = [];
  for (const fold of folds) {
    const days = splitDaysOf({ ...options.split, trainStart: fold.trainStart }, whole.dayZero);
    if (days.test[0] !== fold.testDays[0] || days.test[1] > lastDay)
      throw new Error(`internal: fold ${fold.fold}'s test days ${days.test.join('–')} are not its tuning days`);
    const table = defaultFeatureTable(options.sourceTable, {
      purpose: 'tune',
      source: options.sourceTable,
      spec: hash,
      days,
      dayZero: whole.dayZero,
    });
    const tables = splitTableNames(table, days.validation !== undefined);
    for (const statement of compileSplitTablesSql(plan, 'spark', {
      source: options.sourceTable,
      tables,
      fromUs: whole.dayZeroUs + days.train[0] * 86_400_000_000 - plan.longestSpanUs,
      toUs: whole.dayZeroUs + (days.test[1] + 1) * 86_400_000_000,
      dayZeroUs: whole.dayZeroUs,
      windows: days,
    })) {
      await engine.query(statement);
    }
    await countWindows(engine, tables, days, whole.dayZero);
    const file = (window: string) => `fold-${fold.fold}-${window}.csv`;
    csv.set(file('train'), await viewAsCsv(engine, tables.train, columns));
    if (tables.validation && days.validation)
      csv.set(file('validation'), await viewAsCsv(engine, tables.validation, columns));
    csv.set(file('test'), await viewAsCsv(engine, tables.test, columns));
    inputFolds.push({
      fold: fold.fold,
      trainWindow: [days.train[0], days.validation?.[1] ?? days.train[1]],
      train: { file: file('train'), period: days.train },
      ...(days.validation ? { validation: { file: file('validation'), period: days.validation } } : {}),
      test: { file: file('test'), period: days.test },
    });
  }
  return {
    inputs: tuneJobInputs({
      launch: {
        dayZero: whole.dayZero,
        source: { table: options.sourceTable, rows: source.rows, fingerprint: source.fingerprint },
      },
      featureNames: plan.names,
      search: { ...options.search, split, folds: options.folds },
      folds: inputFolds,
    }),
    csv,
  };
}

/** The one-time run's task: tune.py on the cluster, starting the bundled search with Node.js. */
export function tuneTask(runDir: string, clusterId: string, node: string): JobTask {
  return {
    task_key: TUNE_TASK_KEY,
    description: 'fraudops hyperparameter search (tune --backend databricks): tune.py starts tune-job.mjs with Node.js',
    existing_cluster_id: clusterId,
    spark_python_task: {
      python_file: `${runDir}/job/tune.py`,
      parameters: [
        '--node',
        node,
        '--job-script',
        `${runDir}/job/tune-job.mjs`,
        '--inputs',
        `${runDir}/inputs`,
        '--output-dir',
        runDir,
      ],
    },
    max_retries: 0,
  };
}

/** Uploads the fold windows, then the job's files, then tune-inputs.json (last: it marks a complete launch). */
async function uploadInputs(
  client: DatabricksClient,
  options: DatabricksTuneOptions,
  prepared: PreparedTune,
  runDir: string,
): Promise<void> {
  const upload = (path: string, body: string | Uint8Array) => client.files.upload(path, body, { overwrite: true });
  for (const [file, text] of prepared.csv) await upload(`${runDir}/inputs/${file}`, text);
  await upload(`${runDir}/job/tune.py`, await readFile(options.files.task));
  await upload(`${runDir}/job/tune-job.mjs`, await readFile(options.files.bundle));
  await upload(`${runDir}/inputs/${TUNE_INPUTS_FILE}`, `${JSON.stringify(prepared.inputs, null, 2)}\n`);
}

/** The inputs of an earlier launch with the same idempotency token, if it uploaded them all. */
async function earlierInputs(client: DatabricksClient, runDir: string): Promise<TuneJobInputs | undefined> {
  const path = `${runDir}/inputs/${TUNE_INPUTS_FILE}`;
  try {
    return parseTuneJobInputs(await downloadText(client, path), path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Starts the run (safe to repeat: runs/submit with the same token answers the same run). */
async function submitTune(
  client: DatabricksClient,
  options: DatabricksTuneOptions,
  runDir: string,
  token: string,
): Promise<number> {
  try {
    const { run_id } = await client.jobs.submit({
      run_name: `fraudops tune ${runDir.split('/').pop() ?? ''}`,
      tasks: [tuneTask(runDir, options.clusterId, options.node)],
      idempotency_token: token,
    });
    return run_id;
  } catch (error) {
    if (error instanceof BadRequest && /^Cluster \S+ does not exist/.test(error.message)) {
      throw new TrainerError(
        'CLUSTER_NOT_FOUND',
        `--cluster-id ${options.clusterId}: no such cluster in ${client.config.host} (${error.message}); pick one from \`databricks clusters list\``,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Reads progress.json while the run goes on and prints a line per finished trial. */
function followProgress(
  client: DatabricksClient,
  runDir: string,
  k: number,
  output: Output,
  intervalMs: number,
): () => Promise<void> {
  let shown = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  const poll = async () => {
    try {
      const progress = JSON.parse(await downloadText(client, `${runDir}/${TUNE_PROGRESS_FILE}`)) as TuneJobProgress;
      if (progress.done > shown) {
        shown = progress.done;
        output.status(
          `  trial ${progress.last.trial} done (${progress.done}/${progress.of}): AP ${progress.last.ap.toFixed(4)}, CP@${k} ${progress.last.cp.toFixed(3)} (best: trial ${progress.best.trial}, AP ${progress.best.ap.toFixed(4)})`,
        );
      }
    } catch {
      // not written yet (no trial has finished), or being replaced: the next poll reads it
    }
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => {
      pending = poll();
    }, intervalMs);
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await pending;
    // once more: the trials that ended since the last poll are shown before the table
    await poll();
  };
}

function stateOf(run: Run): string {
  return `${run.state.life_cycle_state}${run.state.result_state ? `/${run.state.result_state}` : ''}`;
}

/** The launch's inputs: those of an earlier launch with the same idempotency token, else computed and uploaded. */
async function launchInputs(
  client: DatabricksClient,
  engine: WarehouseEngine,
  options: DatabricksTuneOptions,
  runDir: string,
  stages: StageRunner,
  output: Output,
): Promise<TuneJobInputs> {
  const earlier = options.idempotencyToken !== undefined ? await earlierInputs(client, runDir) : undefined;
  if (earlier) {
    output.status(
      `▸ launch ${runDir.split('/').pop() ?? ''} was prepared before (same --idempotency-token): re-using its inputs and run`,
    );
    return earlier;
  }
  const names = planFeatures(builtInFeatureSpec(options.specName)).names;
  return stages.run(
    'features',
    `computing ${names.length} features for ${options.folds} folds on the SQL warehouse from ${options.sourceTable}`,
    async () => {
      const prepared = await prepareFolds(engine, options);
      await uploadInputs(client, options, prepared, runDir);
      return prepared.inputs;
    },
  );
}

/** Prepares the folds on the warehouse, runs the search as a job, waits with progress and reads its result. */
export async function runDatabricksTune(
  client: DatabricksClient,
  engine: WarehouseEngine,
  options: DatabricksTuneOptions,
  wait: Omit<WaitSettings, 'wait'>,
  stages: StageRunner,
  output: Output,
): Promise<DatabricksTuneSummary> {
  checkToken(options.idempotencyToken);
  // Every launch has a token, so that repeating the command with it waits for the same run again.
  const token = options.idempotencyToken ?? `tune-${randomBytes(8).toString('hex')}`;
  const launchId = launchIdFor(token);
  const runDir = `${options.volume.replace(/\/+$/, '')}/${launchId}`;
  const spec = builtInFeatureSpec(options.specName);
  const inputs = await launchInputs(client, engine, { ...options, idempotencyToken: token }, runDir, stages, output);
  const { dayZero } = inputs.launch;
  for (const fold of inputs.folds) {
    output.status(
      `  fold ${fold.fold}: train from ${dayToDate(dayZero, fold.train.period[0])}, test ${dayToDate(dayZero, fold.test.period[0])}…${dayToDate(dayZero, fold.test.period[1])}`,
    );
  }
  const runId = await stages.run('launch', `starting the search on cluster ${options.clusterId}`, () =>
    submitTune(client, options, runDir, token),
  );
  const reattachHint = `wait again: repeat this command with --idempotency-token ${token}; cancel with: fraudops-train runs cancel ${runId}`;
  output.status(`  to wait for run ${runId} again later: repeat this command with --idempotency-token ${token}`);
  const stop = followProgress(client, runDir, options.search.k, output, wait.pollInterval ?? 2000);
  let run: Run;
  try {
    run = await stages.run('run', `waiting for run ${runId}`, () =>
      watchRun(client, runId, {
        output,
        timeout: wait.timeout,
        pollInterval: wait.pollInterval,
        onInterrupt: wait.onInterrupt,
        interrupts: wait.interrupts,
        reattachHint,
      }),
    );
  } finally {
    await stop();
  }
  if (!runSucceeded(run)) await failRun(client, run, output);
  const path = `${runDir}/${TUNE_RESULT_FILE}`;
  const read = parseTuneJobResult(await downloadText(client, path), path, inputs.search.folds);
  return {
    result: { ...read, folds: tuningFolds(inputs.search.split, inputs.search.folds) },
    dayZero,
    featureSpec: { name: spec.name, hash: featureSpecHash(spec), names: inputs.featureNames },
    source: inputs.launch.source,
    run: {
      runId,
      url: run.run_page_url ?? null,
      state: stateOf(run),
      runDir,
      clusterId: options.clusterId,
      idempotencyToken: token,
    },
  };
}

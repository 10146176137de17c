import type {
  DatabricksClient,
  GitSource,
  Job,
  JobSettings,
  JobTask,
  Run,
  SubmitRunRequest,
} from '@fraudops/databricks';
import { TrainerError } from './errors.js';

// The training job as code: what `fraudops-train deploy-job` creates or resets, and what
// `train --backend databricks` runs with `run-now`. One task, `train`, runs apps/trainer/databricks/train.py
// with the job's parameters; the code comes from a pinned Git reference or a workspace path.

/** Task key of the training task (the launcher reads this task's output). */
export const TRAIN_TASK_KEY = 'train';
/** The task of a `tune --backend databricks` run (a one-time run, not a task of the training job). */
export const TUNE_TASK_KEY = 'tune';
/** The training script, relative to the repository root. */
export const TRAIN_SCRIPT = 'apps/trainer/databricks/train.py';
/** The access mode of the job cluster: dedicated to the run's identity, and able to use Unity Catalog. */
export const UC_DATA_SECURITY_MODE = 'SINGLE_USER';
/** XGBoost versions whose JSON models `importXgboostJson` converts. */
export const XGBOOST_REQUIREMENT = 'xgboost>=1.7,<3';

/**
 * The job's parameters, with their defaults. `run-now` sets them per launch; the task receives them as
 * `{{job.parameters.<name>}}` references (the only way job parameters reach a Python script).
 */
export const JOB_PARAMETER_DEFAULTS = {
  train_table: '',
  validation_table: '',
  test_table: '',
  /** `table` (Spark reads tables or views) or `csv` (files in a volume). */
  input_format: 'table',
  feature_columns: '',
  label_column: 'tx_fraud',
  /** XGBoost parameters as a JSON object. */
  params: '{}',
  num_boost_round: '300',
  early_stopping_rounds: '0',
  /** The run's volume folder: train.py writes model.json, predictions.csv, metrics.json there. */
  output_dir: '',
  git_commit: '',
  // The split, for whoever reads the run in the workspace UI (train.py gets the split as tables).
  train_start: '',
  train_end: '',
  test_start: '',
  test_end: '',
} as const;
export type JobParameterName = keyof typeof JOB_PARAMETER_DEFAULTS;
export type JobParameters = Record<JobParameterName, string>;

/** Script argument → job parameter. */
const SCRIPT_ARGUMENTS: Array<[flag: string, parameter: JobParameterName]> = [
  ['--train-table', 'train_table'],
  ['--validation-table', 'validation_table'],
  ['--test-table', 'test_table'],
  ['--input-format', 'input_format'],
  ['--feature-columns', 'feature_columns'],
  ['--label-column', 'label_column'],
  ['--params', 'params'],
  ['--num-boost-round', 'num_boost_round'],
  ['--early-stopping-rounds', 'early_stopping_rounds'],
  ['--output-dir', 'output_dir'],
  ['--git-commit', 'git_commit'],
];

/** Where the job's code comes from. */
export type CodeSource =
  /** `git_source`: Databricks checks the repository out at this branch, tag or commit for every run. */
  | { kind: 'git'; url: string; provider: string; branch?: string; tag?: string; commit?: string }
  /**
   * The repository root inside the workspace: a Git folder kept in step by fraudops-sync (`/Repos/ci/fraudops`,
   * `/Workspace/…`), or, for the local emulator, any absolute path of this machine.
   */
  | { kind: 'path'; root: string }
  /**
   * A Databricks Asset Bundle's own files: the script path relative to the bundle's job resource file
   * (`resources/`), which `databricks bundle deploy` uploads and rewrites to the workspace copy.
   */
  | { kind: 'bundle'; resourceDirToRoot: string };

/** What the training task runs on. */
export type ComputeSpec =
  /** Serverless jobs compute with a pip environment (XGBoost added; pandas and scikit-learn are in the image). */
  | { kind: 'serverless'; environmentVersion: string }
  /** A job cluster created for each run (ML runtimes carry XGBoost; it is added as a library anyway). */
  | { kind: 'cluster'; sparkVersion: string; nodeType: string; workers: number }
  /** An all-purpose cluster that already exists. */
  | { kind: 'existing'; clusterId: string };

export interface TrainingJobOptions {
  name: string;
  code: CodeSource;
  compute: ComputeSpec;
  /** Runs of the job at the same time; more are queued. @defaultValue 4 */
  maxConcurrentRuns?: number;
  /** Databricks stops a run after this long (0: no limit). @defaultValue 4 h */
  timeoutSeconds?: number;
}

export const DEFAULT_JOB_TIMEOUT_SECONDS = 4 * 3600;

function gitSourceOf(code: Extract<CodeSource, { kind: 'git' }>): GitSource {
  const refs = [code.branch, code.tag, code.commit].filter((r) => r !== undefined && r !== '');
  if (refs.length !== 1) {
    throw new TrainerError(
      'INVALID_OPTION',
      'the job code needs exactly one of --git-branch, --git-tag or --git-commit',
    );
  }
  return {
    git_url: code.url,
    git_provider: code.provider,
    ...(code.branch ? { git_branch: code.branch } : code.tag ? { git_tag: code.tag } : { git_commit: code.commit }),
  };
}

function scriptPath(code: CodeSource): { python_file: string; source?: 'GIT' | 'WORKSPACE' } {
  if (code.kind === 'git') return { python_file: TRAIN_SCRIPT, source: 'GIT' };
  if (code.kind === 'bundle') return { python_file: `${code.resourceDirToRoot.replace(/\/+$/, '')}/${TRAIN_SCRIPT}` };
  if (!code.root.startsWith('/'))
    throw new TrainerError('INVALID_OPTION', `--code-path must be an absolute path, got "${code.root}"`);
  return { python_file: `${code.root.replace(/\/+$/, '')}/${TRAIN_SCRIPT}`, source: 'WORKSPACE' };
}

/** The job's settings (`jobs/create` body, `jobs/reset` new_settings). Pure: the same options give the same settings. */
export function trainingJobSettings(options: TrainingJobOptions): JobSettings {
  const script = scriptPath(options.code);
  const task: JobTask = {
    task_key: TRAIN_TASK_KEY,
    description:
      'XGBoost on the feature tables the launcher materialised; writes model.json, predictions.csv, metrics.json',
    spark_python_task: {
      ...script,
      parameters: SCRIPT_ARGUMENTS.flatMap(([flag, name]) => [flag, `{{job.parameters.${name}}}`]),
    },
    max_retries: 0,
  };
  const settings: JobSettings = {
    name: options.name,
    description: 'fraudops training: launched by `fraudops-train train --backend databricks` (apps/trainer).',
    tags: { fraudops: 'trainer' },
    max_concurrent_runs: options.maxConcurrentRuns ?? 4,
    queue: { enabled: true },
    timeout_seconds: options.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS,
    parameters: Object.entries(JOB_PARAMETER_DEFAULTS).map(([name, value]) => ({ name, default: value })),
    tasks: [task],
  };
  if (options.code.kind === 'git') settings.git_source = gitSourceOf(options.code);
  const { compute } = options;
  if (compute.kind === 'serverless') {
    task.environment_key = 'train';
    settings.environments = [
      {
        environment_key: 'train',
        spec: { environment_version: compute.environmentVersion, dependencies: [XGBOOST_REQUIREMENT] },
      },
    ];
  } else if (compute.kind === 'cluster') {
    task.job_cluster_key = 'train';
    task.libraries = [{ pypi: { package: XGBOOST_REQUIREMENT } }];
    settings.job_clusters = [
      {
        job_cluster_key: 'train',
        // Dedicated (single user) access mode: Unity Catalog tables, views and /Volumes are readable and
        // writable from the cluster, and the ML runtime's libraries work (standard access mode restricts them).
        new_cluster: {
          spark_version: compute.sparkVersion,
          node_type_id: compute.nodeType,
          num_workers: compute.workers,
          data_security_mode: UC_DATA_SECURITY_MODE,
        },
      },
    ];
  } else {
    task.existing_cluster_id = compute.clusterId;
    task.libraries = [{ pypi: { package: XGBOOST_REQUIREMENT } }];
  }
  return settings;
}

/**
 * A one-time run (`runs/submit` body) of the job's definition with its code pinned at `commit`: the tasks,
 * compute and environments as deployed, `git_source` at the commit, and the job parameters written into the
 * task's arguments (a one-time run has no job parameters). Another launch resetting the job meanwhile cannot
 * change what this run executes. Needs a job whose code comes from Git.
 */
export function pinnedRunRequest(settings: JobSettings, commit: string, parameters: JobParameters): SubmitRunRequest {
  const git = settings.git_source;
  if (!git) {
    throw new TrainerError(
      'INVALID_OPTION',
      `--pin-commit needs a job whose code comes from Git: deploy it with fraudops-train deploy-job --git-url <url> (job "${settings.name}" runs code from a workspace path)`,
    );
  }
  if (!/^[0-9a-f]{7,64}$/.test(commit))
    throw new TrainerError('INVALID_OPTION', `--pin-commit needs --git-commit <sha>, got "${commit}"`);
  const clusters = new Map((settings.job_clusters ?? []).map((c) => [c.job_cluster_key, c.new_cluster]));
  const resolve = (argument: string) =>
    argument.replace(
      /\{\{job\.parameters\.([A-Za-z0-9_]+)\}\}/g,
      (_, name: string) => parameters[name as JobParameterName] ?? '',
    );
  const tasks = (settings.tasks ?? []).map(({ job_cluster_key, ...task }): JobTask => {
    const cluster = job_cluster_key === undefined ? undefined : clusters.get(job_cluster_key);
    return {
      ...task,
      ...(cluster ? { new_cluster: cluster } : {}),
      ...(task.spark_python_task
        ? {
            spark_python_task: {
              ...task.spark_python_task,
              parameters: (task.spark_python_task.parameters ?? []).map(resolve),
            },
          }
        : {}),
    };
  });
  return {
    run_name: `${settings.name ?? 'fraudops-train'} @ ${commit.slice(0, 12)}`,
    tasks,
    git_source: { git_url: git.git_url, git_provider: git.git_provider, git_commit: commit },
    ...(settings.timeout_seconds !== undefined ? { timeout_seconds: settings.timeout_seconds } : {}),
    ...(settings.environments ? { environments: settings.environments } : {}),
  };
}

/** The commit a run executed, as Databricks reports it (the pinned commit, or the one a branch resolved to). */
export function commitThatRan(run: Run): string | undefined {
  const commit = run.git_source?.git_commit ?? run.git_source?.git_snapshot?.used_commit;
  return commit && /^[0-9a-f]{7,64}$/.test(commit) ? commit : undefined;
}

/** The workspace's page of a job. */
export function jobUrl(host: string, jobId: number): string {
  return `${host.replace(/\/+$/, '')}/jobs/${jobId}`;
}

/** Jobs with exactly this name (the Jobs API filters by name server-side). */
export async function jobsNamed(client: DatabricksClient, name: string): Promise<Job[]> {
  const found: Job[] = [];
  for await (const job of client.jobs.list({ name })) if (job.settings?.name === name) found.push(job);
  return found;
}

/** The job a launch uses: `--job-id`, else the one job named `--job-name` (none or several is an error that says what to do). */
export async function findTrainingJob(
  client: DatabricksClient,
  flags: { jobName: string; jobId?: number },
): Promise<number> {
  if (flags.jobId !== undefined) return flags.jobId;
  const jobs = await jobsNamed(client, flags.jobName);
  if (jobs.length === 0) {
    throw new TrainerError(
      'JOB_NOT_FOUND',
      `no job named "${flags.jobName}" in ${client.config.host}: create it with fraudops-train deploy-job --job-name ${flags.jobName}`,
    );
  }
  if (jobs.length > 1) {
    throw new TrainerError(
      'AMBIGUOUS_JOB',
      `${jobs.length} jobs are named "${flags.jobName}" (ids ${jobs.map((j) => j.job_id).join(', ')}): pass --job-id`,
    );
  }
  return jobs[0].job_id;
}

export interface DeployResult {
  jobId: number;
  action: 'created' | 'reset';
  url: string;
  name: string;
}

/**
 * Creates the job, or resets the one job with its name to exactly these settings: running it twice leaves one
 * job with the same id and settings. Several jobs with the name is an error (which one would be meant?).
 */
export async function deployTrainingJob(client: DatabricksClient, settings: JobSettings): Promise<DeployResult> {
  const name = settings.name as string;
  const existing = await jobsNamed(client, name);
  if (existing.length > 1) {
    throw new TrainerError(
      'DUPLICATE_JOBS',
      `${existing.length} jobs are named "${name}" (ids ${existing.map((j) => j.job_id).join(', ')}): delete the extra ones, or deploy under another --job-name`,
    );
  }
  if (existing.length === 1) {
    const jobId = existing[0].job_id;
    await client.jobs.reset(jobId, settings);
    return { jobId, action: 'reset', url: jobUrl(client.config.host, jobId), name };
  }
  const { job_id } = await client.jobs.create(settings);
  return { jobId: job_id, action: 'created', url: jobUrl(client.config.host, job_id), name };
}

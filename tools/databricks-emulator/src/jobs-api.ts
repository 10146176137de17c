import type { GitSource, Job, JobSettings, JobTask, Run, RunOutput, RunTask } from '@fraudops/databricks';
import { ApiError, invalidParameter } from './api-error.js';
import type { EmulatorContext } from './context.js';
import { isTerminalRun, type RunEngine } from './run-engine.js';
import { ok, optionalString, requireId, type Router } from './routing.js';
import type { JobRecord, RunRecord, TaskRunRecord } from './state.js';

const TASK_TYPES = [
  'spark_python_task',
  'sql_task',
  'notebook_task',
  'python_wheel_task',
  'spark_jar_task',
  'spark_submit_task',
  'pipeline_task',
  'dbt_task',
  'run_job_task',
  'condition_task',
  'for_each_task',
  'clean_rooms_notebook_task',
  'dashboard_task',
  'power_bi_task',
] as const;
const RUNNABLE = new Set(['spark_python_task', 'sql_task']);
const MAX_TASKS = 100;
const MAX_RUNS_PAGE = 25;
const MAX_JOBS_PAGE = 100;

// The service answers a missing job or run with 400 INVALID_PARAMETER_VALUE, not 404 (a known quirk the
// SDKs paper over); the emulator does the same so clients are tested against it.
const jobDoesNotExist = (id: number) => invalidParameter(`Job ${id} does not exist.`);
const runDoesNotExist = (id: number) => invalidParameter(`Run ${id} does not exist.`);

function validateGitSource(source: unknown, where: string): GitSource | undefined {
  if (source === undefined || source === null) return undefined;
  const s = source as Record<string, unknown>;
  if (typeof s['git_url'] !== 'string' || typeof s['git_provider'] !== 'string') {
    throw invalidParameter(`${where}: git_source needs git_url and git_provider.`);
  }
  const refs = ['git_branch', 'git_tag', 'git_commit'].filter((k) => typeof s[k] === 'string' && s[k] !== '');
  if (refs.length !== 1)
    throw invalidParameter(`${where}: git_source needs exactly one of git_branch, git_tag or git_commit.`);
  return s as unknown as GitSource;
}

/** Refuses what the service refuses, and what the emulator cannot run, naming the task and field. */
// eslint-disable-next-line max-lines-per-function -- one check per task field the service refuses, each naming the task and field
export function validateTasks(
  tasks: unknown,
  gitSource: GitSource | undefined,
  clusters?: ReadonlySet<string>,
): JobTask[] {
  if (!Array.isArray(tasks) || tasks.length === 0) throw invalidParameter('At least one task is required (tasks).');
  if (tasks.length > MAX_TASKS)
    throw invalidParameter(`A job can have at most ${MAX_TASKS} tasks; got ${tasks.length}.`);
  const keys = new Set<string>();
  for (const raw of tasks as Array<Record<string, unknown>>) {
    const key = raw['task_key'];
    if (typeof key !== 'string' || !/^[\w-]{1,100}$/.test(key)) {
      throw invalidParameter(`Invalid task_key ${JSON.stringify(key)}: use 1–100 letters, digits, "_" or "-".`);
    }
    if (keys.has(key)) throw invalidParameter(`Task key ${key} is used more than once.`);
    keys.add(key);
    const cluster = raw['existing_cluster_id'];
    // The service refuses a task on a cluster that does not exist when the job or run is created, in the
    // words of its Clusters API ("Cluster <id> does not exist"), with 400 INVALID_PARAMETER_VALUE.
    if (cluster !== undefined && clusters && (typeof cluster !== 'string' || !clusters.has(cluster)))
      throw invalidParameter(
        `Cluster ${typeof cluster === 'string' ? cluster : JSON.stringify(cluster)} does not exist`,
      );
    const types = TASK_TYPES.filter((t) => raw[t] !== undefined);
    if (types.length !== 1) {
      throw invalidParameter(
        `Task ${key} must have exactly one task type (${types.length ? types.join(', ') : 'none given'}).`,
      );
    }
    const type = types[0];
    if (!RUNNABLE.has(type)) {
      throw invalidParameter(
        `Task ${key}: ${type} is not supported by the fraudops Databricks emulator, which runs spark_python_task and sql_task (file) tasks.`,
      );
    }
    if (type === 'spark_python_task') {
      const spec = raw[type] as Record<string, unknown>;
      if (typeof spec['python_file'] !== 'string' || spec['python_file'] === '') {
        throw invalidParameter(`Task ${key}: spark_python_task.python_file is required.`);
      }
      if (
        spec['parameters'] !== undefined &&
        (!Array.isArray(spec['parameters']) || spec['parameters'].some((p) => typeof p !== 'string'))
      ) {
        throw invalidParameter(`Task ${key}: spark_python_task.parameters must be a list of strings.`);
      }
      if (spec['source'] === 'GIT' && !gitSource) throw invalidParameter(`Task ${key}: source GIT needs a git_source.`);
    } else {
      const spec = raw[type] as Record<string, unknown>;
      if (typeof spec['warehouse_id'] !== 'string' || spec['warehouse_id'] === '') {
        throw invalidParameter(`Task ${key}: sql_task.warehouse_id is required.`);
      }
      const file = spec['file'] as Record<string, unknown> | undefined;
      if (!file || typeof file['path'] !== 'string') {
        throw invalidParameter(
          `Task ${key}: the emulator runs sql_task.file tasks only (queries, alerts and dashboards are not emulated).`,
        );
      }
    }
  }
  for (const raw of tasks as Array<Record<string, unknown>>) {
    for (const dep of (raw['depends_on'] as Array<{ task_key?: string }> | undefined) ?? []) {
      if (!dep.task_key || !keys.has(dep.task_key)) {
        throw invalidParameter(
          `Task ${String(raw['task_key'])} depends on ${String(dep.task_key)}, which is not a task of this job.`,
        );
      }
    }
  }
  checkNoCycle(tasks as JobTask[]);
  return tasks as JobTask[];
}

function checkNoCycle(tasks: JobTask[]): void {
  const deps = new Map(tasks.map((t) => [t.task_key, (t.depends_on ?? []).map((d) => d.task_key)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (key: string, path: string[]) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting')
      throw invalidParameter(`The task dependencies form a cycle: ${[...path, key].join(' → ')}.`);
    state.set(key, 'visiting');
    for (const d of deps.get(key) ?? []) visit(d, [...path, key]);
    state.set(key, 'done');
  };
  for (const t of tasks) visit(t.task_key, []);
}

function validateSettings(raw: unknown, clusters: ReadonlySet<string>): JobSettings {
  if (!raw || typeof raw !== 'object') throw invalidParameter('Job settings are required.');
  const settings = raw as JobSettings;
  const git = validateGitSource(settings.git_source, 'job');
  validateTasks(settings.tasks, git, clusters);
  for (const p of settings.parameters ?? []) {
    if (typeof p?.name !== 'string' || typeof p?.default !== 'string') {
      throw invalidParameter('Each job parameter needs a name and a string default.');
    }
  }
  const max = settings.max_concurrent_runs;
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > 1000)) {
    throw invalidParameter('max_concurrent_runs must be an integer from 0 to 1000.');
  }
  return { name: 'Untitled', max_concurrent_runs: 1, ...settings };
}

/** API 2.2 queues a job's runs unless its settings say otherwise; 2.1 did not. */
function withQueueDefault(settings: JobSettings, version: string): JobSettings {
  return version === '2.2' && settings.queue === undefined ? { ...settings, queue: { enabled: true } } : settings;
}

/** Arrays that `jobs/update` merges entry by entry, and the field that keys their entries. */
const MERGED_ARRAYS: Record<string, string> = {
  tasks: 'task_key',
  job_clusters: 'job_cluster_key',
  environments: 'environment_key',
  parameters: 'name',
};

/**
 * `jobs/update`: top-level fields of `new_settings` replace the job's, except the keyed arrays (tasks by
 * `task_key`, job clusters, environments, parameters), whose entries replace the entries with the same key
 * and add the others. `fields_to_remove` removes top-level fields, or one entry (`tasks/<task_key>`).
 */
export function mergeSettings(current: JobSettings, update: JobSettings, remove: string[]): JobSettings {
  const merged: JobSettings = { ...current };
  for (const [field, value] of Object.entries(update)) {
    const key = MERGED_ARRAYS[field];
    const existing = merged[field];
    if (key && Array.isArray(value) && Array.isArray(existing)) {
      const byKey = new Map((existing as Array<Record<string, unknown>>).map((entry) => [entry[key], entry]));
      for (const entry of value as Array<Record<string, unknown>>) byKey.set(entry[key], entry);
      merged[field] = [...byKey.values()];
    } else {
      merged[field] = value;
    }
  }
  for (const field of remove) {
    const slash = field.indexOf('/');
    if (slash < 0) {
      delete merged[field];
      continue;
    }
    const array = field.slice(0, slash);
    const key = MERGED_ARRAYS[array];
    if (!key)
      throw invalidParameter(
        `fields_to_remove: ${field} is not a top-level field or an entry of tasks, job_clusters, environments or parameters.`,
      );
    const entries = merged[array];
    if (!Array.isArray(entries)) continue;
    merged[array] = (entries as Array<Record<string, unknown>>).filter(
      (entry) => entry[key] !== field.slice(slash + 1),
    );
  }
  return merged;
}

function checkIdempotencyToken(token: string | undefined): void {
  if (token !== undefined && token.length > 64)
    throw invalidParameter('idempotency_token must be at most 64 characters.');
}

function pageToken(raw: string | null): number {
  if (!raw) return 0;
  const n = Number(Buffer.from(raw, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`Invalid page_token: ${raw}`);
  return n;
}
const nextToken = (offset: number) => Buffer.from(String(offset)).toString('base64url');

function limit(raw: string | null, max: number, fallback: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalidParameter(`limit must be between 1 and ${max}; got ${raw}.`);
  return n;
}

export function renderTask(ctx: EmulatorContext, run: RunRecord, t: TaskRunRecord): RunTask {
  const { task } = t;
  return {
    ...task,
    task_key: t.task_key,
    run_id: t.run_id,
    state: t.state,
    status: t.status,
    start_time: t.start_time,
    end_time: t.end_time,
    setup_duration: t.setup_duration,
    execution_duration: t.execution_duration,
    cleanup_duration: t.cleanup_duration,
    attempt_number: t.attempt_number,
    run_page_url: `${ctx.baseUrl()}/?o=0#job/${run.job_id ?? 0}/run/${t.run_id}`,
  };
}

export function renderRun(ctx: EmulatorContext, run: RunRecord, withTasks = true): Run {
  const end = run.end_time || 0;
  return {
    run_id: run.run_id,
    ...(run.job_id !== undefined ? { job_id: run.job_id, number_in_job: run.number_in_job } : {}),
    run_name: run.run_name,
    run_type: run.run_type,
    creator_user_name: run.creator_user_name,
    run_page_url: `${ctx.baseUrl()}/?o=0#job/${run.job_id ?? 0}/run/${run.run_id}`,
    state: run.state,
    status: run.status,
    ...(withTasks ? { tasks: run.tasks.map((t) => renderTask(ctx, run, t)) } : {}),
    ...(run.job_parameters ? { job_parameters: run.job_parameters } : {}),
    ...(run.git_source ? { git_source: run.git_source } : {}),
    start_time: run.start_time,
    end_time: end,
    setup_duration: run.setup_duration,
    execution_duration: run.execution_duration,
    cleanup_duration: run.cleanup_duration,
    run_duration: end ? end - run.start_time : Date.now() - run.start_time,
    trigger: run.trigger,
    format: 'MULTI_TASK',
    attempt_number: 0,
  };
}

function renderJob(job: JobRecord, withTasks: boolean): Job {
  const { tasks, ...rest } = job.settings;
  return {
    job_id: job.job_id,
    creator_user_name: job.creator_user_name,
    created_time: job.created_time,
    settings: withTasks ? { ...rest, tasks } : rest,
  };
}

/** The Jobs API 2.2 (2.1 paths answer the same). */
// eslint-disable-next-line max-lines-per-function -- a route table: one handler per Jobs API endpoint, all on the same state
export function registerJobsApi(router: Router, ctx: EmulatorContext, engine: RunEngine): void {
  const { data } = ctx.state;
  const findJob = (raw: unknown): JobRecord => {
    const id = requireId(raw, 'job_id');
    const job = data.jobs[id];
    if (!job) throw jobDoesNotExist(id);
    return job;
  };
  /** A job run, or a task run (whose id runs/get also accepts). */
  const findRun = (raw: unknown): { run: RunRecord; task?: TaskRunRecord } => {
    const id = requireId(raw, 'run_id');
    const run = data.runs[id];
    if (run) return { run };
    for (const r of Object.values(data.runs)) {
      const task = r.tasks.find((t) => t.run_id === id);
      if (task) return { run: r, task };
    }
    throw runDoesNotExist(id);
  };

  for (const version of ['2.1', '2.2']) {
    const base = `/api/${version}/jobs`;

    router.add('POST', `${base}/create`, async (req) => {
      const settings = withQueueDefault(validateSettings(await req.json(), ctx.clusters), version);
      const job: JobRecord = {
        job_id: ctx.state.newId(),
        settings,
        created_time: Date.now(),
        creator_user_name: ctx.userName,
      };
      data.jobs[job.job_id] = job;
      ctx.state.changed();
      return ok({ job_id: job.job_id });
    });

    router.add('POST', `${base}/reset`, async (req) => {
      const body = await req.json();
      const job = findJob(body['job_id']);
      job.settings = withQueueDefault(validateSettings(body['new_settings'], ctx.clusters), version);
      ctx.state.changed();
      return ok({});
    });

    router.add('POST', `${base}/update`, async (req) => {
      const body = await req.json();
      const job = findJob(body['job_id']);
      job.settings = validateSettings(
        mergeSettings(
          job.settings,
          (body['new_settings'] as JobSettings | undefined) ?? {},
          (body['fields_to_remove'] as string[] | undefined) ?? [],
        ),
        ctx.clusters,
      );
      ctx.state.changed();
      return ok({});
    });

    router.add('POST', `${base}/delete`, async (req) => {
      const job = findJob((await req.json())['job_id']);
      delete data.jobs[job.job_id];
      ctx.state.changed();
      return ok({});
    });

    router.add('GET', `${base}/get`, (req) => ok(renderJob(findJob(req.query.get('job_id')), true)));

    router.add('GET', `${base}/list`, (req) => {
      const size = limit(req.query.get('limit'), MAX_JOBS_PAGE, 20);
      const offset = pageToken(req.query.get('page_token'));
      const name = req.query.get('name');
      const expand = req.query.get('expand_tasks') === 'true';
      const all = Object.values(data.jobs)
        .filter((j) => !name || j.settings.name === name)
        .sort((a, b) => a.job_id - b.job_id);
      const page = all.slice(offset, offset + size);
      const more = offset + size < all.length;
      return ok({
        ...(page.length ? { jobs: page.map((j) => renderJob(j, expand)) } : {}),
        has_more: more,
        ...(more ? { next_page_token: nextToken(offset + size) } : {}),
      });
    });

    router.add('POST', `${base}/run-now`, async (req) => {
      const body = await req.json();
      const job = findJob(body['job_id']);
      const token = optionalString(body, 'idempotency_token');
      checkIdempotencyToken(token);
      if (token && data.idempotencyTokens[token] !== undefined) {
        const existing = data.runs[data.idempotencyTokens[token]];
        if (existing) return ok({ run_id: existing.run_id, number_in_job: existing.number_in_job });
      }
      const given = (body['job_parameters'] as Record<string, unknown> | undefined) ?? {};
      const defined = new Map((job.settings.parameters ?? []).map((p) => [p.name, p.default]));
      for (const [name, value] of Object.entries(given)) {
        if (!defined.has(name)) {
          const known = [...defined.keys()].join(', ') || 'none';
          throw invalidParameter(`Job parameter ${name} is not defined for job ${job.job_id} (defined: ${known}).`);
        }
        if (typeof value !== 'string') throw invalidParameter(`Job parameter ${name} must be a string.`);
      }
      const pythonParams = body['python_params'];
      if (
        pythonParams !== undefined &&
        (!Array.isArray(pythonParams) || pythonParams.some((p) => typeof p !== 'string'))
      ) {
        throw invalidParameter('python_params must be a list of strings.');
      }
      const queue = (body['queue'] as { enabled?: boolean } | undefined) ?? job.settings.queue;
      const run = engine.start({
        jobId: job.job_id,
        runName: job.settings.name ?? 'Untitled',
        runType: 'JOB_RUN',
        tasks: structuredClone(job.settings.tasks ?? []),
        gitSource: job.settings.git_source,
        timeoutSeconds: job.settings.timeout_seconds,
        jobParameters: [...defined].map(([name, def]) => ({
          name,
          default: def,
          value: (given[name] as string | undefined) ?? def,
        })),
        queueEnabled: queue?.enabled === true,
        maxConcurrentRuns: job.settings.max_concurrent_runs ?? 1,
        ...(pythonParams ? { pythonParams: pythonParams as string[] } : {}),
      });
      if (token) data.idempotencyTokens[token] = run.run_id;
      ctx.state.changed();
      return ok({ run_id: run.run_id, number_in_job: run.number_in_job });
    });

    router.add('POST', `${base}/runs/submit`, async (req) => {
      const body = await req.json();
      const token = optionalString(body, 'idempotency_token');
      checkIdempotencyToken(token);
      if (token && data.idempotencyTokens[token] !== undefined && data.runs[data.idempotencyTokens[token]]) {
        return ok({ run_id: data.idempotencyTokens[token] });
      }
      const gitSource = validateGitSource(body['git_source'], 'run');
      const tasks = validateTasks(body['tasks'], gitSource, ctx.clusters);
      const timeout = body['timeout_seconds'];
      const run = engine.start({
        runName: optionalString(body, 'run_name') ?? 'Untitled',
        runType: 'SUBMIT_RUN',
        tasks: structuredClone(tasks),
        gitSource,
        timeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
        queueEnabled: false,
        maxConcurrentRuns: Number.MAX_SAFE_INTEGER,
      });
      if (token) data.idempotencyTokens[token] = run.run_id;
      ctx.state.changed();
      return ok({ run_id: run.run_id });
    });

    router.add('GET', `${base}/runs/get`, (req) => {
      const { run, task } = findRun(req.query.get('run_id'));
      if (!task) return ok(renderRun(ctx, run));
      // a task run asked for by its own id: the task's view, as the service gives it
      return ok({ ...renderRun(ctx, run, false), ...renderTask(ctx, run, task), tasks: [renderTask(ctx, run, task)] });
    });

    router.add('GET', `${base}/runs/get-output`, (req) => {
      const { run, task } = findRun(req.query.get('run_id'));
      let taskRun = task;
      if (!taskRun) {
        if (run.tasks.length !== 1) {
          throw invalidParameter(
            'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
          );
        }
        taskRun = run.tasks[0];
      }
      const output: RunOutput = {
        metadata: { ...renderRun(ctx, run, false), ...renderTask(ctx, run, taskRun) },
        ...taskRun.output,
      };
      return ok(output);
    });

    router.add('POST', `${base}/runs/cancel`, async (req) => {
      const { run } = findRun((await req.json())['run_id']);
      engine.cancel(run);
      return ok({});
    });

    router.add('POST', `${base}/runs/cancel-all`, async (req) => {
      const job = findJob((await req.json())['job_id']);
      for (const run of Object.values(data.runs)) if (run.job_id === job.job_id) engine.cancel(run);
      return ok({});
    });

    router.add('POST', `${base}/runs/delete`, async (req) => {
      const { run } = findRun((await req.json())['run_id']);
      if (!isTerminalRun(run))
        throw new ApiError(400, 'INVALID_STATE', `Run ${run.run_id} is still active; cancel it first.`);
      delete data.runs[run.run_id];
      ctx.state.changed();
      return ok({});
    });

    router.add('GET', `${base}/runs/list`, (req) => {
      const size = limit(req.query.get('limit'), MAX_RUNS_PAGE, 20);
      const offset = pageToken(req.query.get('page_token'));
      const jobId = req.query.get('job_id');
      const activeOnly = req.query.get('active_only') === 'true';
      const completedOnly = req.query.get('completed_only') === 'true';
      if (activeOnly && completedOnly) throw invalidParameter('active_only and completed_only cannot both be true.');
      const expand = req.query.get('expand_tasks') === 'true';
      const all = Object.values(data.runs)
        .filter((r) => !jobId || r.job_id === Number(jobId))
        .filter((r) => !activeOnly || !isTerminalRun(r))
        .filter((r) => !completedOnly || isTerminalRun(r))
        .sort((a, b) => b.start_time - a.start_time || b.run_id - a.run_id);
      const page = all.slice(offset, offset + size);
      const more = offset + size < all.length;
      return ok({
        ...(page.length ? { runs: page.map((r) => renderRun(ctx, r, expand)) } : {}),
        has_more: more,
        ...(more ? { next_page_token: nextToken(offset + size) } : {}),
        ...(offset > 0 ? { prev_page_token: nextToken(Math.max(0, offset - size)) } : {}),
      });
    });
  }
}

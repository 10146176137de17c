import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { GitSource, JobTask, RunLifeCycleState, RunResultState } from '@fraudops/databricks';
import type { EmulatorContext } from './context.js';
import { referenceValues, resolveReferences, UnknownReferenceError } from './dynamic-values.js';
import { tryGit } from './git.js';
import { translateVolumeArgument } from './paths.js';
import { runPythonFile, type TaskOutcome } from './python-task.js';
import { runSqlStatements } from './sql-task.js';
import type { RunRecord, TaskRunRecord } from './state.js';
import { resolveTaskFile, TaskSetupError } from './task-files.js';
import { errorMessage } from '@fraudops/core';

export interface RunnerOptions {
  /** Time each run spends in PENDING and TERMINATING, and between queue checks. @defaultValue 250 */
  tickMs: number;
  /** Interpreter for spark_python_task. @defaultValue FRAUDOPS_PYTHON, else /usr/bin/python3 */
  python: string;
  /** DuckDB database file (or ':memory:') that sql_task statements run on. */
  database: string;
  /** The token a task gets as DATABRICKS_TOKEN to call the emulator back. */
  taskToken: string;
  /** The environment tasks inherit (DATABRICKS_* variables of it are replaced). */
  baseEnv: NodeJS.ProcessEnv;
}

const ACTIVE: ReadonlySet<RunLifeCycleState> = new Set(['PENDING', 'RUNNING', 'TERMINATING']);
const TERMINAL: ReadonlySet<RunLifeCycleState> = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

export const isTerminalRun = (run: { state: { life_cycle_state: RunLifeCycleState } }) =>
  TERMINAL.has(run.state.life_cycle_state);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface NewRun {
  jobId?: number;
  runName: string;
  runType: RunRecord['run_type'];
  tasks: JobTask[];
  gitSource?: GitSource;
  timeoutSeconds?: number;
  jobParameters?: RunRecord['job_parameters'];
  queueEnabled: boolean;
  maxConcurrentRuns: number;
  pythonParams?: string[];
}

/** Tasks in an order that runs every dependency first (the API already refused cycles). */
function dependencyOrder(tasks: TaskRunRecord[]): TaskRunRecord[] {
  const byKey = new Map(tasks.map((t) => [t.task_key, t]));
  const done = new Set<string>();
  const ordered: TaskRunRecord[] = [];
  const visit = (t: TaskRunRecord) => {
    if (done.has(t.task_key)) return;
    done.add(t.task_key);
    for (const dep of t.task.depends_on ?? []) {
      const d = byKey.get(dep.task_key);
      if (d) visit(d);
    }
    ordered.push(t);
  };
  tasks.forEach(visit);
  return ordered;
}

const TERMINATION: Record<RunResultState & string, { code: string; type: string; message: string }> = {
  SUCCESS: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
  FAILED: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: 'Workload failed, see run output for details' },
  TIMEDOUT: {
    code: 'RUN_EXECUTION_ERROR',
    type: 'CLIENT_ERROR',
    message: 'The run exceeded its timeout and was stopped.',
  },
  CANCELED: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'The run was cancelled.' },
  MAXIMUM_CONCURRENT_RUNS_REACHED: {
    code: 'MAX_CONCURRENT_RUNS_EXCEEDED',
    type: 'CLIENT_ERROR',
    message: 'The job reached its maximum number of concurrent runs.',
  },
  EXCLUDED: { code: 'SKIPPED', type: 'SUCCESS', message: '' },
  SUCCESS_WITH_FAILURES: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
  UPSTREAM_FAILED: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: 'An upstream task failed.' },
  UPSTREAM_CANCELED: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'An upstream task was cancelled.' },
  DISABLED: { code: 'SKIPPED', type: 'SUCCESS', message: '' },
};

/**
 * Drives runs through the real life cycle — QUEUED (when the job is at its concurrency limit and queueing
 * is on) → PENDING → RUNNING → TERMINATING → TERMINATED with a result state — executing each task on this
 * machine: `spark_python_task` with the local Python, `sql_task` files on DuckDB.
 */
export class RunEngine {
  readonly #ctx: EmulatorContext;
  readonly #options: RunnerOptions;
  readonly #controllers = new Map<number, AbortController>();
  readonly #loops = new Set<Promise<void>>();
  #database?: Promise<DuckDBInstance>;

  constructor(ctx: EmulatorContext, options: RunnerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  start(spec: NewRun): RunRecord {
    const { state } = this.#ctx;
    const now = Date.now();
    const runId = state.newId();
    const pending = { life_cycle_state: 'PENDING' as const, state_message: 'Waiting for the run to start.' };
    const tasks: TaskRunRecord[] = spec.tasks.map((task) => ({
      task_key: task.task_key,
      run_id: state.newId(),
      state: { ...pending },
      status: { state: 'PENDING' },
      start_time: 0,
      end_time: 0,
      setup_duration: 0,
      execution_duration: 0,
      cleanup_duration: 0,
      attempt_number: 0,
      task,
      output: {},
    }));
    const run: RunRecord = {
      run_id: runId,
      ...(spec.jobId !== undefined ? { job_id: spec.jobId, number_in_job: runId } : {}),
      run_name: spec.runName,
      run_type: spec.runType,
      creator_user_name: this.#ctx.userName,
      state: pending,
      status: { state: 'PENDING' },
      tasks,
      ...(spec.jobParameters ? { job_parameters: spec.jobParameters } : {}),
      ...(spec.gitSource ? { git_source: spec.gitSource } : {}),
      start_time: now,
      end_time: 0,
      setup_duration: 0,
      execution_duration: 0,
      cleanup_duration: 0,
      trigger: 'ONE_TIME',
      ...(spec.timeoutSeconds ? { timeout_seconds: spec.timeoutSeconds } : {}),
      queue_enabled: spec.queueEnabled,
      max_concurrent_runs: spec.maxConcurrentRuns,
      ...(spec.pythonParams ? { python_params: spec.pythonParams } : {}),
    };
    state.data.runs[runId] = run;
    state.changed();
    const loop = this.#drive(run).finally(() => this.#loops.delete(loop));
    this.#loops.add(loop);
    return run;
  }

  /** Asks a run to stop: a running task is killed; the run ends TERMINATED/CANCELED. */
  cancel(run: RunRecord): void {
    if (isTerminalRun(run) || run.cancel_requested) return;
    run.cancel_requested = true;
    this.#controllers.get(run.run_id)?.abort();
    this.#ctx.state.changed();
  }

  /** Stops every active run (killing its processes) and waits for their loops to end. */
  async close(): Promise<void> {
    for (const run of Object.values(this.#ctx.state.data.runs)) this.cancel(run);
    await Promise.all([...this.#loops]);
    if (this.#database) (await this.#database).closeSync();
  }

  #set(run: RunRecord | TaskRunRecord, life: RunLifeCycleState, message: string, result?: RunResultState): void {
    run.state = { life_cycle_state: life, state_message: message, ...(result ? { result_state: result } : {}) };
    if (result || TERMINAL.has(life)) {
      const details = result ? TERMINATION[result] : { code: life, type: 'INTERNAL_ERROR', message };
      run.status = { state: 'TERMINATED', termination_details: { ...details, message: message || details.message } };
      if (result === 'CANCELED' || result === 'TIMEDOUT') run.state.user_cancelled_or_timedout = true;
    } else {
      run.status = { state: life === 'QUEUED' ? 'QUEUED' : (life as 'PENDING' | 'RUNNING' | 'TERMINATING') };
    }
    this.#ctx.state.changed();
  }

  /** Waits for a free slot of the job; false when the run was skipped or cancelled meanwhile. */
  async #admit(run: RunRecord): Promise<boolean> {
    if (run.run_type !== 'JOB_RUN') return true;
    for (;;) {
      const others = Object.values(this.#ctx.state.data.runs).filter(
        (r) => r.job_id === run.job_id && r.run_id !== run.run_id,
      );
      const active = others.filter((r) => ACTIVE.has(r.state.life_cycle_state)).length;
      const queuedBefore = others.some((r) => r.state.life_cycle_state === 'QUEUED' && r.run_id < run.run_id);
      if (active < run.max_concurrent_runs && !queuedBefore) {
        if (run.state.life_cycle_state === 'QUEUED') this.#set(run, 'PENDING', 'Waiting for the run to start.');
        return true;
      }
      if (!run.queue_enabled) {
        const message = `Skipping this run because the limit of ${run.max_concurrent_runs} maximum concurrent runs has been reached.`;
        this.#set(run, 'SKIPPED', message, 'MAXIMUM_CONCURRENT_RUNS_REACHED');
        for (const task of run.tasks) this.#set(task, 'SKIPPED', message);
        run.end_time = Date.now();
        return false;
      }
      if (run.state.life_cycle_state !== 'QUEUED') {
        this.#set(run, 'QUEUED', 'Queued: the job is at its maximum number of concurrent runs.');
        run.status.queue_details = {
          code: 'ACTIVE_RUNS_LIMIT_REACHED',
          message: 'The job is at its maximum number of concurrent runs.',
        };
      }
      await sleep(this.#options.tickMs);
      if (run.cancel_requested) {
        this.#finish(run, 'CANCELED', 'The run was cancelled while queued.');
        return false;
      }
    }
  }

  #finish(run: RunRecord, result: RunResultState, message: string): void {
    for (const task of run.tasks) {
      if (!TERMINAL.has(task.state.life_cycle_state)) {
        this.#set(task, 'TERMINATED', 'Not run.', result === 'CANCELED' ? 'UPSTREAM_CANCELED' : 'UPSTREAM_FAILED');
      }
    }
    this.#set(run, 'TERMINATED', message, result);
    run.end_time = Date.now();
  }

  // eslint-disable-next-line max-lines-per-function -- a run's life (checkout, tasks in dependency order, cancel, timeout) shares the abort controller
  async #drive(run: RunRecord): Promise<void> {
    const abort = new AbortController();
    this.#controllers.set(run.run_id, abort);
    if (run.cancel_requested) abort.abort();
    try {
      if (!(await this.#admit(run))) return;
      await sleep(this.#options.tickMs);
      if (run.cancel_requested) return this.#finish(run, 'CANCELED', 'The run was cancelled before it started.');
      let checkout: string | undefined;
      if (run.git_source) {
        try {
          checkout = await this.#checkout(run.run_id, run.git_source);
        } catch (error) {
          const message = errorMessage(error);
          this.#set(run, 'INTERNAL_ERROR', message);
          for (const task of run.tasks) this.#set(task, 'INTERNAL_ERROR', message);
          run.end_time = Date.now();
          return;
        }
      }
      // a cancel that arrived while the checkout ran: the task must not start (its abort has already fired)
      if (run.cancel_requested) return this.#finish(run, 'CANCELED', 'The run was cancelled before it started.');
      const runStart = Date.now();
      run.setup_duration = runStart - run.start_time;
      this.#set(run, 'RUNNING', 'In run');
      const deadline = run.timeout_seconds ? runStart + run.timeout_seconds * 1000 : undefined;
      let failed: TaskRunRecord | undefined;
      let stoppedBy: 'CANCELED' | 'TIMEDOUT' | undefined;
      const byKey = new Map(run.tasks.map((t) => [t.task_key, t]));
      for (const taskRun of dependencyOrder(run.tasks)) {
        if (stoppedBy) break;
        const blocked = (taskRun.task.depends_on ?? []).some(
          (d) => byKey.get(d.task_key)?.state.result_state !== 'SUCCESS',
        );
        if (blocked) {
          taskRun.start_time = taskRun.end_time = Date.now();
          this.#set(taskRun, 'TERMINATED', 'An upstream task failed.', 'UPSTREAM_FAILED');
          continue;
        }
        const outcome = await this.#runTask(run, taskRun, checkout, deadline, abort.signal);
        if (outcome.result === 'CANCELED' || outcome.result === 'TIMEDOUT') stoppedBy = outcome.result;
        else if (outcome.result === 'FAILED') failed ??= taskRun;
      }
      run.execution_duration = Date.now() - runStart;
      this.#set(run, 'TERMINATING', 'Terminating the run.');
      const cleanupStart = Date.now();
      await sleep(this.#options.tickMs);
      run.cleanup_duration = Date.now() - cleanupStart;
      if (stoppedBy === 'CANCELED') this.#finish(run, 'CANCELED', 'The run was cancelled.');
      else if (stoppedBy === 'TIMEDOUT')
        this.#finish(run, 'TIMEDOUT', `The run exceeded its timeout of ${run.timeout_seconds} s.`);
      else if (failed)
        this.#finish(
          run,
          'FAILED',
          `Task ${failed.task_key} failed with message: ${failed.output.error ?? 'see run output'}`,
        );
      else this.#finish(run, 'SUCCESS', '');
    } finally {
      this.#controllers.delete(run.run_id);
      rmSync(join(this.#ctx.dataDir, 'runs', String(run.run_id)), { recursive: true, force: true });
    }
  }

  /** Clones the run's `git_source` at its branch, tag or commit into the run's scratch folder. */
  async #checkout(runId: number, source: GitSource): Promise<string> {
    const remote = this.#ctx.gitRemotes.resolve(source.git_url);
    const dir = join(this.#ctx.dataDir, 'runs', String(runId), 'checkout');
    mkdirSync(join(dir, '..'), { recursive: true });
    const cloned = await tryGit(join(dir, '..'), ['clone', '--quiet', remote, dir]);
    if (!cloned.ok) throw new Error(`Could not clone ${source.git_url}: ${cloned.error}`);
    const ref =
      source.git_commit ??
      (source.git_tag
        ? `refs/tags/${source.git_tag}`
        : source.git_branch
          ? `refs/remotes/origin/${source.git_branch}`
          : 'HEAD');
    const checked = await tryGit(dir, ['checkout', '--quiet', '--detach', ref]);
    if (!checked.ok) {
      const what = source.git_commit
        ? `commit ${source.git_commit}`
        : source.git_tag
          ? `tag ${source.git_tag}`
          : `branch ${source.git_branch}`;
      throw new Error(`The ${what} does not exist in ${source.git_url}.`);
    }
    // What the service reports back: the commit it actually checked out.
    const head = await tryGit(dir, ['rev-parse', 'HEAD']);
    if (head.ok) {
      const run = this.#ctx.state.data.runs[runId];
      if (run?.git_source) run.git_source = { ...run.git_source, git_snapshot: { used_commit: head.out } };
    }
    return dir;
  }

  // eslint-disable-next-line max-lines-per-function -- one task's life (environment, process or SQL, outcome, logs) in the order the service reports it
  async #runTask(
    run: RunRecord,
    taskRun: TaskRunRecord,
    checkout: string | undefined,
    runDeadline: number | undefined,
    signal: AbortSignal,
  ): Promise<TaskOutcome> {
    taskRun.start_time = Date.now();
    this.#set(taskRun, 'RUNNING', 'In run');
    const task = taskRun.task;
    const taskDeadline = task.timeout_seconds ? taskRun.start_time + task.timeout_seconds * 1000 : undefined;
    const deadline = [runDeadline, taskDeadline].filter((d): d is number => d !== undefined).sort((a, b) => a - b)[0];
    const jobParameters = Object.fromEntries((run.job_parameters ?? []).map((p) => [p.name, p.value]));
    const references = referenceValues({
      jobId: run.job_id,
      jobName: run.run_name,
      runId: run.run_id,
      taskKey: taskRun.task_key,
      taskRunId: taskRun.run_id,
      startTime: run.start_time,
      jobParameters,
    });
    let outcome: TaskOutcome;
    try {
      if (task.spark_python_task) {
        const spec = task.spark_python_task;
        const file = resolveTaskFile(this.#ctx, spec.python_file, spec.source, checkout);
        const args = (run.python_params ?? spec.parameters ?? []).map((a) =>
          translateVolumeArgument(this.#ctx.roots, resolveReferences(a, references)),
        );
        outcome = await runPythonFile(this.#options.python, file.local, args, {
          env: this.#taskEnv(run, taskRun, file.repoRoot),
          deadline,
          signal,
        });
      } else if (task.sql_task?.file) {
        const file = resolveTaskFile(this.#ctx, task.sql_task.file.path, task.sql_task.file.source, checkout);
        const taskParameters = Object.fromEntries(
          Object.entries(task.sql_task.parameters ?? {}).map(([k, v]) => [k, resolveReferences(String(v), references)]),
        );
        // SQL tasks take key-value parameters, so job parameters are pushed down to them (and win).
        this.#database ??= import('@duckdb/node-api').then((duckdb) =>
          duckdb.DuckDBInstance.create(this.#options.database),
        );
        outcome = await runSqlStatements(
          await this.#database,
          readFileSync(file.local, 'utf8'),
          { ...taskParameters, ...jobParameters },
          signal,
        );
        taskRun.output.sql_output = {
          query_output: {
            query_text: task.sql_task.file.path,
            warehouse_id: task.sql_task.warehouse_id,
            output_link: '',
          },
        };
      } else {
        throw new TaskSetupError('The emulator runs spark_python_task and sql_task (file) tasks only.');
      }
    } catch (error) {
      if (!(error instanceof TaskSetupError || error instanceof UnknownReferenceError)) throw error;
      outcome = { result: 'FAILED', logs: '', logsTruncated: false, error: error.message };
    }
    taskRun.end_time = Date.now();
    taskRun.execution_duration = taskRun.end_time - taskRun.start_time;
    taskRun.output = {
      ...taskRun.output,
      logs: outcome.logs,
      logs_truncated: outcome.logsTruncated,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.errorTrace ? { error_trace: outcome.errorTrace } : {}),
    };
    const message = outcome.result === 'SUCCESS' ? '' : (outcome.error ?? '');
    this.#set(taskRun, 'TERMINATED', message, outcome.result);
    return outcome;
  }

  #taskEnv(run: RunRecord, taskRun: TaskRunRecord, repoRoot: string | undefined): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(
      Object.entries(this.#options.baseEnv).filter(([k]) => !k.startsWith('DATABRICKS_')),
    );
    const pythonPath = [repoRoot, inherited['PYTHONPATH']].filter(Boolean).join(':');
    return {
      ...inherited,
      DATABRICKS_HOST: this.#ctx.baseUrl(),
      DATABRICKS_TOKEN: this.#options.taskToken,
      FRAUDOPS_EMULATOR: '1',
      FRAUDOPS_VOLUMES_ROOT: this.#ctx.roots.volumesRoot,
      FRAUDOPS_WORKSPACE_ROOT: this.#ctx.roots.workspaceRoot,
      FRAUDOPS_RUN_ID: String(run.run_id),
      FRAUDOPS_TASK_RUN_ID: String(taskRun.run_id),
      FRAUDOPS_TASK_KEY: taskRun.task_key,
      ...(run.job_id !== undefined ? { FRAUDOPS_JOB_ID: String(run.job_id) } : {}),
      ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
      PYTHONUNBUFFERED: '1',
      // no __pycache__ in Git folders: it would make them dirty
      PYTHONDONTWRITEBYTECODE: '1',
    };
  }
}

import { ClientErrorCode, DatabricksError } from './errors.js';
import type { ApiClient } from './http.js';
import { paginate } from './pagination.js';

// Wire types of the Jobs API 2.2, snake_case as sent. Only the fields fraudops reads or writes are spelled
// out; the index signatures let other documented fields through untouched.

export interface GitSource {
  git_url: string;
  git_provider: string;
  git_branch?: string;
  git_tag?: string;
  git_commit?: string;
  /** In a run: the commit the service checked out (for a branch or tag, the one it resolved to). */
  git_snapshot?: { used_commit?: string };
}

export interface SparkPythonTask {
  /** Workspace path, Git-relative path (with `source: "GIT"` / a `git_source`), `/Volumes/…` or `dbfs:/…`. */
  python_file: string;
  parameters?: string[];
  source?: 'WORKSPACE' | 'GIT';
}

export interface SqlTask {
  warehouse_id: string;
  file?: { path: string; source?: 'WORKSPACE' | 'GIT' };
  query?: { query_id: string };
  parameters?: Record<string, string>;
  [field: string]: unknown;
}

export interface JobTask {
  task_key: string;
  description?: string;
  depends_on?: Array<{ task_key: string; outcome?: string }>;
  spark_python_task?: SparkPythonTask;
  sql_task?: SqlTask;
  notebook_task?: { notebook_path: string; base_parameters?: Record<string, string>; source?: 'WORKSPACE' | 'GIT' };
  python_wheel_task?: Record<string, unknown>;
  existing_cluster_id?: string;
  new_cluster?: Record<string, unknown>;
  job_cluster_key?: string;
  environment_key?: string;
  timeout_seconds?: number;
  max_retries?: number;
  libraries?: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export interface JobParameterDefinition {
  name: string;
  default: string;
}

export interface JobSettings {
  name?: string;
  tasks?: JobTask[];
  job_clusters?: Array<{ job_cluster_key: string; new_cluster: Record<string, unknown> }>;
  environments?: Array<Record<string, unknown>>;
  git_source?: GitSource;
  parameters?: JobParameterDefinition[];
  timeout_seconds?: number;
  max_concurrent_runs?: number;
  queue?: { enabled: boolean };
  tags?: Record<string, string>;
  [field: string]: unknown;
}

export interface Job {
  job_id: number;
  creator_user_name?: string;
  created_time?: number;
  settings: JobSettings;
  has_more?: boolean;
}

export type RunLifeCycleState =
  | 'QUEUED'
  | 'PENDING'
  | 'RUNNING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR'
  | 'BLOCKED'
  | 'WAITING_FOR_RETRY';

export type RunResultState =
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMEDOUT'
  | 'CANCELED'
  | 'MAXIMUM_CONCURRENT_RUNS_REACHED'
  | 'EXCLUDED'
  | 'SUCCESS_WITH_FAILURES'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_CANCELED'
  | 'DISABLED';

/** A run is over in these states — which does not mean it succeeded: check `result_state`. */
export const TERMINAL_LIFE_CYCLE_STATES: readonly RunLifeCycleState[] = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'];

export interface RunState {
  life_cycle_state: RunLifeCycleState;
  result_state?: RunResultState;
  state_message?: string;
  user_cancelled_or_timedout?: boolean;
  queue_reason?: string;
}

export interface RunStatus {
  state: 'BLOCKED' | 'PENDING' | 'QUEUED' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'WAITING';
  termination_details?: { code: string; type: string; message: string };
  queue_details?: { code: string; message: string };
}

export interface RunTask {
  task_key: string;
  run_id: number;
  state: RunState;
  status?: RunStatus;
  start_time?: number;
  end_time?: number;
  attempt_number?: number;
  spark_python_task?: SparkPythonTask;
  sql_task?: SqlTask;
  [field: string]: unknown;
}

export interface Run {
  run_id: number;
  job_id?: number;
  number_in_job?: number;
  run_name?: string;
  run_page_url?: string;
  run_type?: 'JOB_RUN' | 'WORKFLOW_RUN' | 'SUBMIT_RUN';
  state: RunState;
  status?: RunStatus;
  tasks?: RunTask[];
  job_parameters?: Array<{ name: string; default?: string; value?: string }>;
  git_source?: GitSource;
  start_time?: number;
  end_time?: number;
  setup_duration?: number;
  execution_duration?: number;
  cleanup_duration?: number;
  run_duration?: number;
  trigger?: string;
  [field: string]: unknown;
}

/** `runs/get-output` of a task run (results and logs are capped at 5 MB by the service). */
export interface RunOutput {
  metadata?: Run;
  notebook_output?: { result?: string; truncated?: boolean };
  sql_output?: Record<string, unknown>;
  logs?: string;
  logs_truncated?: boolean;
  error?: string;
  error_trace?: string;
}

export interface RunNowRequest {
  job_id: number;
  job_parameters?: Record<string, string>;
  /** Same token → the same run, never a second one (≤ 64 characters). Makes the request safe to retry. */
  idempotency_token?: string;
  queue?: { enabled: boolean };
  /** Legacy override of a spark_python_task's parameters. */
  python_params?: string[];
  [field: string]: unknown;
}

export interface SubmitRunRequest {
  run_name?: string;
  tasks: JobTask[];
  git_source?: GitSource;
  timeout_seconds?: number;
  idempotency_token?: string;
  environments?: Array<Record<string, unknown>>;
  queue?: { enabled: boolean };
  [field: string]: unknown;
}

export interface ListRunsOptions {
  jobId?: number;
  activeOnly?: boolean;
  completedOnly?: boolean;
  expandTasks?: boolean;
  /** Page size (the API allows 1–25). @defaultValue 25 */
  pageSize?: number;
  signal?: AbortSignal;
}

const MAX_IDEMPOTENCY_TOKEN = 64;

function checkIdempotencyToken(token: string | undefined): void {
  if (token !== undefined && (token.length === 0 || token.length > MAX_IDEMPOTENCY_TOKEN)) {
    throw new DatabricksError(
      ClientErrorCode.invalidArgument,
      `idempotency_token must be 1–${MAX_IDEMPOTENCY_TOKEN} characters (got ${token.length}).`,
    );
  }
}

/** The Jobs API 2.2. */
export class JobsService {
  constructor(private readonly api: ApiClient) {}

  async create(settings: JobSettings, options: { signal?: AbortSignal } = {}): Promise<{ job_id: number }> {
    return this.api.json({ method: 'POST', path: '/api/2.2/jobs/create', json: settings, signal: options.signal });
  }

  /** Replaces every setting of a job (safe to retry: the same call twice leaves the same job). */
  async reset(jobId: number, settings: JobSettings, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/reset',
      json: { job_id: jobId, new_settings: settings },
      idempotent: true,
      signal: options.signal,
    });
  }

  async update(
    jobId: number,
    settings: JobSettings,
    fieldsToRemove: string[] = [],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/update',
      json: { job_id: jobId, new_settings: settings, fields_to_remove: fieldsToRemove },
      idempotent: true,
      signal: options.signal,
    });
  }

  async delete(jobId: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/delete',
      json: { job_id: jobId },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** A job; NotFound when it does not exist (the API's 400 is mapped). */
  get(jobId: number, options: { signal?: AbortSignal } = {}): Promise<Job> {
    return this.api.json({
      method: 'GET',
      path: '/api/2.2/jobs/get',
      query: { job_id: jobId },
      signal: options.signal,
    });
  }

  /** All jobs, optionally those with an exact name (paginated lazily). */
  list(options: { name?: string; expandTasks?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<Job> {
    return paginate(async (token) => {
      const page = await this.api.json<{ jobs?: Job[]; next_page_token?: string; has_more?: boolean }>({
        method: 'GET',
        path: '/api/2.2/jobs/list',
        query: { limit: 100, name: options.name, expand_tasks: options.expandTasks, page_token: token },
        signal: options.signal,
      });
      return { items: page.jobs ?? [], nextPageToken: page.has_more === false ? undefined : page.next_page_token };
    });
  }

  /**
   * Triggers a run. With an `idempotency_token` the request is safe to retry after a connection failure
   * (the service returns the run it already started), so it is retried; without one it is not.
   */
  async runNow(
    request: RunNowRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ run_id: number; number_in_job?: number }> {
    checkIdempotencyToken(request.idempotency_token);
    return this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/run-now',
      json: request,
      idempotent: request.idempotency_token !== undefined,
      signal: options.signal,
    });
  }

  /** A one-time run of tasks without a saved job (retried only with an idempotency token). */
  async submit(request: SubmitRunRequest, options: { signal?: AbortSignal } = {}): Promise<{ run_id: number }> {
    checkIdempotencyToken(request.idempotency_token);
    return this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/runs/submit',
      json: request,
      idempotent: request.idempotency_token !== undefined,
      signal: options.signal,
    });
  }

  /** A run with its tasks; NotFound when it does not exist (the API's 400 is mapped). */
  getRun(runId: number, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.api.json({
      method: 'GET',
      path: '/api/2.2/jobs/runs/get',
      query: { run_id: runId },
      signal: options.signal,
    });
  }

  /** The output of a task run (pass the task's `run_id`: a multi-task parent run answers 400). */
  getRunOutput(runId: number, options: { signal?: AbortSignal } = {}): Promise<RunOutput> {
    return this.api.json({
      method: 'GET',
      path: '/api/2.2/jobs/runs/get-output',
      query: { run_id: runId },
      signal: options.signal,
    });
  }

  /** Asks the run to stop; cancellation is asynchronous (wait for a terminal state to know it stopped). */
  async cancelRun(runId: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: '/api/2.2/jobs/runs/cancel',
      json: { run_id: runId },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Runs, newest first (paginated lazily). */
  listRuns(options: ListRunsOptions = {}): AsyncGenerator<Run> {
    return paginate(async (token) => {
      const page = await this.api.json<{ runs?: Run[]; next_page_token?: string; has_more?: boolean }>({
        method: 'GET',
        path: '/api/2.2/jobs/runs/list',
        query: {
          job_id: options.jobId,
          active_only: options.activeOnly,
          completed_only: options.completedOnly,
          expand_tasks: options.expandTasks,
          limit: options.pageSize ?? 25,
          page_token: token,
        },
        signal: options.signal,
      });
      return { items: page.runs ?? [], nextPageToken: page.has_more === false ? undefined : page.next_page_token };
    });
  }
}

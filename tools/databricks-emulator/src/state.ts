import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  GitSource,
  JobSettings,
  JobTask,
  ModelVersionInfo,
  ModelVersionTag,
  RegisteredModelInfo,
  RunOutput,
  RunState,
  RunStatus,
} from '@fraudops/databricks';

export interface RepoRecord {
  id: number;
  path: string;
  url: string;
  provider: string;
  sparse_checkout?: { patterns: string[] };
}

export interface JobRecord {
  job_id: number;
  settings: JobSettings;
  created_time: number;
  creator_user_name: string;
}

export interface TaskRunRecord {
  task_key: string;
  run_id: number;
  state: RunState;
  status: RunStatus;
  start_time: number;
  end_time: number;
  setup_duration: number;
  execution_duration: number;
  cleanup_duration: number;
  attempt_number: number;
  /** The task as it was when the run started. */
  task: JobTask;
  output: Omit<RunOutput, 'metadata'>;
}

export interface RunRecord {
  run_id: number;
  job_id?: number;
  number_in_job?: number;
  run_name: string;
  run_type: 'JOB_RUN' | 'SUBMIT_RUN';
  creator_user_name: string;
  state: RunState;
  status: RunStatus;
  tasks: TaskRunRecord[];
  job_parameters?: Array<{ name: string; default: string; value: string }>;
  git_source?: GitSource;
  start_time: number;
  end_time: number;
  setup_duration: number;
  execution_duration: number;
  cleanup_duration: number;
  trigger: 'ONE_TIME';
  timeout_seconds?: number;
  queue_enabled: boolean;
  max_concurrent_runs: number;
  python_params?: string[];
  cancel_requested?: boolean;
}

export interface ModelVersionRecord extends Omit<ModelVersionInfo, 'aliases'> {
  description?: string;
  /** MLflow tags given at `model-versions/create` (shown by the MLflow endpoints, not the UC ones). */
  tags?: ModelVersionTag[];
}

export interface ModelRecord {
  info: Omit<RegisteredModelInfo, 'aliases'>;
  versions: ModelVersionRecord[];
  /** alias → version number. */
  aliases: Record<string, number>;
}

export interface StateData {
  /** One counter for every id, so a job id is never also a run id (mix-ups fail loudly in tests). */
  nextId: number;
  /** Workspace path → object id (folders and files get one on first sight). */
  objectIds: Record<string, number>;
  repos: Record<string, RepoRecord>;
  jobs: Record<string, JobRecord>;
  runs: Record<string, RunRecord>;
  /** idempotency token → run id. */
  idempotencyTokens: Record<string, number>;
  models: Record<string, ModelRecord>;
}

const emptyState = (): StateData => ({
  nextId: 1001,
  objectIds: {},
  repos: {},
  jobs: {},
  runs: {},
  idempotencyTokens: {},
  models: {},
});

const ACTIVE_STATES = new Set(['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED', 'WAITING_FOR_RETRY']);

/**
 * The emulator's state: in memory, optionally mirrored to a JSON file (written atomically after each
 * change) so `npm run emulator -- --state-file x.json` survives restarts. Runs that were active when the
 * emulator stopped come back as INTERNAL_ERROR, like runs on a cluster that died.
 */
export class StateStore {
  readonly data: StateData;
  readonly #file?: string;
  #dirty = false;
  #scheduled = false;

  constructor(file?: string) {
    this.#file = file;
    this.data = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StateData) : emptyState();
    for (const run of Object.values(this.data.runs)) {
      if (!ACTIVE_STATES.has(run.state.life_cycle_state)) continue;
      const message = 'The emulator stopped while this run was active.';
      run.state = { life_cycle_state: 'INTERNAL_ERROR', state_message: message };
      run.status = {
        state: 'TERMINATED',
        termination_details: { code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR', message },
      };
      run.end_time ||= Date.now();
    }
  }

  newId(): number {
    return this.data.nextId++;
  }

  /** Records that something changed; the file is written once per tick. */
  changed(): void {
    if (!this.#file) return;
    this.#dirty = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (!this.#file || !this.#dirty) return;
    this.#dirty = false;
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    renameSync(tmp, this.#file);
  }
}

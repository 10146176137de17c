import { credentialsProvider } from './auth.js';
import { resolveConfig, type DatabricksConfigOptions, type ResolvedConfig } from './config.js';
import { FilesService } from './files.js';
import { ApiClient, type RequestEvent } from './http.js';
import { JobsService, type Run } from './jobs.js';
import { ModelsService } from './models.js';
import { ReposService } from './repos.js';
import type { OAuthRequestOptions } from './oauth.js';
import type { Clock, RetryPolicy } from './retry.js';
import { waitForRun, type WaitForRunOptions } from './waiter.js';
import { WorkspaceService } from './workspace.js';

export interface DatabricksClientOptions extends DatabricksConfigOptions {
  /** Retry policy overrides (deadline, back-off step, jitter, clock). */
  retry?: Partial<RetryPolicy>;
  /** Timeout of one HTTP attempt. @defaultValue 60 000 */
  requestTimeoutMs?: number;
  /** Product token appended to the User-Agent, e.g. `fraudops-sync/0.1.0`. */
  product?: string;
  /** Request log hook: method, path, status, attempt, timing — never headers, bodies or secrets. */
  onRequestEvent?: (event: RequestEvent) => void;
  /** Clock for OAuth token renewal (tests). */
  clock?: Clock;
  /** Token request settings (renewal margin, per-request timeout, retry budget: one minute by default). */
  oauth?: OAuthRequestOptions;
}

/** Token requests back off like API calls (same clock and jitter) within their own one-minute budget. */
function oauthOptions(options: Omit<DatabricksClientOptions, keyof DatabricksConfigOptions>): OAuthRequestOptions {
  const { deadlineMs: _apiDeadline, ...backoff } = options.retry ?? {};
  return {
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.oauth,
    retry: { ...backoff, ...options.oauth?.retry },
  };
}

/**
 * The typed Databricks client: one resolved configuration, one HTTP edge, and the services fraudops uses.
 *
 * ```ts
 * const db = DatabricksClient.fromEnvironment({ profile: 'staging' });
 * const { run_id } = await db.jobs.runNow({ job_id: 42, idempotency_token: crypto.randomUUID() });
 * const run = await db.waitForRun(run_id, { timeout: 2 * 3600_000, onProgress: (r) => log(r.state) });
 * ```
 */
export class DatabricksClient {
  readonly config: ResolvedConfig;
  readonly api: ApiClient;
  readonly workspace: WorkspaceService;
  readonly repos: ReposService;
  readonly jobs: JobsService;
  readonly files: FilesService;
  readonly models: ModelsService;

  constructor(config: ResolvedConfig, options: Omit<DatabricksClientOptions, keyof DatabricksConfigOptions> = {}) {
    this.config = config;
    this.api = new ApiClient({
      host: config.host,
      credentials: credentialsProvider(config.host, config.credentials, oauthOptions(options)),
      retry: options.retry,
      requestTimeoutMs: options.requestTimeoutMs,
      product: options.product,
      onEvent: options.onRequestEvent,
    });
    this.workspace = new WorkspaceService(this.api);
    this.repos = new ReposService(this.api, this.workspace);
    this.jobs = new JobsService(this.api);
    this.files = new FilesService(this.api);
    this.models = new ModelsService(this.api);
  }

  /** Resolves configuration (explicit options → environment → `~/.databrickscfg`) and builds a client. */
  static fromEnvironment(options: DatabricksClientOptions = {}): DatabricksClient {
    return new DatabricksClient(resolveConfig(options), options);
  }

  /** Polls a run until it is terminal; see {@link waitForRun}. */
  waitForRun(runId: number, options: WaitForRunOptions = {}): Promise<Run> {
    return waitForRun(this.jobs, runId, options);
  }
}

export { DatabricksClient, type DatabricksClientOptions } from './client.js';
export {
  resolveConfig,
  describeConfig,
  AUTH_TYPES,
  type AuthType,
  type DatabricksConfigOptions,
  type ResolvedConfig,
  type Credentials,
  type ConfigSource,
} from './config.js';
export { normaliseHost, parseWorkspaceHost, type WorkspaceHost } from './host.js';
export { parseConfigFile, SETTINGS_SECTION, type ConfigProfiles } from './config-file.js';
export { Secret } from './secret.js';
export { credentialsProvider, PatProvider, BasicProvider, type CredentialsProvider } from './auth.js';
export {
  OAuthM2MProvider,
  GitHubOidcProvider,
  type OAuthM2MOptions,
  type GitHubOidcOptions,
  type OAuthRequestOptions,
} from './oauth.js';
export { DatabricksCliProvider, findDatabricksCli, type DatabricksCliOptions } from './databricks-cli.js';
export {
  ApiClient,
  encodePath,
  type ApiClientOptions,
  type ApiRequest,
  type BodySource,
  type HttpMethod,
  type RequestEvent,
  type StreamResponse,
} from './http.js';
export {
  backoffDelayMs,
  defaultRetryPolicy,
  isRetriableStatus,
  retryAfterMs,
  systemClock,
  type Clock,
  type RetryPolicy,
} from './retry.js';
export {
  DatabricksError,
  ClientErrorCode,
  BadRequest,
  Unauthenticated,
  PermissionDenied,
  NotFound,
  ResourceConflict,
  TooManyRequests,
  Cancelled,
  InternalError,
  NotImplemented,
  TemporarilyUnavailable,
  DeadlineExceeded,
  UnknownApiError,
  DatabricksConfigError,
  DatabricksNetworkError,
  DatabricksAbortError,
  WaitTimeoutError,
  parseApiError,
  parseErrorBody,
  isNotFound,
  type DatabricksErrorOptions,
  type RawErrorResponse,
} from './errors.js';
export { paginate, collect, type Page } from './pagination.js';
export { WorkspaceService, type ObjectInfo, type WorkspaceObjectType } from './workspace.js';
export {
  ReposService,
  GIT_PROVIDERS,
  providerForUrl,
  type GitProvider,
  type RepoInfo,
  type CreateRepoRequest,
  type UpdateRepoRequest,
} from './repos.js';
export {
  JobsService,
  TERMINAL_LIFE_CYCLE_STATES,
  type Job,
  type JobSettings,
  type JobTask,
  type JobParameterDefinition,
  type GitSource,
  type SparkPythonTask,
  type SqlTask,
  type Run,
  type RunTask,
  type RunState,
  type RunStatus,
  type RunLifeCycleState,
  type RunResultState,
  type RunOutput,
  type RunNowRequest,
  type SubmitRunRequest,
  type ListRunsOptions,
} from './jobs.js';
export {
  waitForRun,
  officialPollIntervalMs,
  isTerminal,
  runSucceeded,
  assertRunSucceeded,
  describeRunState,
  DEFAULT_WAIT_TIMEOUT_MS,
  type WaitForRunOptions,
} from './waiter.js';
export { FilesService, type FileMetadata, type DirectoryEntry, type Download } from './files.js';
export {
  ModelsService,
  type RegisteredModelInfo,
  type ModelVersionInfo,
  type ModelAlias,
  type MlflowUcModelVersion,
  type ModelVersionTag,
  type CreateModelVersionRequest,
  type CreateRegisteredModelRequest,
  versionFilesPath,
} from './models.js';
export { FRAUDOPS_VERSION, userAgent } from './version.js';

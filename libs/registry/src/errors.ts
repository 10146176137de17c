/**
 * Stable codes of {@link RegistryError}. Apps map them to exit codes and HTTP statuses in one place
 * (docs/errors.md); the strings never change once released.
 */
export const RegistryErrorCode = {
  /** A `models:/…` URI that does not parse (the message says which part is wrong). */
  invalidModelUri: 'INVALID_MODEL_URI',
  /** A registry location (`models`, `file:…`, `databricks-uc://…`) that does not parse. */
  invalidRegistryUri: 'INVALID_REGISTRY_URI',
  /** A model name, alias or version number that breaks the naming rules. */
  invalidName: 'INVALID_NAME',
  /** A model card or registration input that fails the schema (the message names each field). */
  invalidCard: 'INVALID_CARD',
  /** No registered model of that name. */
  modelNotFound: 'MODEL_NOT_FOUND',
  /** The model exists but not that version. */
  versionNotFound: 'VERSION_NOT_FOUND',
  /** The model has no such alias (`@champion` unset, for example). */
  aliasNotFound: 'ALIAS_NOT_FOUND',
  /** A file that a version or the registry must hold is missing (the message names it). */
  artifactMissing: 'ARTIFACT_MISSING',
  /** A file exists but is unreadable, not valid, or does not match its recorded checksum (named). */
  artifactCorrupt: 'ARTIFACT_CORRUPT',
  /** Another writer held a lock too long, or version numbers kept colliding. */
  conflict: 'CONFLICT',
  /** The storage backend (file system or Databricks) failed; `cause` holds the original error. */
  backendFailure: 'BACKEND_FAILURE',
} as const;
export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

/** The one root error of the registry library. `code` is stable; `path` names the file involved, if any. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  /** The file or remote path the error is about, when there is one. */
  readonly path?: string;

  constructor(code: RegistryErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
  }
}

export { RegistryError, RegistryErrorCode } from './errors.js';
export {
  MODEL_URI_SCHEME,
  assertAlias,
  assertModelName,
  assertVersion,
  formatModelUri,
  parseModelUri,
  versionUri,
  type ModelUri,
} from './model-uri.js';
export {
  ARTIFACT_FILES,
  CARD_METRIC_NAMES,
  CHECKSUMMED_FILES,
  MODEL_CARD_SCHEMA_VERSION,
  modelCardDraftSchema,
  modelCardSchema,
  parseModelCard,
  parseModelCardDraft,
  serializeModelCard,
  type ArtifactFile,
  type BinnedDistribution,
  type ChecksummedFile,
  type GlobalImportance,
  type MetricEstimate,
  type ModelCard,
  type ModelCardDraft,
} from './model-card.js';
export type {
  AliasEvent,
  AssignedVersion,
  LoadedModel,
  ModelRegistry,
  ModelReports,
  ModelVersion,
  ModelVersionSummary,
  RegisteredModelSummary,
  RegisterModelInput,
  SetAliasOptions,
} from './registry.js';
export { DEFAULT_LOCAL_REGISTRY, LocalRegistry, type LocalRegistryOptions } from './local.js';
export type { LockOptions } from './atomic-fs.js';
export { DEFAULT_UC_VOLUME, formatRegistryUri, parseRegistryUri, type RegistryLocation } from './registry-uri.js';
export { UnityCatalogRegistry, type UnityCatalogClient, type UnityCatalogLocation } from './unity-catalog.js';
export { openRegistry, type OpenRegistryOptions } from './open.js';

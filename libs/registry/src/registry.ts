import type { ChecksummedFile, ModelCard, ModelCardDraft } from './model-card.js';
import type { ModelUri } from './model-uri.js';

/** The two human-readable reports stored beside every model (the evaluation library renders them). */
export interface ModelReports {
  /** Self-contained HTML page (`report.html`). */
  html: string;
  /** Markdown for pull requests and job summaries (`report.md`). */
  markdown: string;
}

/** The version a registration was given, passed to a report renderer that wants to print it. */
export interface AssignedVersion {
  name: string;
  version: number;
  /** `models:/<name>/<version>` */
  uri: string;
}

export interface RegisterModelInput {
  /** Model name (lower-case letters, digits, `_`, `-`), e.g. `fraud-detector`. */
  name: string;
  /** The ONNX graph, written as `model.onnx`. */
  onnx: Uint8Array;
  /** Everything the card holds except name, version, artifact checksums (and `created`, which defaults to now). */
  card: ModelCardDraft;
  /**
   * The reports, or a function that renders them once the version number is known. The function may be
   * called more than once if another writer takes the number first; only the last result is stored.
   */
  reports: ModelReports | ((assigned: AssignedVersion) => ModelReports | Promise<ModelReports>);
}

/** One registered version, with its validated card. */
export interface ModelVersion {
  name: string;
  version: number;
  /** `models:/<name>/<version>`: the URI that always names this version. */
  uri: string;
  /** Aliases pointing at this version now, sorted. */
  aliases: string[];
  card: ModelCard;
}

/** A version as listed: cheap to produce, no card read. */
export interface ModelVersionSummary {
  name: string;
  version: number;
  uri: string;
  aliases: string[];
}

export interface RegisteredModelSummary {
  name: string;
  /** Highest version number; 0 when no version has been registered yet. */
  latestVersion: number;
  /** alias → version */
  aliases: Record<string, number>;
}

/** A model version loaded for scoring: the card and the verified ONNX bytes. */
export interface LoadedModel extends ModelVersion {
  onnx: Uint8Array;
}

/** One alias change, as kept in the alias history (oldest first). */
export interface AliasEvent {
  /** ISO 8601 instant of the change. */
  at: string;
  alias: string;
  action: 'set' | 'delete';
  /** The version the alias points at after the change (null after a delete). */
  version: number | null;
  /** The version it pointed at before (null if it was unset). */
  previous: number | null;
  /** Why (for example the promotion gate's verdict), when the caller said. */
  reason?: string;
}

export interface SetAliasOptions {
  /** Recorded in the alias history. */
  reason?: string;
}

/**
 * A model registry: immutable numbered versions of a named model (ONNX graph, card, reports) and mutable
 * aliases (`@champion`, `@challenger`) with their history. Backends: {@link LocalRegistry} (a directory) and
 * {@link UnityCatalogRegistry} (Unity Catalog + a volume); `openRegistry(uri)` picks one.
 *
 * Errors are `RegistryError`s with stable codes: `MODEL_NOT_FOUND`, `VERSION_NOT_FOUND`, `ALIAS_NOT_FOUND`,
 * `ARTIFACT_MISSING` / `ARTIFACT_CORRUPT` (naming the file), `INVALID_*`, `CONFLICT`, `BACKEND_FAILURE`.
 */
export interface ModelRegistry {
  /** Where this registry lives, as a registry URI (`file:///…/models`, `databricks-uc://main.fraud?volume=models`). */
  readonly location: string;

  /**
   * Stores a new version under the next free number. The version appears whole or not at all, and
   * concurrent registrations (other processes included) never share a number.
   */
  register(input: RegisterModelInput): Promise<ModelVersion>;

  /** Every model, sorted by name. */
  listModels(): Promise<RegisteredModelSummary[]>;
  /** A model's versions in ascending order. Throws `MODEL_NOT_FOUND`. */
  listVersions(name: string): Promise<ModelVersionSummary[]>;
  /** One version with its validated card. Throws `MODEL_NOT_FOUND` / `VERSION_NOT_FOUND` / `ARTIFACT_*`. */
  getVersion(name: string, version: number): Promise<ModelVersion>;
  /** Resolves `models:/name@alias`, `models:/name/3` or `models:/name/latest` to a version. */
  resolve(uri: string | ModelUri): Promise<ModelVersion>;
  /** Resolves a URI and reads its ONNX graph, checked against the card's SHA-256. */
  loadModel(uri: string | ModelUri): Promise<LoadedModel>;
  /** Reads one stored file of a version, checked against the card's SHA-256. */
  readArtifact(name: string, version: number, file: ChecksummedFile | 'card.json'): Promise<Uint8Array>;

  /** Points `alias` at `version` (which must exist) and records the change. */
  setAlias(name: string, alias: string, version: number, options?: SetAliasOptions): Promise<AliasEvent>;
  /** The version `alias` points at, or undefined when it is unset (the model must exist). */
  getAlias(name: string, alias: string): Promise<number | undefined>;
  /** Removes `alias`; returns the recorded change, or undefined when it was not set. */
  deleteAlias(name: string, alias: string, options?: SetAliasOptions): Promise<AliasEvent | undefined>;
  /** alias → version for one model. */
  aliases(name: string): Promise<Record<string, number>>;
  /** Every alias change of one model, oldest first. */
  aliasHistory(name: string): Promise<AliasEvent[]>;
}

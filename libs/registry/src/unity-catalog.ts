import { randomBytes } from 'node:crypto';
import {
  collect,
  DatabricksError,
  isNotFound,
  ResourceConflict,
  type DatabricksClient,
  type ModelAlias,
  type ModelVersionInfo,
  type ModelVersionTag,
  versionFilesPath,
} from '@fraudops/databricks';
import { aliasEventSchema, byTime } from './alias-event.js';
import { RegistryError, RegistryErrorCode } from './errors.js';
import type { ChecksummedFile } from './model-card.js';
import { assertAlias, assertModelName, assertVersion, versionUri } from './model-uri.js';
import { assignedVersion, prepareRegistration, versionFiles, type PreparedRegistration } from './registration.js';
import { aliasEvent, ModelRegistryBase } from './registry-base.js';
import type {
  AliasEvent,
  ModelVersion,
  RegisteredModelSummary,
  RegisterModelInput,
  SetAliasOptions,
} from './registry.js';
import { formatRegistryUri } from './registry-uri.js';
import { parseStoredJson } from './stored-json.js';

/** What the Unity Catalog backend uses of the Databricks client (a `DatabricksClient` fits). */
export type UnityCatalogClient = Pick<DatabricksClient, 'api' | 'files' | 'models'>;

/** Where a Unity Catalog registry keeps its models: `<catalog>.<schema>` and a volume (folder) for the files. */
export interface UnityCatalogLocation {
  catalog: string;
  schema: string;
  /** Volume in `<catalog>.<schema>` holding the model files. */
  volume: string;
  /** Folder inside the volume; empty for the volume root. @defaultValue '' */
  prefix?: string;
  /** Recorded in the registry's `location` URI only (the client is already authenticated). */
  profile?: string;
}

const READY = 'READY';
const HISTORY_DIR = 'alias-history';
// Each retry means a concurrent registration took the predicted number; this many in a row means something is wrong.
const MAX_CREATE_ATTEMPTS = 40;
/** Metrics copied into a version's tags, where Catalog Explorer shows them without opening the card. */
const HEADLINE_METRICS = ['auc_roc', 'average_precision', 'card_precision_at_100'] as const;

/** The version's MLflow tags: what it was trained on and from, and its headline test metrics. */
function versionTags(prepared: PreparedRegistration): ModelVersionTag[] {
  const { draft } = prepared;
  const tags: ModelVersionTag[] = [
    { key: 'feature_spec', value: draft.featureSpec.name },
    { key: 'feature_spec_hash', value: draft.featureSpec.hash },
  ];
  if (draft.gitSha !== null) tags.push({ key: 'git_commit', value: draft.gitSha });
  for (const metric of HEADLINE_METRICS) {
    const estimate = draft.metrics[metric];
    if (estimate !== undefined) tags.push({ key: `metric.${metric}`, value: String(estimate.value) });
  }
  tags.push({ key: 'threshold', value: String(draft.threshold.value) });
  return tags;
}

/**
 * The Unity Catalog registry. Versions and aliases are Unity Catalog model versions and aliases of
 * `<catalog>.<schema>.<name>`; each version's files are an MLflow model in the version's own storage, so
 * `mlflow.pyfunc.load_model("models:/<catalog>.<schema>.<name>@champion")` and Model Serving load it:
 *
 * ```
 * /Models/<catalog>/<schema>/<name>/<version>/MLmodel | model.onnx | requirements.txt | python_env.yaml | conda.yaml
 *                                             report.html | report.md | card.json
 * /Volumes/<catalog>/<schema>/<volume>/<prefix>/<name>/alias-history/<time>-<alias>-<id>.json   one file per change
 * ```
 *
 * A registration creates the version (`PENDING_REGISTRATION`, `source` = its storage, tags with the feature
 * spec hash, git commit and headline metrics), uploads the files through the Files API (card last), then
 * finalizes it (`READY`). Readers only see `READY` versions, so a registration that dies half way stays
 * invisible. Versions registered before this layout keep their files in the volume (`…/<name>/versions/<n>/`)
 * and still load.
 */
export class UnityCatalogRegistry extends ModelRegistryBase {
  readonly location: string;
  private readonly root: string;
  /** name/version → where its files are, learnt from the version's `source` (old versions kept theirs in the volume). */
  private readonly directories = new Map<string, string>();

  constructor(
    private readonly client: UnityCatalogClient,
    private readonly where: UnityCatalogLocation,
  ) {
    super();
    const prefix = (where.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.root = ['/Volumes', where.catalog, where.schema, where.volume, ...(prefix === '' ? [] : [prefix])].join('/');
    this.location = formatRegistryUri({
      kind: 'unity-catalog',
      catalog: where.catalog,
      schema: where.schema,
      volume: where.volume,
      prefix,
      ...(where.profile !== undefined ? { profile: where.profile } : {}),
    });
  }

  /** `<catalog>.<schema>.<name>`: the Unity Catalog name of a model. */
  fullName(name: string): string {
    assertModelName(name);
    return `${this.where.catalog}.${this.where.schema}.${name}`;
  }

  /**
   * The folder holding one version's files: its own storage, `/Models/<catalog>/<schema>/<name>/<version>`
   * (the volume folder `…/<name>/versions/<n>` for versions registered before versions were MLflow models).
   */
  versionDirectory(name: string, version: number): string {
    assertModelName(name);
    assertVersion(version);
    return this.directories.get(`${name}/${version}`) ?? versionFilesPath(this.fullName(name), version);
  }

  async register(input: RegisterModelInput): Promise<ModelVersion> {
    const prepared = prepareRegistration(input);
    const fullName = this.fullName(prepared.name);
    await this.ensureModel(prepared.name);
    const version = await this.createPendingVersion(fullName, prepared);
    const dir = versionFilesPath(fullName, version);
    this.directories.set(`${prepared.name}/${version}`, dir);
    // A failure from here on leaves the version PENDING_REGISTRATION: invisible to readers, and its storage
    // is its own, so nothing of it is in anyone's way.
    const reports = await prepared.renderReports(assignedVersion(prepared.name, version));
    const { card, files } = versionFiles(prepared, version, reports);
    for (const [file, bytes] of files) {
      const path = `${dir}/${file}`;
      await this.call(`upload ${path}`, () => this.client.files.upload(path, bytes, { overwrite: true }));
    }
    await this.call(`finalize ${fullName} version ${version}`, () =>
      this.client.models.finalizeVersion(fullName, version),
    );
    return { name: prepared.name, version, uri: versionUri(prepared.name, version), aliases: [], card };
  }

  /**
   * Creates a PENDING_REGISTRATION version whose `source` is its own storage (`/Models/…/<version>`). Unity
   * Catalog hands out the number only in its answer, so the number is predicted (one past every version,
   * pending ones included); when a concurrent registration took it first, the version created here carries
   * a wrong `source`, so it is left pending (invisible) and, after a random pause, the next number is tried.
   */
  private async createPendingVersion(fullName: string, prepared: PreparedRegistration): Promise<number> {
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
      // Writers that collided wait a random while, so one of them goes first next time.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 40 * Math.min(attempt, 10)));
      const existing = await this.call(`list the versions of ${fullName}`, () =>
        collect(this.client.models.listVersions(fullName)),
      );
      const predicted = existing.reduce((max, v) => Math.max(max, Number(v.version)), 0) + 1;
      const created = await this.call(`create a version of ${fullName}`, () =>
        this.client.models.createVersion({
          name: fullName,
          source: versionFilesPath(fullName, predicted),
          description: `fraudops ${prepared.draft.model.algorithm} model on feature spec ${prepared.draft.featureSpec.name}`,
          tags: versionTags(prepared),
        }),
      );
      const version = Number(created?.version);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new RegistryError(
          RegistryErrorCode.backendFailure,
          `Unity Catalog answered version ${JSON.stringify(created?.version)} for ${fullName}`,
        );
      }
      if (version === predicted) return version;
    }
    throw new RegistryError(
      RegistryErrorCode.conflict,
      `gave up registering ${fullName} after ${MAX_CREATE_ATTEMPTS} version numbers were taken by concurrent registrations`,
    );
  }

  async listModels(): Promise<RegisteredModelSummary[]> {
    const prefix = `${this.where.catalog}.${this.where.schema}.`;
    const infos = await this.call(`list the models of ${this.where.catalog}.${this.where.schema}`, () =>
      collect(this.client.models.list(this.where.catalog, this.where.schema)),
    );
    const names = infos
      .map((info) => (info.full_name.startsWith(prefix) ? info.full_name.slice(prefix.length) : info.name))
      .filter((name) => /^[a-z0-9][a-z0-9_-]*$/.test(name))
      .sort();
    const models: RegisteredModelSummary[] = [];
    for (const name of names) {
      const info = await this.modelInfo(name);
      models.push({ name, latestVersion: await this.latestVersion(name), aliases: aliasMap(info.aliases) });
    }
    return models;
  }

  async setAlias(name: string, alias: string, version: number, options: SetAliasOptions = {}): Promise<AliasEvent> {
    assertAlias(alias);
    await this.getVersion(name, version); // the version must be READY and its files intact
    const previous = await this.getAlias(name, alias);
    await this.call(`set ${this.fullName(name)}@${alias}`, () =>
      this.client.models.setAlias(this.fullName(name), alias, version),
    );
    return this.recordAliasEvent(
      name,
      aliasEvent({ alias, action: 'set', version, previous: previous ?? null }, options),
    );
  }

  async getAlias(name: string, alias: string): Promise<number | undefined> {
    assertAlias(alias);
    return aliasMap((await this.modelInfo(name)).aliases)[alias];
  }

  async deleteAlias(name: string, alias: string, options: SetAliasOptions = {}): Promise<AliasEvent | undefined> {
    const previous = await this.getAlias(name, alias);
    if (previous === undefined) return undefined;
    try {
      await this.client.models.deleteAlias(this.fullName(name), alias);
    } catch (error) {
      if (isNotFound(error)) return undefined; // removed by someone else in between
      throw this.failure(`delete ${this.fullName(name)}@${alias}`, error);
    }
    return this.recordAliasEvent(name, aliasEvent({ alias, action: 'delete', version: null, previous }, options));
  }

  async aliases(name: string): Promise<Record<string, number>> {
    return aliasMap((await this.modelInfo(name)).aliases);
  }

  async aliasHistory(name: string): Promise<AliasEvent[]> {
    await this.modelInfo(name);
    const dir = `${this.root}/${name}/${HISTORY_DIR}`;
    let entries;
    try {
      entries = await collect(this.client.files.listDirectory(dir));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.failure(`list ${dir}`, error, dir);
    }
    const files = entries
      .filter((e) => !e.is_directory && e.name.endsWith('.json'))
      .map((e) => e.name)
      .sort();
    const events: AliasEvent[] = [];
    for (const file of files) {
      const path = `${dir}/${file}`;
      const text = new TextDecoder().decode(await this.download(path, name));
      events.push(parseStoredJson(text, path, aliasEventSchema, 'a valid alias event'));
    }
    return byTime(events);
  }

  protected async versionNumbers(name: string): Promise<number[]> {
    const fullName = this.fullName(name);
    let infos: ModelVersionInfo[];
    try {
      infos = await collect(this.client.models.listVersions(fullName));
    } catch (error) {
      if (isNotFound(error)) throw this.modelNotFound(name);
      throw this.failure(`list the versions of ${fullName}`, error);
    }
    return infos
      .filter((v) => (v.status ?? READY) === READY)
      .map((v) => Number(v.version))
      .sort((a, b) => a - b);
  }

  protected async versionAliases(name: string, version: number): Promise<string[]> {
    const info = await this.versionInfo(name, version);
    return (info.aliases ?? []).map((a) => a.alias_name).sort();
  }

  protected async readVersionFile(
    name: string,
    version: number,
    file: ChecksummedFile | 'card.json',
  ): Promise<Uint8Array> {
    return this.download(this.versionFilePath(name, version, file), name, version);
  }

  private async ensureModel(name: string): Promise<void> {
    const fullName = this.fullName(name);
    try {
      await this.client.models.get(fullName, { includeAliases: false });
      return;
    } catch (error) {
      if (!isNotFound(error)) throw this.failure(`look up ${fullName}`, error);
    }
    try {
      await this.client.models.create({
        catalog_name: this.where.catalog,
        schema_name: this.where.schema,
        name,
        comment: `fraudops model; files in ${this.root}/${name}`,
      });
    } catch (error) {
      // Another registration created it first: fine.
      if (!(
        error instanceof ResourceConflict ||
        (error instanceof DatabricksError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')
      )) {
        throw this.failure(`create ${fullName}`, error);
      }
    }
  }

  private async modelInfo(name: string) {
    const fullName = this.fullName(name);
    try {
      return await this.client.models.get(fullName, { includeAliases: true });
    } catch (error) {
      if (isNotFound(error)) throw this.modelNotFound(name);
      throw this.failure(`look up ${fullName}`, error);
    }
  }

  private async versionInfo(name: string, version: number): Promise<ModelVersionInfo> {
    assertVersion(version);
    const fullName = this.fullName(name);
    let info: ModelVersionInfo;
    try {
      info = await this.client.models.getVersion(fullName, version);
    } catch (error) {
      if (!isNotFound(error)) throw this.failure(`look up ${fullName} version ${version}`, error);
      await this.modelInfo(name); // MODEL_NOT_FOUND when the model itself is missing
      throw new RegistryError(RegistryErrorCode.versionNotFound, `model ${fullName} has no version ${version}`);
    }
    if ((info.status ?? READY) !== READY) {
      throw new RegistryError(
        RegistryErrorCode.versionNotFound,
        `model ${fullName} version ${version} is not ready (status ${info.status}): its registration has not finished or failed`,
      );
    }
    const ownStorage = versionFilesPath(fullName, version);
    this.directories.set(
      `${name}/${version}`,
      info.source === ownStorage ? ownStorage : `${this.root}/${name}/versions/${version}`,
    );
    return info;
  }

  private async download(path: string, name: string, version?: number): Promise<Uint8Array> {
    try {
      const { body } = await this.client.files.download(path);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      const joined = Buffer.concat(chunks);
      return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
    } catch (error) {
      if (isNotFound(error)) {
        const owner = version === undefined ? `model ${name}` : versionUri(name, version);
        throw new RegistryError(RegistryErrorCode.artifactMissing, `${path} is missing: ${owner} is incomplete`, {
          path,
          cause: error,
        });
      }
      throw this.failure(`download ${path}`, error, path);
    }
  }

  private async recordAliasEvent(name: string, event: AliasEvent): Promise<AliasEvent> {
    // One file per change, never overwritten: concurrent writers cannot lose each other's events.
    const path = `${this.root}/${name}/${HISTORY_DIR}/${event.at.replace(/[-:.]/g, '')}-${event.alias}-${randomBytes(4).toString('hex')}.json`;
    await this.call(`record the alias change in ${path}`, () =>
      this.client.files.upload(path, `${JSON.stringify(event)}\n`, { overwrite: false }),
    );
    return event;
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw this.failure(what, error);
    }
  }

  private modelNotFound(name: string): RegistryError {
    return new RegistryError(
      RegistryErrorCode.modelNotFound,
      `model ${this.fullName(name)} is not registered in Unity Catalog`,
    );
  }

  private failure(what: string, error: unknown, path?: string): RegistryError {
    const detail = error instanceof Error ? error.message : String(error);
    return new RegistryError(RegistryErrorCode.backendFailure, `Unity Catalog: could not ${what}: ${detail}`, {
      cause: error,
      ...(path !== undefined ? { path } : {}),
    });
  }
}

function aliasMap(aliases: ModelAlias[] | undefined): Record<string, number> {
  const map: Record<string, number> = {};
  for (const alias of [...(aliases ?? [])].sort((a, b) => a.alias_name.localeCompare(b.alias_name)))
    map[alias.alias_name] = Number(alias.version_num);
  return map;
}

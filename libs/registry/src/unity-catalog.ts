import { randomBytes } from 'node:crypto';
import {
  collect,
  DatabricksError,
  isNotFound,
  ResourceConflict,
  type DatabricksClient,
  type MlflowUcModelVersion,
  type ModelAlias,
  type ModelVersionInfo,
} from '@fraudops/databricks';
import { aliasEventSchema, byTime } from './alias-event.js';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { serializeModelCard, type ChecksummedFile } from './model-card.js';
import { assertAlias, assertModelName, assertVersion, versionUri } from './model-uri.js';
import { assignedVersion, buildCard, prepareRegistration } from './registration.js';
import { aliasEvent, ModelRegistryBase } from './registry-base.js';
import type { AliasEvent, ModelVersion, RegisteredModelSummary, RegisterModelInput, SetAliasOptions } from './registry.js';
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

/**
 * The Unity Catalog registry. Versions and aliases are Unity Catalog model versions and aliases of
 * `<catalog>.<schema>.<name>`; the files live in a volume, laid out like the local registry:
 *
 * ```
 * /Volumes/<catalog>/<schema>/<volume>/<prefix>/<name>/versions/<n>/model.onnx | report.html | report.md | card.json
 * /Volumes/<catalog>/<schema>/<volume>/<prefix>/<name>/alias-history/<time>-<alias>-<id>.json   one file per change
 * ```
 *
 * A registration creates the version (Unity Catalog hands out the number, so concurrent registrations never
 * share one), uploads the files with `overwrite=false` (card last), then finalizes the version. Readers only
 * see `READY` versions, so a registration that dies half way stays invisible (`PENDING_REGISTRATION`).
 * The version's `source` is the model's folder in the volume.
 */
export class UnityCatalogRegistry extends ModelRegistryBase {
  readonly location: string;
  private readonly root: string;

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

  /** The volume folder holding one version's files. */
  versionDirectory(name: string, version: number): string {
    assertModelName(name);
    assertVersion(version);
    return `${this.root}/${name}/versions/${version}`;
  }

  async register(input: RegisterModelInput): Promise<ModelVersion> {
    const prepared = prepareRegistration(input);
    const fullName = this.fullName(prepared.name);
    await this.ensureModel(prepared.name);
    const created = await this.call(`create a version of ${fullName}`, () =>
      this.client.api.json<{ model_version: MlflowUcModelVersion }>({
        method: 'POST',
        path: '/api/2.0/mlflow/unity-catalog/model-versions/create',
        json: { name: fullName, source: `${this.root}/${prepared.name}`, description: `fraudops model; files in ${this.root}/${prepared.name}/versions/<version>` },
      }),
    );
    const version = Number(created.model_version?.version);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RegistryError(RegistryErrorCode.backendFailure, `Unity Catalog answered version ${JSON.stringify(created.model_version?.version)} for ${fullName}`);
    }
    const dir = this.versionDirectory(prepared.name, version);
    const uploaded: string[] = [];
    try {
      const reports = await prepared.renderReports(assignedVersion(prepared.name, version));
      const files = { 'model.onnx': prepared.onnx, 'report.html': reports.html, 'report.md': reports.markdown };
      const card = buildCard(prepared, version, files);
      const encoded = new TextEncoder().encode(serializeModelCard(card));
      for (const [file, bytes] of [...Object.entries(files), ['card.json', encoded] as const]) {
        const path = `${dir}/${file}`;
        await this.call(`upload ${path}`, () => this.client.files.upload(path, bytes, { overwrite: false }));
        uploaded.push(path);
      }
      await this.call(`finalize ${fullName} version ${version}`, () =>
        this.client.api.json({
          method: 'POST',
          path: '/api/2.0/mlflow/unity-catalog/model-versions/finalize',
          json: { name: fullName, version: String(version) },
          idempotent: true,
        }),
      );
      return { name: prepared.name, version, uri: versionUri(prepared.name, version), aliases: [], card };
    } catch (error) {
      // The version stays PENDING_REGISTRATION (invisible); remove what was uploaded, best effort.
      for (const path of uploaded) await this.client.files.delete(path).catch(() => undefined);
      throw error;
    }
  }

  async listModels(): Promise<RegisteredModelSummary[]> {
    let entries;
    try {
      entries = await collect(this.client.files.listDirectory(this.root));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.failure(`list ${this.root}`, error, this.root);
    }
    const names = entries
      .filter((e) => e.is_directory)
      .map((e) => e.name.replace(/\/$/, ''))
      .filter((name) => /^[a-z0-9][a-z0-9_-]*$/.test(name))
      .sort();
    const models: RegisteredModelSummary[] = [];
    for (const name of names) {
      const info = await this.modelInfo(name).catch((error: unknown) => {
        if (error instanceof RegistryError && error.code === RegistryErrorCode.modelNotFound) return undefined;
        throw error;
      });
      if (info === undefined) continue; // a folder without a model: not ours to list
      models.push({ name, latestVersion: await this.latestVersion(name), aliases: aliasMap(info.aliases) });
    }
    return models;
  }

  async setAlias(name: string, alias: string, version: number, options: SetAliasOptions = {}): Promise<AliasEvent> {
    assertAlias(alias);
    await this.getVersion(name, version); // the version must be READY and its files intact
    const previous = await this.getAlias(name, alias);
    await this.call(`set ${this.fullName(name)}@${alias}`, () => this.client.models.setAlias(this.fullName(name), alias, version));
    return this.recordAliasEvent(name, aliasEvent({ alias, action: 'set', version, previous: previous ?? null }, options));
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
    const files = entries.filter((e) => !e.is_directory && e.name.endsWith('.json')).map((e) => e.name).sort();
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

  protected async readVersionFile(name: string, version: number, file: ChecksummedFile | 'card.json'): Promise<Uint8Array> {
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
      if (!(error instanceof ResourceConflict || (error instanceof DatabricksError && error.errorCode === 'RESOURCE_ALREADY_EXISTS'))) {
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
        throw new RegistryError(RegistryErrorCode.artifactMissing, `${path} is missing: ${owner} is incomplete`, { path, cause: error });
      }
      throw this.failure(`download ${path}`, error, path);
    }
  }

  private async recordAliasEvent(name: string, event: AliasEvent): Promise<AliasEvent> {
    // One file per change, never overwritten: concurrent writers cannot lose each other's events.
    const path = `${this.root}/${name}/${HISTORY_DIR}/${event.at.replace(/[-:.]/g, '')}-${event.alias}-${randomBytes(4).toString('hex')}.json`;
    await this.call(`record the alias change in ${path}`, () => this.client.files.upload(path, `${JSON.stringify(event)}\n`, { overwrite: false }));
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
    return new RegistryError(RegistryErrorCode.modelNotFound, `model ${this.fullName(name)} is not registered in Unity Catalog`);
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
  for (const alias of [...(aliases ?? [])].sort((a, b) => a.alias_name.localeCompare(b.alias_name))) map[alias.alias_name] = Number(alias.version_num);
  return map;
}

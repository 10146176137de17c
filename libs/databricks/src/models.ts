import type { ApiClient } from './http.js';
import { paginate } from './pagination.js';

export interface ModelAlias {
  alias_name: string;
  version_num: number;
}

/** A Unity Catalog registered model (`catalog.schema.name`). */
export interface RegisteredModelInfo {
  full_name: string;
  name: string;
  catalog_name: string;
  schema_name: string;
  comment?: string;
  storage_location?: string;
  owner?: string;
  created_at?: number;
  updated_at?: number;
  aliases?: ModelAlias[];
}

export interface ModelVersionInfo {
  model_name: string;
  catalog_name: string;
  schema_name: string;
  version: number;
  source?: string;
  run_id?: string;
  comment?: string;
  status?: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  storage_location?: string;
  created_at?: number;
  updated_at?: number;
  aliases?: ModelAlias[];
}

/** A tag of an MLflow Unity Catalog model version. */
export interface ModelVersionTag {
  key: string;
  value: string;
}

/** The MLflow Unity Catalog registry's model version (what `create`/`finalize`/`get` answer; version is a string). */
export interface MlflowUcModelVersion {
  name: string;
  version: string;
  source?: string;
  run_id?: string;
  description?: string;
  status?: string;
  /** The version's own storage; its files go to {@link versionFilesPath} through the Files API. */
  storage_location?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  tags?: ModelVersionTag[];
}

export interface CreateModelVersionRequest {
  /** `catalog.schema.model` */
  name: string;
  /** Where the files come from; MLflow's client passes the version's storage (see {@link versionFilesPath}). */
  source: string;
  run_id?: string;
  description?: string;
  tags?: ModelVersionTag[];
}

/**
 * The Files API folder of a Unity Catalog model version's own storage: `/Models/<catalog>/<schema>/<model>/<version>`.
 * MLflow's client (through the Databricks SDK) uploads a version's files there between `create` and `finalize`.
 */
export function versionFilesPath(fullName: string, version: number | string): string {
  const parts = fullName.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '' || p.includes('/'))) {
    throw new TypeError(`"${fullName}" is not a Unity Catalog model name (catalog.schema.model)`);
  }
  return `/Models/${parts.join('/')}/${version}`;
}

const MLFLOW_UC_VERSIONS = '/api/2.0/mlflow/unity-catalog/model-versions';

export interface CreateRegisteredModelRequest {
  catalog_name: string;
  schema_name: string;
  name: string;
  comment?: string;
  storage_location?: string;
}

const models = (fullName: string) => `/api/2.1/unity-catalog/models/${encodeURIComponent(fullName)}`;

/** Unity Catalog models: registered models, versions and aliases (`@champion`, `@challenger`). */
export class ModelsService {
  constructor(private readonly api: ApiClient) {}

  create(request: CreateRegisteredModelRequest, options: { signal?: AbortSignal } = {}): Promise<RegisteredModelInfo> {
    return this.api.json({
      method: 'POST',
      path: '/api/2.1/unity-catalog/models',
      json: request,
      signal: options.signal,
    });
  }

  get(
    fullName: string,
    options: { includeAliases?: boolean; signal?: AbortSignal } = {},
  ): Promise<RegisteredModelInfo> {
    return this.api.json({
      method: 'GET',
      path: models(fullName),
      query: { include_aliases: options.includeAliases ?? true },
      signal: options.signal,
    });
  }

  /** The registered models of one schema (paginated lazily). */
  list(
    catalog: string,
    schema: string,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<RegisteredModelInfo> {
    return paginate(async (token) => {
      const page = await this.api.json<{ registered_models?: RegisteredModelInfo[]; next_page_token?: string }>({
        method: 'GET',
        path: '/api/2.1/unity-catalog/models',
        query: { catalog_name: catalog, schema_name: schema, max_results: options.pageSize, page_token: token },
        signal: options.signal,
      });
      return { items: page.registered_models ?? [], nextPageToken: page.next_page_token };
    });
  }

  async delete(fullName: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({ method: 'DELETE', path: models(fullName), signal: options.signal });
  }

  getVersion(fullName: string, version: number, options: { signal?: AbortSignal } = {}): Promise<ModelVersionInfo> {
    return this.api.json({
      method: 'GET',
      path: `${models(fullName)}/versions/${version}`,
      query: { include_aliases: true },
      signal: options.signal,
    });
  }

  /** All versions of a model (paginated lazily). */
  listVersions(
    fullName: string,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<ModelVersionInfo> {
    return paginate(async (token) => {
      const page = await this.api.json<{ model_versions?: ModelVersionInfo[]; next_page_token?: string }>({
        method: 'GET',
        path: `${models(fullName)}/versions`,
        query: { max_results: options.pageSize, page_token: token },
        signal: options.signal,
      });
      return { items: page.model_versions ?? [], nextPageToken: page.next_page_token };
    });
  }

  /** Points `alias` at `version` (moving it if it pointed elsewhere). */
  setAlias(
    fullName: string,
    alias: string,
    version: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<ModelAlias> {
    return this.api.json({
      method: 'PUT',
      path: `${models(fullName)}/aliases/${encodeURIComponent(alias)}`,
      json: { full_name: fullName, alias, version_num: version },
      signal: options.signal,
    });
  }

  /** The version an alias points at; NotFound when the alias is not set. */
  getByAlias(fullName: string, alias: string, options: { signal?: AbortSignal } = {}): Promise<ModelVersionInfo> {
    return this.api.json({
      method: 'GET',
      path: `${models(fullName)}/aliases/${encodeURIComponent(alias)}`,
      query: { include_aliases: true },
      signal: options.signal,
    });
  }

  async deleteAlias(fullName: string, alias: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({
      method: 'DELETE',
      path: `${models(fullName)}/aliases/${encodeURIComponent(alias)}`,
      signal: options.signal,
    });
  }

  /**
   * Starts a model version through the MLflow Unity Catalog registry (`model-versions/create`): Unity Catalog
   * hands out the number and the version is `PENDING_REGISTRATION` until {@link finalizeVersion}. Upload its
   * files to {@link versionFilesPath} in between; readers see only `READY` versions.
   */
  async createVersion(
    request: CreateModelVersionRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<MlflowUcModelVersion> {
    const created = await this.api.json<{ model_version: MlflowUcModelVersion }>({
      method: 'POST',
      path: `${MLFLOW_UC_VERSIONS}/create`,
      json: request,
      signal: options.signal,
    });
    return created.model_version;
  }

  /** Marks a pending version `READY` (`model-versions/finalize`); refused when its `MLmodel` has no full signature. */
  async finalizeVersion(
    fullName: string,
    version: number | string,
    options: { signal?: AbortSignal } = {},
  ): Promise<MlflowUcModelVersion> {
    const finalized = await this.api.json<{ model_version: MlflowUcModelVersion }>({
      method: 'POST',
      path: `${MLFLOW_UC_VERSIONS}/finalize`,
      json: { name: fullName, version: String(version) },
      idempotent: true,
      signal: options.signal,
    });
    return finalized.model_version;
  }

  /** A version as the MLflow registry sees it, with its tags (`model-versions/get`). */
  async getMlflowVersion(
    fullName: string,
    version: number | string,
    options: { signal?: AbortSignal } = {},
  ): Promise<MlflowUcModelVersion> {
    const found = await this.api.json<{ model_version: MlflowUcModelVersion }>({
      method: 'GET',
      path: `${MLFLOW_UC_VERSIONS}/get`,
      query: { name: fullName, version: String(version) },
      signal: options.signal,
    });
    return found.model_version;
  }
}

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

/** The MLflow Unity Catalog registry's model version (what `create`/`finalize` answer; version is a string). */
export interface MlflowUcModelVersion {
  name: string;
  version: string;
  source?: string;
  run_id?: string;
  description?: string;
  status?: string;
  storage_location?: string;
  creation_timestamp?: number;
}

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
   * Registers a model version through the MLflow Unity Catalog registry endpoints (create, then finalize).
   * This records metadata only: on a real workspace the artifacts must reach `storage_location` with
   * temporary credentials, which the MLflow Python client does — register inside the Databricks job there.
   * The emulator accepts it as is, which is what tests and local runs use.
   */
  async createVersion(
    request: { name: string; source: string; run_id?: string; description?: string },
    options: { signal?: AbortSignal } = {},
  ): Promise<MlflowUcModelVersion> {
    const created = await this.api.json<{ model_version: MlflowUcModelVersion }>({
      method: 'POST',
      path: '/api/2.0/mlflow/unity-catalog/model-versions/create',
      json: request,
      signal: options.signal,
    });
    const finalized = await this.api.json<{ model_version: MlflowUcModelVersion }>({
      method: 'POST',
      path: '/api/2.0/mlflow/unity-catalog/model-versions/finalize',
      json: { name: request.name, version: created.model_version.version },
      idempotent: true,
      signal: options.signal,
    });
    return finalized.model_version;
  }
}

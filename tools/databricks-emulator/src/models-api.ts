import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ModelAlias, ModelVersionInfo, ModelVersionTag, RegisteredModelInfo } from '@fraudops/databricks';
import { ApiError, invalidParameter } from './api-error.js';
import type { EmulatorContext } from './context.js';
import { ok, optionalString, requireString, type Router } from './routing.js';
import type { ModelRecord, ModelVersionRecord } from './state.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;
const ALIAS = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;

const modelNotFound = (fullName: string) =>
  new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Routine or Model '${fullName}' does not exist.`);
const versionNotFound = (fullName: string, version: number | string) =>
  new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Model Version ${version} of '${fullName}' does not exist.`);

function checkName(value: string, field: string): void {
  if (!NAME.test(value)) throw invalidParameter(`Invalid ${field} "${value}": use letters, digits, "_" and "-".`);
}

function aliasesOf(model: ModelRecord): ModelAlias[] {
  return Object.entries(model.aliases)
    .map(([alias_name, version_num]) => ({ alias_name, version_num }))
    .sort((a, b) => a.alias_name.localeCompare(b.alias_name));
}

// The service leaves `aliases` out of a model or version unless the request says `include_aliases=true`.
function renderModel(model: ModelRecord, withAliases: boolean): RegisteredModelInfo {
  return withAliases ? { ...model.info, aliases: aliasesOf(model) } : { ...model.info };
}

function renderVersion(
  model: ModelRecord,
  { tags: _tags, ...version }: ModelVersionRecord,
  withAliases: boolean,
): ModelVersionInfo {
  return withAliases
    ? { ...version, aliases: aliasesOf(model).filter((a) => a.version_num === version.version) }
    : { ...version };
}

function checkTags(raw: unknown): ModelVersionTag[] | undefined {
  if (raw === undefined) return undefined;
  const isTag = (t: unknown): boolean => {
    const tag = t as { key?: unknown; value?: unknown } | null | undefined;
    return typeof tag?.key === 'string' && tag.key !== '' && typeof tag.value === 'string';
  };
  if (!Array.isArray(raw) || !raw.every(isTag)) {
    throw invalidParameter('tags must be a list of {"key": string, "value": string}.');
  }
  return (raw as ModelVersionTag[]).map((t) => ({ key: t.key, value: t.value }));
}

const includeAliases = (query: URLSearchParams) => query.get('include_aliases') === 'true';

/** The local directory behind a version's own storage (`storage_location`, `/Models/<c>/<s>/<m>/<v>/`). */
export function versionStorageDir(ctx: EmulatorContext, fullName: string, version: number): string {
  return join(ctx.dataDir, 'uc-models', fullName, String(version));
}

/**
 * `/Models/<catalog>/<schema>/<model>/<version>/<file>` → the local file in that version's storage. The path
 * must name an existing version; writing (`access: 'write'`) is only allowed while the version is
 * PENDING_REGISTRATION, as the MLflow client uploads between `create` and `finalize`.
 */
export function modelFilePath(
  ctx: EmulatorContext,
  path: string,
  kind: 'file' | 'directory',
  access: 'read' | 'write',
): string {
  const segments = path.split('/').filter(Boolean);
  if (
    segments[0] !== 'Models' ||
    segments.length < (kind === 'file' ? 6 : 5) ||
    segments.some((s) => s === '.' || s === '..')
  ) {
    throw invalidParameter(
      `${path} is not a ${kind} path of a model version: use /Models/<catalog>/<schema>/<model>/<version>/${kind === 'file' ? '<file>' : '…'}.`,
    );
  }
  const [, catalog, schema, name, rawVersion, ...rest] = segments;
  const fullName = `${catalog}.${schema}.${name}`;
  const model = ctx.state.data.models[fullName];
  if (!model) throw modelNotFound(fullName);
  const version = model.versions.find((v) => String(v.version) === rawVersion);
  if (!version) throw versionNotFound(fullName, rawVersion);
  if (access === 'write' && version.status !== 'PENDING_REGISTRATION') {
    throw new ApiError(
      400,
      'INVALID_STATE',
      `Model Version ${version.version} of '${fullName}' is ${version.status}: its files can only be written while it is PENDING_REGISTRATION.`,
    );
  }
  return join(versionStorageDir(ctx, fullName, version.version), ...rest);
}

const SIGNATURE_REQUIRED =
  'All models in the Unity Catalog must be logged with a model signature containing both input and output type specifications.';

/** Why a version's storage does not hold an MLflow model with a full signature; undefined when it does. */
function signatureProblem(storage: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(storage, 'MLmodel'), 'utf8');
  } catch {
    return 'its storage has no MLmodel file';
  }
  let mlmodel: unknown;
  try {
    mlmodel = parseYaml(text);
  } catch (error) {
    return `its MLmodel is not YAML (${(error as Error).message.split('\n')[0]})`;
  }
  const signature = (mlmodel as { signature?: { inputs?: unknown; outputs?: unknown } } | null)?.signature;
  const filled = (value: unknown) => {
    if (typeof value !== 'string') return false;
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) && parsed.length > 0;
    } catch {
      return false;
    }
  };
  if (!signature) return 'its MLmodel has no signature';
  if (!filled(signature.inputs) || !filled(signature.outputs)) return 'its MLmodel signature lacks inputs or outputs';
  return undefined;
}

/**
 * Unity Catalog registered models, versions and aliases, plus the MLflow Unity Catalog registry's
 * `model-versions/create` + `finalize` pair through which versions come into being (the MLflow client
 * uses it; here it also lets tests and local runs register versions). Catalogs and schemas are not
 * modelled: any `catalog.schema` is accepted.
 */
// eslint-disable-next-line max-lines-per-function -- a route table: one handler per Unity Catalog models endpoint
export function registerModelsApi(router: Router, ctx: EmulatorContext): void {
  const models = () => ctx.state.data.models;
  const find = (fullName: string): ModelRecord => {
    const model = models()[fullName];
    if (!model) throw modelNotFound(fullName);
    return model;
  };
  const findVersion = (model: ModelRecord, raw: string | number): ModelVersionRecord => {
    const n = Number(raw);
    const version = model.versions.find((v) => v.version === n);
    if (!version) throw versionNotFound(model.info.full_name, raw);
    return version;
  };
  const base = '/api/2.1/unity-catalog/models';

  router.add('POST', base, async (req) => {
    const body = await req.json();
    const catalog = requireString(body, 'catalog_name');
    const schema = requireString(body, 'schema_name');
    const name = requireString(body, 'name');
    for (const [value, field] of [
      [catalog, 'catalog_name'],
      [schema, 'schema_name'],
      [name, 'name'],
    ] as const)
      checkName(value, field);
    const fullName = `${catalog}.${schema}.${name}`;
    if (models()[fullName]) {
      throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Registered model '${fullName}' already exists.`);
    }
    const now = Date.now();
    const comment = optionalString(body, 'comment');
    const model: ModelRecord = {
      info: {
        full_name: fullName,
        name,
        catalog_name: catalog,
        schema_name: schema,
        owner: ctx.userName,
        created_at: now,
        updated_at: now,
        storage_location: pathToFileURL(join(ctx.dataDir, 'uc-models', fullName)).href,
        ...(comment ? { comment } : {}),
      },
      versions: [],
      aliases: {},
    };
    models()[fullName] = model;
    ctx.state.changed();
    return ok(renderModel(model, true));
  });

  router.add('GET', base, (req) => {
    const catalog = req.query.get('catalog_name');
    const schema = req.query.get('schema_name');
    if (schema && !catalog) throw invalidParameter('schema_name needs catalog_name.');
    const max = Number(req.query.get('max_results') ?? '100');
    const offset = Number(req.query.get('page_token') ?? '0');
    const all = Object.values(models())
      .filter((m) => (!catalog || m.info.catalog_name === catalog) && (!schema || m.info.schema_name === schema))
      .sort((a, b) => a.info.full_name.localeCompare(b.info.full_name));
    return ok({
      registered_models: all.slice(offset, offset + max).map((m) => renderModel(m, includeAliases(req.query))),
      ...(offset + max < all.length ? { next_page_token: String(offset + max) } : {}),
    });
  });

  router.add('GET', `${base}/:name`, (req) => ok(renderModel(find(req.params['name']), includeAliases(req.query))));

  router.add('DELETE', `${base}/:name`, (req) => {
    find(req.params['name']);
    delete models()[req.params['name']];
    ctx.state.changed();
    return ok({});
  });

  router.add('GET', `${base}/:name/versions`, (req) => {
    const model = find(req.params['name']);
    const max = Number(req.query.get('max_results') ?? '100');
    const offset = Number(req.query.get('page_token') ?? '0');
    const all = [...model.versions].sort((a, b) => b.version - a.version);
    const page = all.slice(offset, offset + max);
    return ok({
      model_versions: page.map((v) => renderVersion(model, v, includeAliases(req.query))),
      ...(offset + max < all.length ? { next_page_token: String(offset + max) } : {}),
    });
  });

  router.add('GET', `${base}/:name/versions/:version`, (req) => {
    const model = find(req.params['name']);
    return ok(renderVersion(model, findVersion(model, req.params['version']), includeAliases(req.query)));
  });

  router.add('PUT', `${base}/:name/aliases/:alias`, async (req) => {
    const model = find(req.params['name']);
    const alias = req.params['alias'];
    if (!ALIAS.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
      throw invalidParameter(
        `Invalid alias "${alias}": "latest" and v<number> are reserved; use letters, digits, "_" and "-".`,
      );
    }
    const body = await req.json();
    const raw = body['version_num'];
    if (typeof raw !== 'number' && typeof raw !== 'string')
      throw invalidParameter('Missing required field: version_num');
    const version = findVersion(model, raw);
    model.aliases[alias] = version.version;
    model.info.updated_at = Date.now();
    ctx.state.changed();
    return ok({ alias_name: alias, version_num: version.version });
  });

  router.add('GET', `${base}/:name/aliases/:alias`, (req) => {
    const model = find(req.params['name']);
    const number = model.aliases[req.params['alias']];
    if (number === undefined) {
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Alias ${req.params['alias']} does not exist on '${model.info.full_name}'.`,
      );
    }
    return ok(renderVersion(model, findVersion(model, number), includeAliases(req.query)));
  });

  router.add('DELETE', `${base}/:name/aliases/:alias`, (req) => {
    const model = find(req.params['name']);
    delete model.aliases[req.params['alias']];
    ctx.state.changed();
    return ok({});
  });

  router.add('POST', '/api/2.0/mlflow/unity-catalog/model-versions/create', async (req) => {
    const body = await req.json();
    const model = find(requireString(body, 'name'));
    const source = requireString(body, 'source');
    const number = (model.versions.reduce((m, v) => Math.max(m, v.version), 0) || 0) + 1;
    const storage = versionStorageDir(ctx, model.info.full_name, number);
    mkdirSync(storage, { recursive: true });
    const now = Date.now();
    const runId = optionalString(body, 'run_id');
    const description = optionalString(body, 'description');
    const tags = checkTags(body['tags']);
    const version: ModelVersionRecord = {
      model_name: model.info.name,
      catalog_name: model.info.catalog_name,
      schema_name: model.info.schema_name,
      version: number,
      source,
      ...(runId ? { run_id: runId } : {}),
      ...(description ? { comment: description } : {}),
      ...(tags ? { tags } : {}),
      status: 'PENDING_REGISTRATION',
      storage_location: pathToFileURL(storage).href,
      created_at: now,
      updated_at: now,
    };
    model.versions.push(version);
    ctx.state.changed();
    return ok({ model_version: mlflowView(model, version) });
  });

  router.add('POST', '/api/2.0/mlflow/unity-catalog/model-versions/finalize', async (req) => {
    const body = await req.json();
    const model = find(requireString(body, 'name'));
    const raw = body['version'];
    if (typeof raw !== 'string' && typeof raw !== 'number') throw invalidParameter('Missing required field: version');
    const version = findVersion(model, raw);
    if (version.status === 'PENDING_REGISTRATION') {
      const problem = signatureProblem(versionStorageDir(ctx, model.info.full_name, version.version));
      if (problem) {
        throw invalidParameter(
          `Model Version ${version.version} of '${model.info.full_name}' cannot be finalized: ${problem}. ${SIGNATURE_REQUIRED}`,
        );
      }
    }
    version.status = 'READY';
    version.updated_at = Date.now();
    ctx.state.changed();
    return ok({ model_version: mlflowView(model, version) });
  });

  router.add('GET', '/api/2.0/mlflow/unity-catalog/model-versions/get', (req) => {
    const model = find(req.query.get('name') ?? '');
    return ok({ model_version: mlflowView(model, findVersion(model, req.query.get('version') ?? '')) });
  });
}

/** The MLflow registry's view of a version: full name, version as a string, epoch-ms timestamps. */
function mlflowView(model: ModelRecord, version: ModelVersionRecord) {
  return {
    name: model.info.full_name,
    version: String(version.version),
    source: version.source,
    ...(version.run_id ? { run_id: version.run_id } : {}),
    ...(version.comment ? { description: version.comment } : {}),
    status: version.status,
    storage_location: version.storage_location,
    ...(version.tags ? { tags: version.tags } : {}),
    creation_timestamp: version.created_at,
    last_updated_timestamp: version.updated_at,
  };
}

import { DatabricksClient, type DatabricksClientOptions } from '@fraudops/databricks';
import type { LockOptions } from './atomic-fs.js';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { LocalRegistry } from './local.js';
import type { ModelRegistry } from './registry.js';
import { parseRegistryUri } from './registry-uri.js';
import { UnityCatalogRegistry, type UnityCatalogClient } from './unity-catalog.js';
import { errorMessage } from '@fraudops/core';

export interface OpenRegistryOptions {
  /** Base of relative local paths. @defaultValue `process.cwd()` */
  cwd?: string;
  /** Lock timing of the local backend's alias updates. */
  lock?: LockOptions;
  /**
   * For `databricks-uc://` registries: a ready client, or options to build one with
   * `DatabricksClient.fromEnvironment` (explicit → `DATABRICKS_*` environment → `~/.databrickscfg`). The URI's
   * `profile=` wins over `options.profile`. @defaultValue `{}` (environment and config file only)
   */
  databricks?: UnityCatalogClient | DatabricksClientOptions;
}

/**
 * Opens the registry a URI names (see `parseRegistryUri` for the forms): a directory → {@link LocalRegistry},
 * `databricks-uc://<catalog>.<schema>?volume=<volume>` → {@link UnityCatalogRegistry}. Nothing is read or
 * created until the first call. Throws `INVALID_REGISTRY_URI`, or `BACKEND_FAILURE` when Databricks
 * credentials cannot be resolved (the cause names the missing setting).
 */
export function openRegistry(uri?: string, options: OpenRegistryOptions = {}): ModelRegistry {
  const location = parseRegistryUri(uri, options.cwd);
  if (location.kind === 'local') return new LocalRegistry(location.root, { lock: options.lock });
  const given = options.databricks;
  let client: UnityCatalogClient;
  if (given !== undefined && 'models' in given && 'files' in given) {
    client = given;
  } else {
    const clientOptions = given ?? {};
    try {
      client = DatabricksClient.fromEnvironment({
        ...clientOptions,
        ...(location.profile !== undefined ? { profile: location.profile } : {}),
      });
    } catch (error) {
      throw new RegistryError(RegistryErrorCode.backendFailure, `cannot open ${uri}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
  return new UnityCatalogRegistry(client, location);
}

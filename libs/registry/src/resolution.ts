import { RegistryError, RegistryErrorCode } from './errors.js';
import { formatModelUri, parseModelUri, type ModelUri } from './model-uri.js';

/** What resolving a URI needs from a backend. */
interface VersionLookup {
  getAlias(name: string, alias: string): Promise<number | undefined>;
  /** Highest registered version; 0 when there is none. Throws MODEL_NOT_FOUND for an unknown model. */
  latestVersion(name: string): Promise<number>;
}

/** The version number a model URI names right now (aliases and `latest` move; numbers do not). */
export async function resolveVersionNumber(
  uri: string | ModelUri,
  lookup: VersionLookup,
): Promise<{ name: string; version: number }> {
  const parsed = typeof uri === 'string' ? parseModelUri(uri) : uri;
  switch (parsed.kind) {
    case 'version':
      return { name: parsed.name, version: parsed.version };
    case 'alias': {
      const version = await lookup.getAlias(parsed.name, parsed.alias);
      if (version === undefined) {
        throw new RegistryError(
          RegistryErrorCode.aliasNotFound,
          `${formatModelUri(parsed)} does not resolve: model ${parsed.name} has no alias "${parsed.alias}"`,
        );
      }
      return { name: parsed.name, version };
    }
    case 'latest': {
      const version = await lookup.latestVersion(parsed.name);
      if (version === 0) {
        throw new RegistryError(
          RegistryErrorCode.versionNotFound,
          `${formatModelUri(parsed)} does not resolve: model ${parsed.name} has no versions`,
        );
      }
      return { name: parsed.name, version };
    }
  }
}

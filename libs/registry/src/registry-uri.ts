import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { DEFAULT_LOCAL_REGISTRY } from './local.js';

/** The default volume that holds model files in a Unity Catalog registry. */
export const DEFAULT_UC_VOLUME = 'models';

/** Where a registry lives, parsed from a registry URI. */
export type RegistryLocation =
  | {
      kind: 'local';
      /** Absolute directory. */
      root: string;
    }
  | {
      kind: 'unity-catalog';
      catalog: string;
      schema: string;
      /** Volume in `<catalog>.<schema>` holding the model files. */
      volume: string;
      /** Folder inside the volume (no leading or trailing slash); empty for the volume root. */
      prefix: string;
      /** `~/.databrickscfg` profile to authenticate with; the usual resolution applies when absent. */
      profile?: string;
    };

const UC_SCHEME = 'databricks-uc://';
// Unity Catalog securable names: no dots, slashes, spaces or control characters (kept to a safe set here).
const UC_IDENTIFIER = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Parses a registry URI, as `REGISTRY` / `--registry` take it:
 *
 * | URI | registry |
 * |---|---|
 * | (empty) | local, `models/` under the working directory |
 * | `models`, `./models`, `/srv/models`, `file:models`, `file:///srv/models` | local directory |
 * | `databricks-uc://<catalog>.<schema>` | Unity Catalog models in `<catalog>.<schema>`, files in volume `models` |
 * | `databricks-uc://<catalog>.<schema>?volume=<v>&prefix=<dir>&profile=<p>` | the same, with a volume, a folder in it, a config profile |
 *
 * Throws `INVALID_REGISTRY_URI` naming the problem.
 */
export function parseRegistryUri(uri: string | undefined, cwd: string = process.cwd()): RegistryLocation {
  const text = (uri ?? '').trim();
  if (text === '') return { kind: 'local', root: resolve(cwd, DEFAULT_LOCAL_REGISTRY) };
  if (text.startsWith(UC_SCHEME)) return parseUnityCatalog(text);
  if (text.startsWith('file://')) {
    try {
      return { kind: 'local', root: fileURLToPath(text) };
    } catch (error) {
      throw invalid(
        text,
        `not a valid file URL (${(error as Error).message}); use file:///absolute/path or file:relative/path`,
      );
    }
  }
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (path === '') throw invalid(text, 'the directory after "file:" is missing');
    return { kind: 'local', root: resolve(cwd, path) };
  }
  // Anything else with a scheme is a typo or an unsupported store; a one-letter "scheme" is a Windows drive.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(text)?.[1];
  if (scheme !== undefined && !isAbsolute(text)) {
    throw invalid(
      text,
      `unsupported scheme "${scheme}:" (use a directory, file:<dir>, or databricks-uc://<catalog>.<schema>?volume=<volume>)`,
    );
  }
  return { kind: 'local', root: resolve(cwd, text) };
}

/** The canonical URI of a location (the inverse of {@link parseRegistryUri}). */
export function formatRegistryUri(location: RegistryLocation): string {
  if (location.kind === 'local') return pathToFileURL(location.root).href;
  const query = new URLSearchParams({ volume: location.volume });
  if (location.prefix !== '') query.set('prefix', location.prefix);
  if (location.profile !== undefined) query.set('profile', location.profile);
  return `${UC_SCHEME}${location.catalog}.${location.schema}?${query.toString()}`;
}

function parseUnityCatalog(text: string): RegistryLocation {
  const rest = text.slice(UC_SCHEME.length);
  const question = rest.indexOf('?');
  const target = question >= 0 ? rest.slice(0, question) : rest;
  const query = new URLSearchParams(question >= 0 ? rest.slice(question + 1) : '');
  const parts = target.replace(/\/$/, '').split('.');
  if (parts.length !== 2 || parts.some((p) => p === '')) {
    throw invalid(text, `expected databricks-uc://<catalog>.<schema>, got "${target}"`);
  }
  const [catalog, schema] = parts;
  for (const [what, value] of [
    ['catalog', catalog],
    ['schema', schema],
  ] as const) {
    if (!UC_IDENTIFIER.test(value))
      throw invalid(text, `${what} "${value}" may hold only letters, digits, "_" and "-"`);
  }
  for (const key of query.keys()) {
    if (!['volume', 'prefix', 'profile'].includes(key)) {
      throw invalid(text, `unknown parameter "${key}" (known: volume, prefix, profile)`);
    }
  }
  const volume = query.get('volume') ?? DEFAULT_UC_VOLUME;
  if (!UC_IDENTIFIER.test(volume)) throw invalid(text, `volume "${volume}" may hold only letters, digits, "_" and "-"`);
  const prefix = (query.get('prefix') ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw invalid(text, `prefix "${prefix}" must not contain "." or ".." segments`);
  }
  const profile = query.get('profile') ?? undefined;
  if (profile === '') throw invalid(text, 'profile is empty');
  return { kind: 'unity-catalog', catalog, schema, volume, prefix, ...(profile !== undefined ? { profile } : {}) };
}

function invalid(uri: string, problem: string): RegistryError {
  return new RegistryError(
    RegistryErrorCode.invalidRegistryUri,
    `registry URI ${JSON.stringify(uri)} is invalid: ${problem}`,
  );
}

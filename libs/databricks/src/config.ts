import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseConfigFile } from './config-file.js';
import { ClientErrorCode, DatabricksConfigError } from './errors.js';
import { Secret } from './secret.js';

/** What a caller may pass explicitly; anything left out comes from the environment, then the config file. */
export interface DatabricksConfigOptions {
  /** Workspace URL, e.g. `https://adb-123.4.azuredatabricks.net` (`https://` is added when missing). */
  host?: string;
  /** Personal access token. */
  token?: string;
  /** OAuth M2M (service principal) client id. */
  clientId?: string;
  /** OAuth M2M client secret. */
  clientSecret?: string;
  /** SQL warehouse id for the SQL engine. */
  warehouseId?: string;
  /** Profile of the config file. @defaultValue `DATABRICKS_CONFIG_PROFILE`, else `DEFAULT` */
  profile?: string;
  /** Config file path. @defaultValue `DATABRICKS_CONFIG_FILE`, else `~/.databrickscfg` */
  configFile?: string;
  /** The environment to read. @defaultValue `process.env` */
  env?: Record<string, string | undefined>;
  /** Where `~` is. @defaultValue `os.homedir()` */
  homeDir?: string;
}

export type Credentials =
  { kind: 'pat'; token: Secret } | { kind: 'oauth-m2m'; clientId: string; clientSecret: Secret };

/** Where a setting came from, for messages ("host from DATABRICKS_HOST"). */
export type ConfigSource = 'explicit' | 'env' | 'profile';

export interface ResolvedConfig {
  /** Normalised workspace URL without a trailing slash. */
  host: string;
  credentials: Credentials;
  warehouseId?: string;
  /** The profile read, when the config file contributed anything. */
  profile?: string;
  configFile: string;
  sources: { host: ConfigSource; credentials: ConfigSource; warehouseId?: ConfigSource };
}

interface Layer {
  source: ConfigSource;
  /** How to name a key of this layer in a message (`DATABRICKS_TOKEN`, `token in [DEFAULT] of ~/.databrickscfg`). */
  describe(key: LayerKey): string;
  values: Partial<Record<LayerKey, string>>;
}

type LayerKey = 'host' | 'token' | 'clientId' | 'clientSecret' | 'warehouseId';

const ENV_NAMES: Record<LayerKey, string> = {
  host: 'DATABRICKS_HOST',
  token: 'DATABRICKS_TOKEN',
  clientId: 'DATABRICKS_CLIENT_ID',
  clientSecret: 'DATABRICKS_CLIENT_SECRET',
  warehouseId: 'DATABRICKS_WAREHOUSE_ID',
};
const FILE_KEYS: Record<LayerKey, string> = {
  host: 'host',
  token: 'token',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  warehouseId: 'warehouse_id',
};
const OPTION_NAMES: Record<LayerKey, string> = {
  host: 'host',
  token: 'token',
  clientId: 'clientId',
  clientSecret: 'clientSecret',
  warehouseId: 'warehouseId',
};

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

function pick(source: Record<string, string | undefined>, names: Record<LayerKey, string>) {
  const values: Partial<Record<LayerKey, string>> = {};
  for (const key of Object.keys(names) as LayerKey[]) {
    const v = nonEmpty(source[names[key]]);
    if (v !== undefined) values[key] = v;
  }
  return values;
}

/** `~/.databrickscfg` shown as the user would type it. */
function displayPath(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

function readProfileLayer(
  configFile: string,
  profile: string,
  profileNamed: boolean,
  fileNamed: boolean,
  home: string,
): Layer | undefined {
  const shown = displayPath(configFile, home);
  if (!existsSync(configFile)) {
    if (fileNamed) {
      throw new DatabricksConfigError(
        ClientErrorCode.configMissing,
        `The config file ${shown} (from DATABRICKS_CONFIG_FILE or the configFile option) does not exist.`,
      );
    }
    if (profileNamed) {
      throw new DatabricksConfigError(
        ClientErrorCode.configMissing,
        `Profile [${profile}] was asked for, but ${shown} does not exist. Create it, or set DATABRICKS_HOST and DATABRICKS_TOKEN instead.`,
      );
    }
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new DatabricksConfigError(ClientErrorCode.configMissing, `Cannot read the config file ${shown}.`, {
      cause: error,
    });
  }
  const profiles = parseConfigFile(text);
  const section = profiles.get(profile);
  if (!section) {
    if (!profileNamed) return undefined;
    const known = [...profiles.keys()];
    throw new DatabricksConfigError(
      ClientErrorCode.configMissing,
      `Profile [${profile}] is not in ${shown}` +
        (known.length ? ` (it has: ${known.map((p) => `[${p}]`).join(', ')}).` : ' (it has no profiles).'),
    );
  }
  return {
    source: 'profile',
    describe: (key) => `${FILE_KEYS[key]} in profile [${profile}] of ${shown}`,
    values: pick(Object.fromEntries(section), FILE_KEYS),
  };
}

/** `adb-1.azuredatabricks.net` → `https://adb-1.azuredatabricks.net`; refuses what is not a URL. */
export function normaliseHost(host: string, from: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new DatabricksConfigError(ClientErrorCode.configInvalid, `The host "${host}" (${from}) is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DatabricksConfigError(
      ClientErrorCode.configInvalid,
      `The host "${host}" (${from}) must be an https:// URL (http:// only for a local emulator).`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function credentialsFrom(layer: Layer): Credentials | undefined {
  const { token, clientId, clientSecret } = layer.values;
  if (token === undefined && clientId === undefined && clientSecret === undefined) return undefined;
  if (token !== undefined && (clientId !== undefined || clientSecret !== undefined)) {
    throw new DatabricksConfigError(
      ClientErrorCode.configInvalid,
      `Two kinds of credentials are set at once: a personal access token (${layer.describe('token')}) and ` +
        `OAuth M2M client credentials (${layer.describe(clientId !== undefined ? 'clientId' : 'clientSecret')}). ` +
        'Keep one of them.',
    );
  }
  if (token !== undefined) return { kind: 'pat', token: new Secret(token) };
  if (clientId === undefined || clientSecret === undefined) {
    const missing: LayerKey = clientId === undefined ? 'clientId' : 'clientSecret';
    const present: LayerKey = clientId === undefined ? 'clientSecret' : 'clientId';
    throw new DatabricksConfigError(
      ClientErrorCode.configMissing,
      `OAuth M2M needs both a client id and a client secret: ${layer.describe(present)} is set but ` +
        `${layer.describe(missing)} is missing.`,
    );
  }
  return { kind: 'oauth-m2m', clientId, clientSecret: new Secret(clientSecret) };
}

/**
 * Resolves host and credentials like the official tools: explicit options, then the environment, then a
 * profile of `~/.databrickscfg`. The host and the credentials are each taken from the first layer that
 * has them; two credential kinds in that layer is an error, as is half of an OAuth pair.
 */
export function resolveConfig(options: DatabricksConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? homedir();
  const fileFromEnv = nonEmpty(env['DATABRICKS_CONFIG_FILE']);
  const configFile = options.configFile ?? fileFromEnv ?? join(home, '.databrickscfg');
  const profileFromEnv = nonEmpty(env['DATABRICKS_CONFIG_PROFILE']);
  const profile = options.profile ?? profileFromEnv ?? 'DEFAULT';
  const profileNamed = options.profile !== undefined || profileFromEnv !== undefined;

  const explicit: Layer = {
    source: 'explicit',
    describe: (key) => `the ${OPTION_NAMES[key]} option`,
    values: pick(
      {
        host: options.host,
        token: options.token,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        warehouseId: options.warehouseId,
      },
      OPTION_NAMES,
    ),
  };
  const fromEnv: Layer = { source: 'env', describe: (key) => ENV_NAMES[key], values: pick(env, ENV_NAMES) };
  const fileLayer = readProfileLayer(
    configFile,
    profile,
    profileNamed,
    options.configFile !== undefined || fileFromEnv !== undefined,
    home,
  );
  const layers = [explicit, fromEnv, ...(fileLayer ? [fileLayer] : [])];
  const shownFile = displayPath(configFile, home);

  const hostLayer = layers.find((l) => l.values.host !== undefined);
  if (!hostLayer) {
    throw new DatabricksConfigError(
      ClientErrorCode.configMissing,
      `No Databricks host is configured. Set DATABRICKS_HOST (e.g. https://adb-123.4.azuredatabricks.net), ` +
        `pass the host option, or add "host = …" to profile [${profile}] of ${shownFile}.`,
    );
  }
  const host = normaliseHost(hostLayer.values.host as string, hostLayer.describe('host'));

  let credentials: Credentials | undefined;
  let credentialsLayer: Layer | undefined;
  for (const layer of layers) {
    credentials = credentialsFrom(layer);
    if (credentials) {
      credentialsLayer = layer;
      break;
    }
  }
  if (!credentials || !credentialsLayer) {
    throw new DatabricksConfigError(
      ClientErrorCode.configMissing,
      `No Databricks credentials are configured for ${host}. Set DATABRICKS_TOKEN (a personal access token), ` +
        `or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal), or add them to profile ` +
        `[${profile}] of ${shownFile}.`,
    );
  }
  const warehouseLayer = layers.find((l) => l.values.warehouseId !== undefined);
  return {
    host,
    credentials,
    ...(warehouseLayer ? { warehouseId: warehouseLayer.values.warehouseId } : {}),
    ...(fileLayer ? { profile } : {}),
    configFile,
    sources: {
      host: hostLayer.source,
      credentials: credentialsLayer.source,
      ...(warehouseLayer ? { warehouseId: warehouseLayer.source } : {}),
    },
  };
}

/** One line for logs and `--verbose` output: where host and credentials came from, no secret values. */
export function describeConfig(config: ResolvedConfig): string {
  const auth =
    config.credentials.kind === 'pat' ? 'personal access token' : `OAuth M2M (client ${config.credentials.clientId})`;
  const where = (s: ConfigSource) =>
    s === 'profile' ? `profile [${config.profile}]` : s === 'env' ? 'environment' : 'options';
  return `${config.host} (from ${where(config.sources.host)}), ${auth} (from ${where(config.sources.credentials)})`;
}

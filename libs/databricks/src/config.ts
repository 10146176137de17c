import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS_SECTION, defaultProfileOf, parseConfigFile, type ConfigProfiles } from './config-file.js';
import { findDatabricksCli } from './databricks-cli.js';
import { ClientErrorCode, DatabricksConfigError } from './errors.js';
import { parseWorkspaceHost } from './host.js';
import { Secret } from './secret.js';

/** The authentication methods fraudops speaks, named as the official SDKs name them (`auth_type`). */
export const AUTH_TYPES = ['pat', 'basic', 'oauth-m2m', 'github-oidc', 'databricks-cli'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** What a caller may pass explicitly; anything left out comes from the environment, then the config file. */
export interface DatabricksConfigOptions {
  /** Workspace URL, e.g. `https://adb-123.4.azuredatabricks.net` (`https://` is added when missing). */
  host?: string;
  /** Personal access token (`pat`). */
  token?: string;
  /** Basic auth user name (`basic`). */
  username?: string;
  /** Basic auth password (`basic`). */
  password?: string;
  /** Service principal's application id (`oauth-m2m`, `github-oidc`). */
  clientId?: string;
  /** OAuth M2M client secret (`oauth-m2m`). */
  clientSecret?: string;
  /** Picks one method and ignores the others' settings. @defaultValue `DATABRICKS_AUTH_TYPE`, else tried in order */
  authType?: string;
  /** Audience of the GitHub ID token (`github-oidc`). @defaultValue the workspace token endpoint URL */
  tokenAudience?: string;
  /** The Databricks CLI (`databricks-cli`). @defaultValue `databricks` found on PATH */
  databricksCliPath?: string;
  /** SQL warehouse id for the SQL engine. */
  warehouseId?: string;
  /** Profile of the config file. @defaultValue `DATABRICKS_CONFIG_PROFILE`, else `[__settings__] default_profile`, else `DEFAULT` */
  profile?: string;
  /** Config file path. @defaultValue `DATABRICKS_CONFIG_FILE`, else `~/.databrickscfg` */
  configFile?: string;
  /** The environment to read. @defaultValue `process.env` */
  env?: Record<string, string | undefined>;
  /** Where `~` is. @defaultValue `os.homedir()` */
  homeDir?: string;
}

export type Credentials =
  | { kind: 'pat'; token: Secret }
  | { kind: 'basic'; username: string; password: Secret }
  | { kind: 'oauth-m2m'; clientId: string; clientSecret: Secret }
  | {
      kind: 'github-oidc';
      /** Absent for account-wide federation (the Go SDK allows it). */
      clientId?: string;
      /** `ACTIONS_ID_TOKEN_REQUEST_URL` of the GitHub job. */
      idTokenRequestUrl: string;
      /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN` of the GitHub job. */
      idTokenRequestToken: Secret;
      /** Audience to ask GitHub for; undefined means the workspace token endpoint URL. */
      audience?: string;
    }
  | { kind: 'databricks-cli'; cliPath: string };

/** Where a setting came from. */
export type ConfigSource = 'explicit' | 'env' | 'file';

type AttributeKey =
  | 'host'
  | 'token'
  | 'username'
  | 'password'
  | 'clientId'
  | 'clientSecret'
  | 'authType'
  | 'tokenAudience'
  | 'databricksCliPath'
  | 'warehouseId'
  | 'profile'
  | 'configFile';

interface Attribute {
  key: AttributeKey;
  /** The name in the config file and in messages (`client_id`). */
  name: string;
  env: string;
  sensitive?: boolean;
  /** The group the "more than one authorization method" check counts, as the SDKs tag their attributes. */
  auth?: 'pat' | 'basic' | 'oauth';
  /** Not read from a profile (it chooses the profile). */
  notInFile?: boolean;
}

/** In the order the SDKs print them in `Config: …`. */
const ATTRIBUTES: readonly Attribute[] = [
  { key: 'host', name: 'host', env: 'DATABRICKS_HOST' },
  { key: 'token', name: 'token', env: 'DATABRICKS_TOKEN', sensitive: true, auth: 'pat' },
  { key: 'username', name: 'username', env: 'DATABRICKS_USERNAME', auth: 'basic' },
  { key: 'password', name: 'password', env: 'DATABRICKS_PASSWORD', sensitive: true, auth: 'basic' },
  { key: 'clientId', name: 'client_id', env: 'DATABRICKS_CLIENT_ID', auth: 'oauth' },
  { key: 'clientSecret', name: 'client_secret', env: 'DATABRICKS_CLIENT_SECRET', sensitive: true, auth: 'oauth' },
  { key: 'authType', name: 'auth_type', env: 'DATABRICKS_AUTH_TYPE' },
  { key: 'tokenAudience', name: 'token_audience', env: 'DATABRICKS_TOKEN_AUDIENCE' },
  { key: 'databricksCliPath', name: 'databricks_cli_path', env: 'DATABRICKS_CLI_PATH' },
  { key: 'warehouseId', name: 'warehouse_id', env: 'DATABRICKS_WAREHOUSE_ID' },
  { key: 'profile', name: 'profile', env: 'DATABRICKS_CONFIG_PROFILE', notInFile: true },
  { key: 'configFile', name: 'config_file', env: 'DATABRICKS_CONFIG_FILE', notInFile: true },
];

const GITHUB_URL_ENV = 'ACTIONS_ID_TOKEN_REQUEST_URL';
const GITHUB_TOKEN_ENV = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';

export interface ResolvedConfig {
  /** `<scheme>://<host>[:port]`, nothing else (REST calls go to `<host>/api/…`). */
  host: string;
  /** From a pasted browser URL's `?o=<id>`. */
  workspaceId?: string;
  authType: AuthType;
  credentials: Credentials;
  warehouseId?: string;
  /** The profile read, when the config file contributed anything. */
  profile?: string;
  /** The config file looked at (it may not exist). */
  configFile: string;
  /** Where each setting that was found came from. */
  sources: Partial<Record<AttributeKey, ConfigSource>>;
  /** `Config: host=…, token=***. Env: DATABRICKS_HOST, DATABRICKS_TOKEN` — secrets masked. */
  debug: string;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** `~/.databrickscfg` shown as the user would type it. */
function displayPath(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

/** The settings as they are collected, layer by layer; the first source of each attribute wins. */
class Collected {
  readonly values: Partial<Record<AttributeKey, string>> = {};
  readonly sources: Partial<Record<AttributeKey, ConfigSource>> = {};
  /** Facts that explain a failure without being one (a named profile in a file that does not exist). */
  readonly notes: string[] = [];

  set(key: AttributeKey, value: string | undefined, source: ConfigSource): void {
    const v = nonEmpty(value);
    if (v !== undefined && this.values[key] === undefined) {
      this.values[key] = v;
      this.sources[key] = source;
    }
  }

  anyAuth(): boolean {
    return ATTRIBUTES.some((a) => a.auth && this.values[a.key] !== undefined);
  }

  /** `Config: host=https://x, token=***, profile=nohost. Env: DATABRICKS_TOKEN, DATABRICKS_CONFIG_PROFILE`. */
  debug(): string {
    const set = ATTRIBUTES.filter((a) => this.values[a.key] !== undefined);
    if (set.length === 0) return '';
    const config = set.map((a) => `${a.name}=${a.sensitive ? '***' : this.values[a.key]}`).join(', ');
    const env = set.filter((a) => this.sources[a.key] === 'env').map((a) => a.env);
    return `Config: ${config}.${env.length ? ` Env: ${env.join(', ')}` : ''}`;
  }
}

function fail(code: ClientErrorCode, message: string, collected: Collected): never {
  const text = [message, ...collected.notes].join('; ');
  const debug = collected.debug();
  throw new DatabricksConfigError(code, debug ? `${text}. ${debug}` : `${text}.`);
}

function readConfigFile(path: string, shown: string, collected: Collected): ConfigProfiles | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // A missing file is not an error: something else may configure the client (as in every SDK).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    fail(ClientErrorCode.configInvalid, `cannot read the config file ${shown}: ${(error as Error).message}`, collected);
  }
  return parseConfigFile(text);
}

/** Loads the profile's settings into `collected`, unless the SDK rule says to leave the file alone. */
function loadProfile(collected: Collected, configFile: string, home: string): string | undefined {
  const named = collected.values.profile;
  // Settings from options or the environment that already say where and who: the file is not looked at, so a
  // [DEFAULT] token can never travel to another workspace's host.
  if (named === undefined && (collected.values.host !== undefined || collected.anyAuth())) return undefined;
  const shown = displayPath(configFile, home);
  const profiles = readConfigFile(configFile, shown, collected);
  if (!profiles) {
    if (named !== undefined) collected.notes.push(`profile ${named} was named, but ${shown} does not exist`);
    return undefined;
  }
  const fromSettings = named === undefined ? defaultProfileOf(profiles) : undefined;
  const profile = named ?? fromSettings ?? 'DEFAULT';
  const explicit = named !== undefined || fromSettings !== undefined;
  if (profile === SETTINGS_SECTION) {
    fail(
      ClientErrorCode.configInvalid,
      `resolve: [${SETTINGS_SECTION}] of ${shown} holds settings and cannot be used as a profile`,
      collected,
    );
  }
  const section = profiles.get(profile);
  if (!section || section.size === 0) {
    if (!explicit) return undefined;
    const known = [...profiles.keys()].filter((p) => p !== SETTINGS_SECTION);
    const where = fromSettings !== undefined ? ` (default_profile in [${SETTINGS_SECTION}])` : '';
    fail(
      ClientErrorCode.configMissing,
      `resolve: ${shown} has no ${profile} profile configured${where}; it has ` +
        (known.length ? known.map((p) => `[${p}]`).join(', ') : 'no profiles'),
      collected,
    );
  }
  if (fromSettings !== undefined) collected.set('profile', fromSettings, 'file');
  for (const attribute of ATTRIBUTES) {
    if (!attribute.notInFile) collected.set(attribute.key, section.get(attribute.name), 'file');
  }
  return profile;
}

interface AuthContext {
  collected: Collected;
  env: Record<string, string | undefined>;
}

/** The credentials of one method, or undefined when its settings are not all there (`missing` says which). */
function credentialsFor(type: AuthType, { collected, env }: AuthContext, missing: string[]): Credentials | undefined {
  const v = collected.values;
  const need = (...names: Array<[string | undefined, string]>) => {
    for (const [value, name] of names) if (value === undefined) missing.push(name);
    return missing.length === 0;
  };
  switch (type) {
    case 'pat':
      return need([v.token, 'token']) ? { kind: 'pat', token: new Secret(v.token as string) } : undefined;
    case 'basic':
      return need([v.username, 'username'], [v.password, 'password'])
        ? { kind: 'basic', username: v.username as string, password: new Secret(v.password as string) }
        : undefined;
    case 'oauth-m2m':
      return need([v.clientId, 'client_id'], [v.clientSecret, 'client_secret'])
        ? { kind: 'oauth-m2m', clientId: v.clientId as string, clientSecret: new Secret(v.clientSecret as string) }
        : undefined;
    case 'github-oidc': {
      const url = nonEmpty(env[GITHUB_URL_ENV]);
      const token = nonEmpty(env[GITHUB_TOKEN_ENV]);
      if (!need([url, GITHUB_URL_ENV], [token, GITHUB_TOKEN_ENV])) return undefined;
      return {
        kind: 'github-oidc',
        ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
        idTokenRequestUrl: url as string,
        idTokenRequestToken: new Secret(token as string),
        ...(v.tokenAudience !== undefined ? { audience: v.tokenAudience } : {}),
      };
    }
    case 'databricks-cli': {
      const cliPath = findDatabricksCli(v.databricksCliPath, env['PATH']);
      if (cliPath === undefined) {
        missing.push(
          v.databricksCliPath !== undefined
            ? `the Databricks CLI at databricks_cli_path ${v.databricksCliPath} (not an executable file)`
            : 'the Databricks CLI: `databricks` is not on PATH (install it, or set DATABRICKS_CLI_PATH)',
        );
        return undefined;
      }
      return { kind: 'databricks-cli', cliPath };
    }
  }
}

const NO_CREDENTIALS = 'default auth: cannot configure default credentials';

function chooseCredentials(ctx: AuthContext): { authType: AuthType; credentials: Credentials } {
  const { collected } = ctx;
  const v = collected.values;
  const requested = v.authType;
  if (requested !== undefined) {
    if (!(AUTH_TYPES as readonly string[]).includes(requested)) {
      fail(
        ClientErrorCode.configInvalid,
        `auth_type "${requested}" is not one fraudops supports (${AUTH_TYPES.join(', ')})`,
        collected,
      );
    }
    const type = requested as AuthType;
    const missing: string[] = [];
    const credentials = credentialsFor(type, ctx, missing);
    if (v.host === undefined) missing.unshift('host');
    if (!credentials || v.host === undefined) {
      fail(ClientErrorCode.configMissing, `${type} auth: not configured: missing ${missing.join(', ')}`, collected);
    }
    return { authType: type, credentials };
  }

  const groups = [...new Set(ATTRIBUTES.filter((a) => a.auth && v[a.key] !== undefined).map((a) => a.auth))].sort();
  if (groups.length > 1) {
    fail(
      ClientErrorCode.configInvalid,
      `validate: more than one authorization method configured: ${groups.join(' and ')}. ` +
        'Keep one, or pick one with auth_type / DATABRICKS_AUTH_TYPE',
      collected,
    );
  }
  if (v.host === undefined) {
    const hint = collected.anyAuth()
      ? ': the host is missing (set DATABRICKS_HOST, the host option, or host in the profile)'
      : ': no workspace is configured (set DATABRICKS_HOST and DATABRICKS_TOKEN, or a profile in ~/.databrickscfg)';
    fail(ClientErrorCode.configMissing, `${NO_CREDENTIALS}${hint}`, collected);
  }
  // Tried in the SDKs' order; databricks-cli runs an external program and is used only when asked for.
  const chain: AuthType[] = ['pat', 'basic', 'oauth-m2m', 'github-oidc'];
  for (const type of chain) {
    if (type === 'github-oidc' && v.clientSecret !== undefined) continue;
    const credentials = credentialsFor(type, ctx, []);
    if (credentials) return { authType: type, credentials };
  }
  const half =
    v.username !== undefined || v.password !== undefined
      ? ': basic needs both username and password'
      : v.clientSecret !== undefined
        ? ': oauth-m2m needs client_id with client_secret'
        : ': set a token (DATABRICKS_TOKEN), a service principal (DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET), ' +
          'or auth_type (github-oidc, databricks-cli)';
  fail(ClientErrorCode.configMissing, `${NO_CREDENTIALS}${half}`, collected);
}

/**
 * Resolves host and credentials exactly like the official SDKs (see the reference databricks-auth.md): explicit
 * options, then `DATABRICKS_*` variables, then one profile of the config file, first source winning per setting;
 * the file is skipped when no profile is named and the host or a credential is already set; a missing file is
 * ignored; `auth_type` picks one method, otherwise two configured methods are an error.
 */
export function resolveConfig(options: DatabricksConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? homedir();
  const collected = new Collected();
  for (const a of ATTRIBUTES) collected.set(a.key, options[a.key], 'explicit');
  for (const a of ATTRIBUTES) collected.set(a.key, env[a.env], 'env');
  const configFile = collected.values.configFile ?? join(home, '.databrickscfg');
  const profile = loadProfile(collected, configFile, home);

  let host: ReturnType<typeof parseWorkspaceHost> | undefined;
  if (collected.values.host !== undefined) {
    const source = collected.sources.host;
    const from =
      source === 'env' ? 'DATABRICKS_HOST' : source === 'file' ? `host in profile [${profile}]` : 'the host option';
    host = parseWorkspaceHost(collected.values.host, from);
    collected.values.host = host.url;
  }
  const { authType, credentials } = chooseCredentials({ collected, env });
  return {
    host: (host as NonNullable<typeof host>).url,
    ...(host?.workspaceId ? { workspaceId: host.workspaceId } : {}),
    authType,
    credentials,
    ...(collected.values.warehouseId !== undefined ? { warehouseId: collected.values.warehouseId } : {}),
    ...(profile !== undefined ? { profile: collected.values.profile ?? profile } : {}),
    configFile,
    sources: { ...collected.sources },
    debug: collected.debug(),
  };
}

/** One line for logs and `--verbose` output: host, method and where the settings came from, no secret values. */
export function describeConfig(config: ResolvedConfig): string {
  const who =
    config.credentials.kind === 'oauth-m2m' ||
    (config.credentials.kind === 'github-oidc' && config.credentials.clientId)
      ? ` (client ${config.credentials.clientId})`
      : config.credentials.kind === 'basic'
        ? ` (user ${config.credentials.username})`
        : '';
  return `${config.host}, auth ${config.authType}${who}. ${config.debug}`;
}

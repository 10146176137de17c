import {
  credentialsProvider,
  type CredentialsProvider,
  type ResolvedConfig,
  ClientErrorCode,
  DatabricksConfigError,
  parseWorkspaceHost,
  type WorkspaceHost,
} from '@fraudops/databricks';

/** Where and how to reach a SQL warehouse. */
export interface DatabricksSqlEngineOptions {
  /**
   * Workspace host: `adb-123.4.azuredatabricks.net` or its URL (`https://…`, a port in the URL counts; a path or
   * query, as in a URL pasted from the browser, is dropped exactly as for REST calls).
   */
  host: string;
  /** HTTP path of the warehouse, e.g. `/sql/1.0/warehouses/abc123`. Give this or `warehouseId`. */
  httpPath?: string;
  /** Warehouse id; the HTTP path becomes `/sql/1.0/warehouses/<id>`. */
  warehouseId?: string;
  /** Personal access token. Give this or `credentials`. */
  token?: string;
  /** Produces the `Authorization` header per request (OAuth M2M renews its token here). */
  credentials?: Pick<CredentialsProvider, 'authorization'>;
  /** @defaultValue 443, or the port in `host` */
  port?: number;
  /**
   * Verify the warehouse's TLS certificate. Turn off only for a local warehouse, or better trust its certificate
   * with `customCaCert`. @defaultValue true
   */
  checkServerCertificate?: boolean;
  /** Extra PEM certificate to trust (added to the system roots). */
  customCaCert?: string | Buffer;
  /** Rows per FetchResults call. @defaultValue 100000 (the driver's default) */
  chunkSize?: number;
  /**
   * Total attempts for a request the driver may retry (429/503, connection resets). @defaultValue 5 (the
   * driver's default; it backs off for up to 15 minutes)
   */
  retryMaxAttempts?: number;
}

/** The settings the driver's `connect()` is given, secrets excluded (they travel in the auth provider). */
export interface DriverConnection {
  host: string;
  port: number;
  path: string;
  checkServerCertificate: boolean;
  customCaCert?: string | Buffer;
  retryMaxAttempts?: number;
  authorization: () => Promise<string>;
  /** Secret values to scrub from any error text (OAuth tokens join as they are issued). */
  secrets: Set<string>;
}

export const DEFAULT_CHUNK_SIZE = 100_000;

/** Validates the options and turns them into driver settings; every problem names the option to fix. */
// eslint-disable-next-line max-lines-per-function -- one check per option, each naming the option it refuses; a flat list reads better than helpers per option
export function driverConnectionFor(options: DatabricksSqlEngineOptions): DriverConnection {
  const invalid = (message: string, cause?: unknown) =>
    new DatabricksConfigError(ClientErrorCode.configInvalid, message, cause === undefined ? {} : { cause });
  const missing = (message: string) => new DatabricksConfigError(ClientErrorCode.configMissing, message);
  const rawHost = options.host?.trim();
  if (!rawHost)
    throw missing('SQL engine: no host. Pass `host` (the workspace URL), e.g. https://adb-123.4.azuredatabricks.net.');
  // The same normalisation as REST (scheme + host only, `:443` dropped), so both always reach one workspace.
  let workspace: WorkspaceHost;
  try {
    workspace = parseWorkspaceHost(rawHost, 'SQL engine `host`');
  } catch (error) {
    throw invalid(`SQL engine: host "${rawHost}" is not a host name or URL.`, error);
  }
  if (workspace.scheme !== 'https')
    throw invalid(`SQL engine: host "${rawHost}" must use https (the driver only speaks TLS).`);

  if (options.httpPath && options.warehouseId) {
    throw invalid('SQL engine: pass `httpPath` or `warehouseId`, not both.');
  }
  const path =
    options.httpPath?.trim() ||
    (options.warehouseId?.trim() ? `/sql/1.0/warehouses/${options.warehouseId.trim()}` : '');
  if (!path) {
    throw missing(
      'SQL engine: no warehouse. Pass `warehouseId` (or DATABRICKS_WAREHOUSE_ID) or the warehouse `httpPath`.',
    );
  }

  if (options.token !== undefined && options.credentials !== undefined) {
    throw invalid('SQL engine: pass `token` or `credentials`, not both.');
  }
  let authorization: () => Promise<string>;
  const secrets = new Set<string>();
  if (options.token !== undefined) {
    const token = options.token.trim();
    if (!token) throw missing('SQL engine: `token` is empty. Pass a personal access token or OAuth `credentials`.');
    secrets.add(token);
    const header = `Bearer ${token}`;
    authorization = async () => header;
  } else if (options.credentials) {
    const { credentials } = options;
    authorization = async () => {
      const header = await credentials.authorization();
      secrets.add(header.replace(/^Bearer\s+/i, ''));
      return header;
    };
  } else {
    throw missing('SQL engine: no credentials. Pass `token` (a personal access token) or OAuth `credentials`.');
  }

  const port = options.port ?? workspace.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw invalid(`SQL engine: port ${port} is not a TCP port.`);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw invalid(`SQL engine: chunkSize ${chunkSize} must be a positive integer.`);

  return {
    host: workspace.hostname,
    port,
    path: path.startsWith('/') ? path : `/${path}`,
    checkServerCertificate: options.checkServerCertificate ?? true,
    ...(options.customCaCert !== undefined ? { customCaCert: options.customCaCert } : {}),
    ...(options.retryMaxAttempts !== undefined ? { retryMaxAttempts: options.retryMaxAttempts } : {}),
    authorization,
    secrets,
  };
}

/** Engine options from a resolved workspace configuration (explicit options → env → ~/.databrickscfg). */
export function sqlEngineOptionsFromConfig(
  config: ResolvedConfig,
  overrides: Partial<Omit<DatabricksSqlEngineOptions, 'host' | 'token' | 'credentials'>> = {},
): DatabricksSqlEngineOptions {
  const warehouseId = overrides.warehouseId ?? config.warehouseId;
  const { credentials } = config;
  return {
    ...overrides,
    host: config.host,
    ...(overrides.httpPath ? {} : { warehouseId }),
    ...(credentials.kind === 'pat'
      ? { token: credentials.token.reveal() }
      : { credentials: credentialsProvider(config.host, credentials) }),
  };
}

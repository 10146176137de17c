import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { ApiError } from './api-error.js';
import { EmulatorAuth, type BasicUser, type ServicePrincipal } from './auth.js';
import type { EmulatorContext } from './context.js';
import { FaultInjector, faultFromJson } from './faults.js';
import { registerFilesApi } from './files-api.js';
import { GitRemotes } from './git.js';
import { GITHUB_ISSUER_PATH, GitHubIssuerStandIn, type GitHubJob } from './github-issuer.js';
import { registerJobsApi } from './jobs-api.js';
import { modelFilePath, registerModelsApi } from './models-api.js';
import { localPathOf, normaliseWorkspacePath, workspaceLocalPath, type LocalRoots } from './paths.js';
import { registerReposApi, seedRepo } from './repos-api.js';
import { parseJsonBody, type Reply, Router } from './routing.js';
import { RunEngine } from './run-engine.js';
import { StateStore } from './state.js';
import type { FederationPolicy } from './token-exchange.js';
import { registerWorkspaceApi } from './workspace-api.js';
import { errorMessage } from '@fraudops/core';

export const DEFAULT_TOKEN = 'dapi-fraudops-emulator';
export const DEFAULT_PYTHON = '/usr/bin/python3';
/** The all-purpose cluster an emulator has unless told otherwise (the service's `MMDD-HHMMSS-xxxxxxxx` form). */
export const DEFAULT_CLUSTER_ID = '0101-000000-emulator';

export interface EmulatorOptions {
  /** REST port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** Personal access tokens the workspace accepts. @defaultValue ['dapi-fraudops-emulator'] */
  tokens?: string[];
  /** Service principals that can get OAuth M2M tokens from `/oidc/v1/token`. */
  servicePrincipals?: ServicePrincipal[];
  /** Lifetime of OAuth tokens the emulator issues. @defaultValue 3600 */
  oauthTokenLifetimeSeconds?: number;
  /** Users who may sign in with HTTP Basic auth. */
  basicUsers?: BasicUser[];
  /** GitHub Actions jobs the GitHub stand-in (`/__github`) issues ID tokens to. */
  githubJobs?: GitHubJob[];
  /**
   * Federation policies of service principals: a signed OIDC token whose issuer (default: the GitHub stand-in),
   * subject and audience (default: the token endpoint URL) match is exchanged for a workspace token.
   */
  federationPolicies?: FederationPolicy[];
  /** The time OAuth and ID tokens expire against; tests move it instead of waiting. @defaultValue Date.now */
  now?: () => number;
  /** Keep jobs, runs, Git folders and models in this JSON file across restarts. @defaultValue in memory only */
  stateFile?: string;
  /**
   * Where the workspace tree, volumes and run scratch space live.
   * @defaultValue `<stateFile>.data` with a state file, else a temporary directory removed on close
   */
  dataDir?: string;
  /** Git URL → local (bare) repository standing in for that remote. */
  gitRemotes?: Record<string, string>;
  /** Git folders to create at start-up (their parent folders are created too). */
  seedRepos?: Array<{ path: string; url: string; provider?: string }>;
  /** Python for spark_python_task. @defaultValue FRAUDOPS_PYTHON, else /usr/bin/python3 */
  python?: string;
  /** Run life-cycle pacing; tests use a few milliseconds. */
  runner?: { tickMs?: number };
  /** DuckDB database (file or ':memory:') of the SQL warehouse. @defaultValue `<dataDir>/warehouse.duckdb` */
  database?: string;
  /**
   * DuckDB database that sql_task files run on. A separate file for now: two DuckDB instances must never
   * open one file in one process, and the warehouse opens its own (see the README, "SQL").
   * @defaultValue `<dataDir>/sql-tasks.duckdb`
   */
  sqlTaskDatabase?: string;
  /** Also start the SQL warehouse endpoint for `@databricks/sql` (HTTPS, self-signed). @defaultValue false */
  sqlWarehouse?: boolean | { port?: number; warehouseId?: string };
  /**
   * All-purpose clusters that exist: a task's `existing_cluster_id` must be one of them (tasks run on this
   * machine whatever the cluster). @defaultValue [DEFAULT_CLUSTER_ID]
   */
  clusters?: string[];
  /** The user objects are created by. @defaultValue 'emulator@fraudops.local' */
  userName?: string;
  /** The environment tasks inherit. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

export interface SqlWarehouseConnection {
  host: string;
  port: number;
  /** HTTP path for the driver, `/sql/1.0/warehouses/<id>`. */
  path: string;
  warehouseId: string;
  /** The self-signed certificate: pass as `customCaCert` (or connect with `checkServerCertificate: false`). */
  certificatePem: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number | 'dropped';
  /** Set when an injected fault shaped the answer. */
  fault?: 'latency' | 'status' | 'drop';
}

export interface Emulator {
  /** `http://127.0.0.1:<port>` — the DATABRICKS_HOST to use. */
  url: string;
  host: string;
  port: number;
  /** The first accepted token — the DATABRICKS_TOKEN to use. */
  token: string;
  tokens: string[];
  dataDir: string;
  /** Local directory behind `/Volumes` (tasks get it as FRAUDOPS_VOLUMES_ROOT). */
  volumesRoot: string;
  /** Local directory behind the workspace tree (`/Repos`, `/Users`, `/Shared`). */
  workspaceRoot: string;
  sqlWarehouse?: SqlWarehouseConnection;
  /** The GitHub stand-in: a job's `ACTIONS_ID_TOKEN_REQUEST_URL`, the issuer URL, and its signer (for tests). */
  github: {
    idTokenRequestUrl: string;
    issuer: string;
    /** An ID token signed by the stand-in's key with these claims (e.g. one that has already expired). */
    signIdToken(subject: string, audience: string, lifetimeSeconds?: number): string;
  };
  faults: FaultInjector;
  /** Every request answered (or dropped), in order. */
  requests: RequestLogEntry[];
  /** The local file behind a workspace path, a `/Volumes` path, a model version's `/Models` path, or a local path. */
  localPath(path: string): string;
  /** Maps a Git URL to a local repository from now on. */
  addGitRemote(url: string, localRepository: string): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function decodePath(rawUrl: string): { path: string; query: URLSearchParams } {
  const url = new URL(rawUrl, 'http://emulator');
  const path = url.pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
  return { path, query: url.searchParams };
}

function write(response: ServerResponse, reply: Reply, requestId: string): void {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...reply.headers };
  if (reply.raw instanceof Readable) {
    response.writeHead(reply.status, headers);
    reply.raw.pipe(response);
    return;
  }
  const body = reply.raw ?? (reply.json === undefined ? undefined : Buffer.from(JSON.stringify(reply.json)));
  if (reply.json !== undefined) headers['content-type'] = 'application/json';
  if (body && !headers['content-length']) headers['content-length'] = String(body.length);
  response.writeHead(reply.status, headers);
  response.end(body);
}

const errorReply = (error: ApiError): Reply => ({
  status: error.status,
  json: { error_code: error.errorCode, message: error.message },
});

/** Starts a local stand-in for a Databricks workspace. See the README for what it covers. */
// eslint-disable-next-line max-lines-per-function -- the emulator's wiring: state, auth, run engine, every API's routes and the HTTP handler share these objects
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const env = options.env ?? process.env;
  const tokens = options.tokens?.length ? options.tokens : [DEFAULT_TOKEN];
  const ownsDataDir = !options.dataDir && !options.stateFile;
  const dataDir =
    options.dataDir ??
    (options.stateFile ? `${options.stateFile}.data` : mkdtempSync(join(tmpdir(), 'fraudops-emulator-')));
  const roots: LocalRoots = { workspaceRoot: join(dataDir, 'workspace'), volumesRoot: join(dataDir, 'volumes') };
  const userName = options.userName ?? 'emulator@fraudops.local';
  for (const top of ['Repos', 'Shared', `Users/${userName}`])
    mkdirSync(join(roots.workspaceRoot, top), { recursive: true });
  mkdirSync(roots.volumesRoot, { recursive: true });

  let baseUrl = '';
  const state = new StateStore(options.stateFile);
  const gitRemotes = new GitRemotes(options.gitRemotes);
  const clusters = new Set(options.clusters ?? [DEFAULT_CLUSTER_ID]);
  const ctx: EmulatorContext = { state, roots, gitRemotes, dataDir, userName, clusters, baseUrl: () => baseUrl };
  const now = options.now ?? Date.now;
  const auth = new EmulatorAuth({
    tokens,
    basicUsers: options.basicUsers,
    servicePrincipals: options.servicePrincipals,
    federationPolicies: options.federationPolicies,
    oauthTokenLifetimeSeconds: options.oauthTokenLifetimeSeconds,
    now,
  });
  const github = new GitHubIssuerStandIn({ jobs: options.githubJobs ?? [], now });
  const database = options.database ?? join(dataDir, 'warehouse.duckdb');
  const engine = new RunEngine(ctx, {
    tickMs: options.runner?.tickMs ?? 250,
    python: options.python ?? env['FRAUDOPS_PYTHON'] ?? DEFAULT_PYTHON,
    database: options.sqlTaskDatabase ?? join(dataDir, 'sql-tasks.duckdb'),
    taskToken: tokens[0],
    baseEnv: env,
  });
  const faults = new FaultInjector();
  const requests: RequestLogEntry[] = [];

  const router = new Router();
  auth.register(router, () => baseUrl);
  github.register(router, () => baseUrl);
  registerWorkspaceApi(router, ctx);
  registerReposApi(router, ctx);
  registerJobsApi(router, ctx, engine);
  registerFilesApi(router, ctx);
  registerModelsApi(router, ctx);
  // Test and tooling hooks, behind the same bearer auth; not part of the Databricks API.
  router.add('POST', '/__emulator/faults', async (req) => {
    faults.inject(faultFromJson(await req.json()));
    return { status: 200, json: {} };
  });
  router.add('DELETE', '/__emulator/faults', () => {
    faults.clear();
    return { status: 200, json: {} };
  });
  router.add('GET', '/__emulator/requests', () => ({ status: 200, json: { requests } }));
  router.add('GET', '/__emulator/local-path', (req) => ({
    status: 200,
    json: { local_path: localPathOf(roots, req.query.get('path') ?? '') },
  }));
  router.add('POST', '/__emulator/git-remotes', async (req) => {
    const body = await req.json<{ url?: string; path?: string }>();
    if (!body.url || !body.path) throw new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Both url and path are required.');
    gitRemotes.add(body.url, body.path);
    return { status: 200, json: {} };
  });

  // eslint-disable-next-line max-lines-per-function -- the request path (fault injection, auth, routing, reply, request log) as the service sees it, in order
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const { path, query } = decodePath(request.url ?? '/');
    const requestId = randomUUID();
    const fault = faults.take(method, path);
    const kind = fault ? ('latencyMs' in fault ? 'latency' : 'status' in fault ? 'status' : 'drop') : undefined;
    const log = (status: RequestLogEntry['status']) =>
      requests.push({ method, path, status, ...(kind ? { fault: kind } : {}) });
    if (fault && 'latencyMs' in fault) await sleep(fault.latencyMs);
    if (fault && 'drop' in fault && fault.drop === 'before') {
      log('dropped');
      request.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      request.resume();
      const code = fault.errorCode ?? (fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE');
      const message =
        fault.message ??
        (fault.status === 429
          ? 'Too many requests. Please wait a moment and try again.'
          : 'The service is temporarily unavailable.');
      write(
        response,
        {
          status: fault.status,
          headers: fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
          json: { error_code: code, message },
        },
        requestId,
      );
      log(fault.status);
      return;
    }
    let reply: Reply;
    try {
      if (!path.startsWith('/oidc/') && !path.startsWith(`${GITHUB_ISSUER_PATH}/`)) auth.check(request.headers);
      const match = router.match(method, path);
      if (typeof match === 'string') {
        throw new ApiError(
          404,
          'ENDPOINT_NOT_FOUND',
          `No API found for '${method} ${path}'${match === 'no-method' ? ' (wrong method)' : ''}.`,
        );
      }
      reply = await match.handler({
        method,
        path,
        params: match.params,
        query,
        headers: request.headers,
        request,
        json: <T>() => parseJsonBody<T>(request),
      });
    } catch (error) {
      if (error instanceof ApiError) reply = errorReply(error);
      else {
        process.stderr.write(
          `databricks-emulator: ${method} ${path} failed: ${errorMessage(error, { stack: true })}\n`,
        );
        reply = errorReply(new ApiError(500, 'INTERNAL_ERROR', `The emulator failed: ${errorMessage(error)}`));
      }
      if (!request.readableEnded) request.resume();
    }
    if (fault && 'drop' in fault) {
      // the work is done, the answer is lost
      if (reply.raw instanceof Readable) reply.raw.destroy();
      log('dropped');
      request.socket.destroy();
      return;
    }
    if (method === 'HEAD') reply = { status: reply.status, headers: reply.headers };
    write(response, reply, requestId);
    log(reply.status);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      process.stderr.write(`databricks-emulator: ${String(error)}\n`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = options.host ?? address;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  for (const seed of options.seedRepos ?? []) {
    mkdirSync(dirname(workspaceLocalPath(roots, normaliseWorkspacePath(seed.path))), { recursive: true });
    await seedRepo(ctx, seed.path, seed.url, seed.provider);
  }

  let sqlWarehouse: (SqlWarehouseConnection & { close(): Promise<void> }) | undefined;
  if (options.sqlWarehouse) {
    const settings = typeof options.sqlWarehouse === 'object' ? options.sqlWarehouse : {};
    // Loaded only when asked for: it pulls in the SQL driver's Thrift code and DuckDB.
    const { startSqlWarehouse } = await import('./sql-warehouse/index.js');
    sqlWarehouse = await startSqlWarehouse({
      port: settings.port ?? 0,
      host: options.host ?? '127.0.0.1',
      tokens,
      database,
      volumesRoot: roots.volumesRoot,
      ...(settings.warehouseId ? { warehouseId: settings.warehouseId } : {}),
    });
  }

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    host,
    port,
    token: tokens[0],
    tokens,
    dataDir,
    volumesRoot: roots.volumesRoot,
    workspaceRoot: roots.workspaceRoot,
    ...(sqlWarehouse
      ? {
          sqlWarehouse: {
            host: sqlWarehouse.host,
            port: sqlWarehouse.port,
            path: sqlWarehouse.path,
            warehouseId: sqlWarehouse.warehouseId,
            certificatePem: sqlWarehouse.certificatePem,
          },
        }
      : {}),
    github: {
      idTokenRequestUrl: GitHubIssuerStandIn.requestUrl(baseUrl),
      issuer: `${baseUrl}${GITHUB_ISSUER_PATH}`,
      signIdToken: (subject, audience, lifetimeSeconds) =>
        github.sign(`${baseUrl}${GITHUB_ISSUER_PATH}`, subject, audience, lifetimeSeconds),
    },
    faults,
    requests,
    localPath: (path) =>
      path.startsWith('/Models/') ? modelFilePath(ctx, path, 'directory', 'read') : localPathOf(roots, path),
    addGitRemote: (url, local) => gitRemotes.add(url, local),
    close: () => {
      closing ??= (async () => {
        await engine.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await sqlWarehouse?.close();
        state.flush();
        if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

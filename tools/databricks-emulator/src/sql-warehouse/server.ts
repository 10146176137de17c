import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from './certificate.js';
import { loadDriverModules, type DriverModules, type ThriftProcessor } from './driver-modules.js';
import { WarehouseService, type WarehouseStats } from './warehouse-service.js';

export interface SqlWarehouseOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** Personal access tokens the warehouse accepts as `Authorization: Bearer <token>`. */
  tokens: string[];
  /** DuckDB database file, or ':memory:'. @defaultValue ':memory:' */
  database?: string;
  /** The id in the HTTP path `/sql/1.0/warehouses/<id>`. @defaultValue 'fraudops-local' */
  warehouseId?: string;
  /** The local directory behind `/Volumes/…`, so that `read_files('/Volumes/…')` reads uploaded files. */
  volumesRoot?: string;
}

export interface SqlWarehouse {
  host: string;
  port: number;
  /** HTTP path to give the driver: `/sql/1.0/warehouses/<id>`. */
  path: string;
  warehouseId: string;
  /** The throw-away certificate the server presents; pass it as `customCaCert` to verify TLS instead of skipping it. */
  certificatePem: string;
  /** Open sessions and operations right now, for tests that check clients clean up. */
  stats(): WarehouseStats;
  close(): Promise<void>;
}

/**
 * Starts a local stand-in for a Databricks SQL warehouse that the real `@databricks/sql` driver talks to:
 * TCLIService over HTTPS (binary protocol), statements executed on DuckDB, results as Arrow batches.
 */
export async function startSqlWarehouse(options: SqlWarehouseOptions): Promise<SqlWarehouse> {
  const host = options.host ?? '127.0.0.1';
  const warehouseId = options.warehouseId ?? 'fraudops-local';
  const modules = loadDriverModules();
  const duckdb = await import('@duckdb/node-api');
  const database = await duckdb.DuckDBInstance.create(options.database ?? ':memory:');
  const service = new WarehouseService(modules, database, duckdb.JsonDuckDBValueConverter, options.volumesRoot);
  const processor = new modules.service.Processor(service.handler(thriftMethodNames(modules)));
  const tokens = new Set(options.tokens);
  const paths = new Set([`/sql/1.0/warehouses/${warehouseId}`, `/sql/2.0/warehouses/${warehouseId}`]);
  const { certificatePem, privateKeyPem } = createSelfSignedCertificate();

  const server = createServer({ cert: certificatePem, key: privateKeyPem }, (request, response) => {
    handleRequest(request, response, { modules, processor, tokens, paths });
  });
  // The driver keeps connections alive and does not retry FetchResults/ExecuteStatement on a reset socket, so the
  // server must not drop an idle connection the client may reuse (Node's default is 5 s; a client busy converting
  // a large page can stay idle longer). close() ends kept-alive connections itself.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    path: `/sql/1.0/warehouses/${warehouseId}`,
    warehouseId,
    certificatePem,
    stats: () => service.stats(),
    close: () => {
      closing ??= (async () => {
        await closeServer(server);
        await service.closeAll();
        database.closeSync();
      })();
      return closing;
    },
  };
}

interface RequestContext {
  modules: DriverModules;
  processor: ThriftProcessor;
  tokens: ReadonlySet<string>;
  paths: ReadonlySet<string>;
}

/**
 * One Thrift call per POST. Failures of the request itself answer 4xx like a warehouse's gateway does
 * (401 no token, 403 bad token, 404 unknown warehouse); nothing here answers 429 or 5xx, which the driver
 * retries for up to 15 minutes. Statement failures travel inside Thrift responses.
 */
function handleRequest(request: IncomingMessage, response: ServerResponse, context: RequestContext): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (!context.paths.has(path)) return reject(response, 404, `No SQL warehouse at ${path}.`);
  if (request.method !== 'POST') return reject(response, 405, 'The SQL warehouse endpoint only takes POST.');
  const authorization = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  if (!token) return reject(response, 401, 'Credential was not sent or was of an unsupported type for this API.');
  if (!context.tokens.has(token)) return reject(response, 403, 'Invalid access token.');

  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { TBufferedTransport, TBinaryProtocol, InputBufferUnderrunError } = context.modules.thrift;
    const body = Buffer.concat(chunks);
    TBufferedTransport.receiver((transport) => {
      const output = new TBinaryProtocol(
        new TBufferedTransport(undefined, (message) => {
          response.writeHead(200, { 'Content-Type': 'application/x-thrift', 'Content-Length': message.length });
          response.end(message);
        }),
      );
      try {
        context.processor.process(new TBinaryProtocol(transport), output);
        transport.commitPosition();
      } catch (error) {
        const reason = error instanceof InputBufferUnderrunError ? 'a truncated' : 'an unreadable';
        reject(response, 400, `The request body is ${reason} Thrift message.`);
      }
    })(body);
  });
}

function reject(response: ServerResponse, status: number, reason: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Databricks-Reason-Phrase': reason });
  response.end(`${reason}\n`);
}

/** Every method the generated processor dispatches (`process_<Method>`), so unknown ones get a handler too. */
function thriftMethodNames(modules: DriverModules): string[] {
  const prototype = modules.service.Processor.prototype as unknown as Record<string, unknown>;
  return Object.keys(prototype)
    .filter((key) => key.startsWith('process_'))
    .map((key) => key.slice('process_'.length));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

import type { DBSQLClient } from '@databricks/sql';
import { type ResolvedConfig, type DatabricksError, FRAUDOPS_VERSION } from '@fraudops/databricks';
import { schemaColumns, toColumnar, type SqlQueryResult, type SqlValue } from './columnar-result.js';
import { loadSqlDriver } from './driver.js';
import {
  DEFAULT_CHUNK_SIZE,
  driverConnectionFor,
  sqlEngineOptionsFromConfig,
  type DatabricksSqlEngineOptions,
  type DriverConnection,
} from './options.js';
import { DatabricksSqlError, SqlErrorCode, toDatabricksError } from './sql-errors.js';

/** Parameters: an array binds positional `?` markers, an object binds named `:name` markers. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

type DriverSession = Awaited<ReturnType<DBSQLClient['openSession']>>;
type DriverOperation = Awaited<ReturnType<DriverSession['executeStatement']>>;

interface OpenSession {
  client: DBSQLClient;
  session: DriverSession;
}

/** Failures after which the session stays usable: the statement itself failed, the connection did not. */
const STATEMENT_LEVEL_CODES = new Set<string>([
  SqlErrorCode.statementFailed,
  SqlErrorCode.statementCanceled,
  SqlErrorCode.statementTimeout,
]);

/**
 * Runs SQL on a Databricks SQL warehouse through the official `@databricks/sql` driver (loaded on first use).
 *
 * It matches the features lib's `SqlEngine` structurally (dialect `spark`). One session is opened on the first
 * query and reused; each statement's operation is closed when its rows are read or it fails; a failure of the
 * connection (credentials, network, protocol) also closes the session and client, and the next query
 * reconnects. Telemetry is off. Errors are `DatabricksError`s (see `toDatabricksError`), never carrying the token.
 */
export class DatabricksSqlEngine {
  readonly dialect = 'spark' as const;
  readonly #connection: DriverConnection;
  readonly #chunkSize: number;
  #open: Promise<OpenSession> | undefined;
  #closed = false;

  constructor(options: DatabricksSqlEngineOptions) {
    this.#connection = driverConnectionFor(options);
    this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  /** An engine from the resolved workspace configuration (needs a warehouse id: option, env or profile). */
  static fromConfig(
    config: ResolvedConfig,
    overrides: Partial<Omit<DatabricksSqlEngineOptions, 'host' | 'token' | 'credentials'>> = {},
  ): DatabricksSqlEngine {
    return new DatabricksSqlEngine(sqlEngineOptionsFromConfig(config, overrides));
  }

  /** `host:port/path` of the warehouse (no credentials), for logs and messages. */
  get endpoint(): string {
    const { host, port, path } = this.#connection;
    return `${host}:${port}${path}`;
  }

  /**
   * Runs one statement and reads all its rows (fetched `chunkSize` rows at a time). DDL and DML return their
   * result too: no columns for DDL, `num_affected_rows` for DML.
   */
  async query(sql: string, params?: SqlParams, options: { chunkSize?: number } = {}): Promise<SqlQueryResult> {
    let columnNames: readonly string[] = [];
    let columns: SqlValue[][] = [];
    let rowCount = 0;
    for await (const chunk of this.queryChunks(sql, params, options)) {
      if (rowCount === 0 && columns.length === 0) {
        columnNames = chunk.columnNames;
        columns = chunk.columnNames.map(() => []);
      }
      chunk.columns.forEach((values, c) => {
        const target = columns[c];
        for (let r = 0; r < values.length; r += 1) target.push(values[r]);
      });
      rowCount += chunk.rowCount;
    }
    return { columnNames, columns, rowCount };
  }

  /**
   * Runs one statement and yields its rows chunk by chunk (at most `chunkSize` rows each, one FetchResults call
   * per chunk), so a large result never has to fit in memory at once. Always yields at least one (maybe empty)
   * chunk, which carries the column names. Stopping early closes the operation.
   */
  async *queryChunks(
    sql: string,
    params?: SqlParams,
    options: { chunkSize?: number } = {},
  ): AsyncGenerator<SqlQueryResult> {
    const chunkSize = options.chunkSize ?? this.#chunkSize;
    const { session } = await this.#session();
    let operation: DriverOperation | undefined;
    try {
      operation = await session.executeStatement(sql, parameterOptions(params));
      const { names, types } = schemaColumns(await operation.getSchema());
      let first = true;
      do {
        const rows = await operation.fetchChunk({ maxRows: chunkSize, disableBuffering: true });
        if (rows.length > 0 || first) yield toColumnar(names, types, rows);
        first = false;
      } while (await operation.hasMoreRows());
    } catch (error) {
      throw await this.#fail(error);
    } finally {
      if (operation) await operation.close().catch(() => undefined);
    }
  }

  /** Closes the session and the client; the engine refuses queries afterwards. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#disconnect();
  }

  async #session(): Promise<OpenSession> {
    if (this.#closed) {
      throw new DatabricksSqlError(
        SqlErrorCode.engineClosed,
        `The SQL engine for ${this.endpoint} is closed; create a new one.`,
      );
    }
    this.#open ??= this.#connect();
    try {
      return await this.#open;
    } catch (error) {
      this.#open = undefined;
      throw error;
    }
  }

  async #connect(): Promise<OpenSession> {
    const { DBSQLClient } = await loadSqlDriver();
    const connection = this.#connection;
    const client = new DBSQLClient({ logger: { log: () => undefined } });
    try {
      await client.connect({
        host: connection.host,
        port: connection.port,
        path: connection.path,
        authType: 'custom',
        provider: { authenticate: async () => ({ Authorization: await connection.authorization() }) },
        checkServerCertificate: connection.checkServerCertificate,
        ...(connection.customCaCert !== undefined ? { customCaCert: connection.customCaCert } : {}),
        ...(connection.retryMaxAttempts !== undefined ? { retryMaxAttempts: connection.retryMaxAttempts } : {}),
        telemetryEnabled: false,
        // DECIMAL as exact strings and BIGINT as bigint; toColumnar narrows safe integers back to numbers.
        preserveBigNumericPrecision: true,
        userAgentEntry: `fraudops/${FRAUDOPS_VERSION}`,
      });
      const session = await client.openSession();
      return { client, session };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw this.#mapError(error);
    }
  }

  /** Maps a failure; unless it is the statement's own, drops the session and client so the next query starts clean. */
  async #fail(error: unknown): Promise<DatabricksError> {
    const mapped = this.#mapError(error);
    if (!STATEMENT_LEVEL_CODES.has(mapped.code)) await this.#disconnect();
    return mapped;
  }

  async #disconnect(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return;
    const resolved = await open.catch(() => undefined);
    if (!resolved) return;
    await resolved.session.close().catch(() => undefined);
    await resolved.client.close().catch(() => undefined);
  }

  #mapError(error: unknown): DatabricksError {
    return toDatabricksError(error, { endpoint: this.endpoint, secrets: this.#connection.secrets });
  }
}

function parameterOptions(params: SqlParams | undefined): {
  ordinalParameters?: SqlValue[];
  namedParameters?: Record<string, SqlValue>;
} {
  if (params === undefined) return {};
  if (isPositional(params)) return params.length > 0 ? { ordinalParameters: [...params] } : {};
  return Object.keys(params).length > 0 ? { namedParameters: { ...params } } : {};
}

function isPositional(params: SqlParams): params is readonly SqlValue[] {
  return Array.isArray(params);
}

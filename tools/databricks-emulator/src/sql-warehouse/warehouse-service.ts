import { randomBytes, randomUUID } from 'node:crypto';
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBMaterializedResult,
  DuckDBValueConverter,
  Json,
} from '@duckdb/node-api';
import type * as Tcli from '@databricks/sql/thrift/TCLIService_types.js';
import type { DriverModules } from './driver-modules.js';
import { duckDbRows, fixedRows, ResultSet, resultColumnsOf, type ResultColumn } from './result-set.js';
import { SqlStatementError, toSqlStatementError } from './sql-errors.js';
import { readFilesMacro, SPARK_FUNCTION_MACROS } from './spark-functions.js';
import { toDuckDbStatement, type StatementParameter } from './statement.js';
import { BIGINT_ENCODING } from './column-types.js';

interface Session {
  key: string;
  connection: DuckDBConnection;
  /** Statements of one session run one after another, as on one DuckDB connection they must. */
  queue: Promise<void>;
  running?: Operation;
  operations: Set<string>;
}

type OperationState = 'PENDING' | 'RUNNING' | 'FINISHED' | 'ERROR' | 'CANCELED';

interface Operation {
  key: string;
  session: Session;
  state: OperationState;
  done: Promise<void>;
  result?: ResultSet;
  error?: SqlStatementError;
}

export interface WarehouseStats {
  openSessions: number;
  openOperations: number;
  statementsExecuted: number;
}

/**
 * How long GetOperationStatus waits for a running statement before answering RUNNING. The driver polls every
 * 100 ms after a RUNNING answer; waiting here first answers most statements in one round trip.
 */
const STATUS_LONG_POLL_MS = 500;

/** Thrift methods the driver calls for statements; everything else answers with a TApplicationException. */
const IMPLEMENTED = new Set([
  'OpenSession',
  'CloseSession',
  'ExecuteStatement',
  'GetOperationStatus',
  'GetResultSetMetadata',
  'FetchResults',
  'CloseOperation',
  'CancelOperation',
]);

/**
 * The TCLIService handler of the local SQL warehouse: sessions are DuckDB connections on one database,
 * statements run asynchronously and their results are served as Arrow batches.
 */
export class WarehouseService {
  private readonly sessions = new Map<string, Session>();
  private readonly operations = new Map<string, Operation>();
  private statementsExecuted = 0;
  private readonly t: DriverModules['ttypes'];

  constructor(
    private readonly modules: DriverModules,
    private readonly database: DuckDBInstance,
    private readonly jsonConverter: DuckDBValueConverter<Json>,
    /** Where `/Volumes/…` paths live, for `read_files`; without it `read_files` is not defined. */
    private readonly volumesRoot?: string,
  ) {
    this.t = modules.ttypes;
  }

  /** The object handed to the driver's generated `Processor`: one method per Thrift call. */
  handler(methodNames: readonly string[]): Record<string, (request: never) => Promise<unknown>> {
    const handler: Record<string, (request: never) => Promise<unknown>> = {};
    for (const name of methodNames) {
      handler[name] = IMPLEMENTED.has(name)
        ? (request: never) => (this as unknown as Record<string, (r: never) => Promise<unknown>>)[name](request)
        : // One declared parameter: the generated processor treats handlers of arity 1 as promise-returning.
          async (_request: never) => {
            throw new Error(`${name} is not supported by the local SQL warehouse (it runs statements only).`);
          };
    }
    return handler;
  }

  stats(): WarehouseStats {
    return {
      openSessions: this.sessions.size,
      openOperations: this.operations.size,
      statementsExecuted: this.statementsExecuted,
    };
  }

  async closeAll(): Promise<void> {
    for (const session of [...this.sessions.values()]) await this.endSession(session);
  }

  async OpenSession(request: Tcli.TOpenSessionReq): Promise<Tcli.TOpenSessionResp> {
    const { TProtocolVersion } = this.t;
    const connection = await this.database.connect();
    try {
      // A Databricks warehouse's session time zone is UTC; keep DuckDB's timestamp text and casts the same.
      await connection.run("SET TimeZone = 'UTC'");
      await connection.run(SPARK_FUNCTION_MACROS.join(';\n'));
      if (this.volumesRoot !== undefined) await connection.run(readFilesMacro(this.volumesRoot));
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    const sessionId = newHandleIdentifier();
    const key = sessionId.guid.toString('hex');
    this.sessions.set(key, { key, connection, queue: Promise.resolve(), operations: new Set() });
    const V8 = TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8;
    // Newer drivers state their version in the i64 field and leave the i32 one at its Hive default.
    const clientProtocol = request.client_protocol_i64?.toNumber() ?? request.client_protocol ?? V8;
    return new this.t.TOpenSessionResp({
      status: this.ok(),
      // V8 is the version that carries statement parameters; ≥ V5 makes the driver ask for Arrow results.
      serverProtocolVersion:
        clientProtocol >= TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V1 ? Math.min(clientProtocol, V8) : V8,
      sessionHandle: { sessionId },
      configuration: {},
    });
  }

  async CloseSession(request: Tcli.TCloseSessionReq): Promise<Tcli.TCloseSessionResp> {
    const session = this.sessions.get(request.sessionHandle.sessionId.guid.toString('hex'));
    if (!session) return new this.t.TCloseSessionResp({ status: this.invalidHandle('session') });
    await this.endSession(session);
    return new this.t.TCloseSessionResp({ status: this.ok() });
  }

  async ExecuteStatement(request: Tcli.TExecuteStatementReq): Promise<Tcli.TExecuteStatementResp> {
    const session = this.sessions.get(request.sessionHandle.sessionId.guid.toString('hex'));
    if (!session) return new this.t.TExecuteStatementResp({ status: this.invalidHandle('session') });
    const operationId = newHandleIdentifier();
    const operation: Operation = {
      key: operationId.guid.toString('hex'),
      session,
      state: 'PENDING',
      done: Promise.resolve(),
    };
    const parameters: StatementParameter[] = (request.parameters ?? []).map((parameter) => ({
      name: parameter.name ?? undefined,
      type: parameter.type ?? undefined,
      value: parameterText(parameter.value),
    }));
    operation.done = session.queue.then(() => this.run(operation, request.statement, parameters));
    session.queue = operation.done;
    this.operations.set(operation.key, operation);
    session.operations.add(operation.key);
    this.statementsExecuted += 1;
    return new this.t.TExecuteStatementResp({
      status: this.ok(),
      operationHandle: {
        operationId,
        operationType: this.t.TOperationType.EXECUTE_STATEMENT,
        hasResultSet: true,
      },
    });
  }

  async GetOperationStatus(request: Tcli.TGetOperationStatusReq): Promise<Tcli.TGetOperationStatusResp> {
    const operation = this.operation(request.operationHandle);
    if (!operation) return new this.t.TGetOperationStatusResp({ status: this.invalidHandle('operation') });
    await Promise.race([operation.done, delay(STATUS_LONG_POLL_MS)]);
    const { TOperationState } = this.t;
    const state = {
      PENDING: TOperationState.PENDING_STATE,
      RUNNING: TOperationState.RUNNING_STATE,
      FINISHED: TOperationState.FINISHED_STATE,
      ERROR: TOperationState.ERROR_STATE,
      CANCELED: TOperationState.CANCELED_STATE,
    }[operation.state];
    const error = operation.error;
    return new this.t.TGetOperationStatusResp({
      status: this.ok(),
      operationState: state,
      hasResultSet: true,
      ...(error && operation.state === 'ERROR'
        ? { sqlState: error.sqlState, errorMessage: error.displayMessage, displayMessage: error.displayMessage }
        : {}),
    });
  }

  async GetResultSetMetadata(request: Tcli.TGetResultSetMetadataReq): Promise<Tcli.TGetResultSetMetadataResp> {
    const operation = this.operation(request.operationHandle);
    if (!operation) return new this.t.TGetResultSetMetadataResp({ status: this.invalidHandle('operation') });
    await operation.done;
    const result = operation.result;
    if (!result) return new this.t.TGetResultSetMetadataResp({ status: this.notFinished(operation) });
    return new this.t.TGetResultSetMetadataResp({
      status: this.ok(),
      schema: {
        columns: result.columns.map((column, index) => ({
          columnName: column.name,
          position: index + 1,
          typeDesc: { types: [{ primitiveEntry: this.primitiveType(column) }] },
        })),
      },
      resultFormat: this.t.TSparkRowSetType.ARROW_BASED_SET,
      lz4Compressed: false,
      arrowSchema: result.arrowSchema,
    });
  }

  async FetchResults(request: Tcli.TFetchResultsReq): Promise<Tcli.TFetchResultsResp> {
    const operation = this.operation(request.operationHandle);
    if (!operation) return new this.t.TFetchResultsResp({ status: this.invalidHandle('operation') });
    await operation.done;
    const result = operation.result;
    if (!result) return new this.t.TFetchResultsResp({ status: this.notFinished(operation) });
    const { Int64 } = this.modules;
    if (request.fetchType === 1) {
      // Log rows (fetchType 1) are not kept: answer with an empty row set.
      return new this.t.TFetchResultsResp({
        status: this.ok(),
        hasMoreRows: false,
        results: { startRowOffset: new Int64(0), rows: [], arrowBatches: [] },
      });
    }
    let page;
    try {
      page = result.nextPage(
        Math.max(1, request.maxRows.toNumber()),
        request.orientation === this.t.TFetchOrientation.FETCH_FIRST,
      );
    } catch (error) {
      return new this.t.TFetchResultsResp({ status: this.errorStatus(toSqlStatementError(error)) });
    }
    return new this.t.TFetchResultsResp({
      status: this.ok(),
      hasMoreRows: page.hasMoreRows,
      results: {
        startRowOffset: new Int64(page.startRowOffset),
        rows: [],
        arrowBatches: page.batch ? [{ batch: page.batch, rowCount: new Int64(page.rowCount) }] : [],
      },
    });
  }

  async CloseOperation(request: Tcli.TCloseOperationReq): Promise<Tcli.TCloseOperationResp> {
    const operation = this.operation(request.operationHandle);
    if (!operation) return new this.t.TCloseOperationResp({ status: this.invalidHandle('operation') });
    this.cancel(operation);
    this.forget(operation);
    return new this.t.TCloseOperationResp({ status: this.ok() });
  }

  async CancelOperation(request: Tcli.TCancelOperationReq): Promise<Tcli.TCancelOperationResp> {
    const operation = this.operation(request.operationHandle);
    if (!operation) return new this.t.TCancelOperationResp({ status: this.invalidHandle('operation') });
    this.cancel(operation);
    return new this.t.TCancelOperationResp({ status: this.ok() });
  }

  private async run(operation: Operation, statement: string, parameters: StatementParameter[]): Promise<void> {
    if (operation.state !== 'PENDING') return; // cancelled or closed while queued
    const { session } = operation;
    operation.state = 'RUNNING';
    session.running = operation;
    try {
      const { sql, values } = toDuckDbStatement(statement, parameters);
      const result =
        Object.keys(values).length > 0 ? await session.connection.run(sql, values) : await session.connection.run(sql);
      if (operation.state !== 'RUNNING') return;
      operation.result = this.resultSet(result);
      operation.state = 'FINISHED';
    } catch (error) {
      if (operation.state !== 'RUNNING') return;
      operation.error = toSqlStatementError(error);
      operation.state = 'ERROR';
    } finally {
      if (session.running === operation) session.running = undefined;
    }
  }

  /**
   * DuckDB result → what a Databricks warehouse answers: query rows as they are; INSERT/UPDATE/DELETE one row of
   * `num_affected_rows` (and `num_inserted_rows` for INSERT) like Delta; DDL and settings no columns at all.
   */
  private resultSet(result: DuckDBMaterializedResult): ResultSet {
    const { arrow } = this.modules;
    const CHANGED_ROWS = 1;
    const QUERY_RESULT = 3;
    const INSERT = 2;
    if (result.returnType === QUERY_RESULT) {
      const columns = resultColumnsOf(result);
      return new ResultSet(arrow, columns, duckDbRows(result, columns, this.jsonConverter));
    }
    if (result.returnType === CHANGED_ROWS) {
      const changed = BigInt(result.rowsChanged);
      const names =
        result.statementType === INSERT ? ['num_affected_rows', 'num_inserted_rows'] : ['num_affected_rows'];
      const columns: ResultColumn[] = names.map((name) => ({ name, encoding: BIGINT_ENCODING }));
      return new ResultSet(arrow, columns, fixedRows(names.map(() => [changed])));
    }
    return new ResultSet(arrow, [], fixedRows([]));
  }

  private cancel(operation: Operation): void {
    if (operation.state === 'PENDING') operation.state = 'CANCELED';
    if (operation.state === 'RUNNING') {
      operation.state = 'CANCELED';
      if (operation.session.running === operation) operation.session.connection.interrupt();
    }
  }

  private forget(operation: Operation): void {
    this.operations.delete(operation.key);
    operation.session.operations.delete(operation.key);
  }

  private async endSession(session: Session): Promise<void> {
    for (const key of [...session.operations]) {
      const operation = this.operations.get(key);
      if (operation) {
        this.cancel(operation);
        this.forget(operation);
      }
    }
    this.sessions.delete(session.key);
    await session.queue.catch(() => undefined);
    session.connection.closeSync();
  }

  private operation(handle: Tcli.TOperationHandle): Operation | undefined {
    return this.operations.get(handle.operationId.guid.toString('hex'));
  }

  private primitiveType(column: ResultColumn): Tcli.TPrimitiveTypeEntry {
    const { sparkType, precision, scale } = column.encoding;
    const type = this.t.TTypeId[sparkType];
    if (precision === undefined) return { type };
    return {
      type,
      typeQualifiers: { qualifiers: { precision: { i32Value: precision }, scale: { i32Value: scale ?? 0 } } },
    };
  }

  private ok(): Tcli.TStatus {
    return { statusCode: this.t.TStatusCode.SUCCESS_STATUS };
  }

  private invalidHandle(kind: 'session' | 'operation'): Tcli.TStatus {
    const message = `Invalid ${kind} handle: the ${kind} is closed or unknown to this warehouse.`;
    return { statusCode: this.t.TStatusCode.INVALID_HANDLE_STATUS, errorMessage: message, displayMessage: message };
  }

  private notFinished(operation: Operation): Tcli.TStatus {
    if (operation.error) return this.errorStatus(operation.error);
    const message = `The operation has no result: it is ${operation.state.toLowerCase()}.`;
    return { statusCode: this.t.TStatusCode.ERROR_STATUS, errorMessage: message, displayMessage: message };
  }

  private errorStatus(error: SqlStatementError): Tcli.TStatus {
    return {
      statusCode: this.t.TStatusCode.ERROR_STATUS,
      sqlState: error.sqlState,
      errorMessage: error.displayMessage,
      displayMessage: error.displayMessage,
    };
  }
}

/** Session and operation ids: the driver prints `guid` as a UUID, so it must be valid UUID bytes. */
function newHandleIdentifier(): Tcli.THandleIdentifier {
  return { guid: Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), secret: randomBytes(16) };
}

function parameterText(value: Tcli.TSparkParameterValue | null | undefined): string | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.doubleValue !== undefined && value.doubleValue !== null) return String(value.doubleValue);
  if (value.booleanValue !== undefined && value.booleanValue !== null) return value.booleanValue ? 'TRUE' : 'FALSE';
  return undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

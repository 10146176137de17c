import * as OperationStateErrorModule from '@databricks/sql/dist/errors/OperationStateError.js';
import * as ParameterErrorModule from '@databricks/sql/dist/errors/ParameterError.js';
import * as RetryErrorModule from '@databricks/sql/dist/errors/RetryError.js';
import * as StatusErrorModule from '@databricks/sql/dist/errors/StatusError.js';
import {
  DatabricksNetworkError,
  NotFound,
  PermissionDenied,
  TemporarilyUnavailable,
  Unauthenticated,
} from '@fraudops/databricks';
import { DatabricksSqlError, toDatabricksError } from './sql-errors.js';

// The driver's own error classes (THTTPException only by shape: its module pulls in the Thrift transport).
const OperationStateError = commonJsDefault(OperationStateErrorModule);
const ParameterError = commonJsDefault(ParameterErrorModule);
const RetryError = commonJsDefault(RetryErrorModule);
const StatusError = commonJsDefault(StatusErrorModule);
const { OperationStateErrorCode } = OperationStateErrorModule;
const { RetryErrorCode } = RetryErrorModule;

/** A CommonJS `exports.default`: TypeScript (Node ESM rules) sees it one level deeper than Jest's CommonJS loader. */
function commonJsDefault<M extends { default: { default: unknown } }>(module: M): M['default']['default'] {
  const outer = module.default as unknown as { default?: unknown };
  return outer.default ?? outer;
}
const context = { endpoint: 'adb-1.2.azuredatabricks.net:443/sql/1.0/warehouses/w', secrets: ['dapi-s3cr3t'] };
const httpError = (statusCode: number) =>
  Object.assign(new Error(`Received a response with a bad HTTP status code: ${statusCode}`), { statusCode });

describe('toDatabricksError', () => {
  it('maps a failed statement to SQL_STATEMENT_FAILED with its SQLSTATE and display message', () => {
    const error = toDatabricksError(
      new OperationStateError(OperationStateErrorCode.Error, {
        displayMessage: '[TABLE_OR_VIEW_NOT_FOUND] The table `t` cannot be found. SQLSTATE: 42P01',
        sqlState: '42P01',
      } as never),
      context,
    );
    expect(error).toBeInstanceOf(DatabricksSqlError);
    expect(error).toMatchObject({
      code: 'SQL_STATEMENT_FAILED',
      sqlState: '42P01',
      message: 'SQL statement failed: [TABLE_OR_VIEW_NOT_FOUND] The table `t` cannot be found. SQLSTATE: 42P01',
      endpoint: context.endpoint,
    });
    expect(error.toJSON()).toMatchObject({ code: 'SQL_STATEMENT_FAILED', sql_state: '42P01' });
  });

  it('maps cancelled and timed-out statements', () => {
    expect(toDatabricksError(new OperationStateError(OperationStateErrorCode.Canceled), context).code).toBe(
      'SQL_STATEMENT_CANCELED',
    );
    expect(toDatabricksError(new OperationStateError(OperationStateErrorCode.Timeout), context).code).toBe(
      'SQL_STATEMENT_TIMEOUT',
    );
  });

  it('maps HTTP answers to the lib’s status classes with a message that says what to do', () => {
    const unauthenticated = toDatabricksError(httpError(401), context);
    expect(unauthenticated).toBeInstanceOf(Unauthenticated);
    expect(unauthenticated.message).toMatch(/HTTP 401.*DATABRICKS_TOKEN/);
    const denied = toDatabricksError(httpError(403), context);
    expect(denied).toBeInstanceOf(PermissionDenied);
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    expect(toDatabricksError(httpError(404), context)).toBeInstanceOf(NotFound);
    const retried = toDatabricksError(
      new RetryError(RetryErrorCode.AttemptsExceeded, { response: { status: 503 } }),
      context,
    );
    expect(retried).toBeInstanceOf(TemporarilyUnavailable);
    expect(retried.message).toMatch(/HTTP 503 until the driver stopped retrying/);
  });

  it('maps network and TLS failures to DatabricksNetworkError', () => {
    const refused = Object.assign(new Error('request to https://h/ failed, reason: connect ECONNREFUSED'), {
      type: 'system',
      code: 'ECONNREFUSED',
    });
    expect(toDatabricksError(refused, context)).toBeInstanceOf(DatabricksNetworkError);
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(toDatabricksError(tls, context).message).toMatch(/TLS verification .* customCaCert/);
  });

  it('maps lost handles, parameter mistakes and unknown failures, scrubbing secrets', () => {
    expect(
      toDatabricksError(
        new StatusError({ statusCode: 4, errorMessage: 'Invalid session handle: the session is closed' }),
        context,
      ).code,
    ).toBe('SQL_SESSION_LOST');
    expect(
      toDatabricksError(new ParameterError('Driver does not support both ordinal and named parameters.'), context).code,
    ).toBe('INVALID_ARGUMENT');
    const leaky = toDatabricksError(new Error('boom with dapi-s3cr3t inside'), context);
    expect(leaky).toMatchObject({ code: 'SQL_DRIVER_ERROR', message: 'SQL driver error: boom with *** inside' });
  });
});

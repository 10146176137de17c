import type * as DatabricksSql from '@databricks/sql';
import { DatabricksSqlError, SqlErrorCode } from './sql-errors.js';
import { errorMessage } from '@fraudops/core';

let driver: Promise<typeof DatabricksSql> | undefined;

/**
 * The one place that loads `@databricks/sql`. It is imported on first use so that apps which never talk to a
 * warehouse (the scoring API) do not load the driver and its dependency tree.
 */
export function loadSqlDriver(): Promise<typeof DatabricksSql> {
  driver ??= import('@databricks/sql').then(
    (module) => {
      // A CommonJS package: named exports arrive directly or under `default`, depending on the loader.
      const namespace = module as typeof DatabricksSql & { default?: typeof DatabricksSql };
      return namespace.DBSQLClient ? namespace : namespace.default;
    },
    (error: unknown) => {
      driver = undefined;
      throw new DatabricksSqlError(
        SqlErrorCode.driverError,
        `The SQL engine needs the @databricks/sql driver (a dependency of @fraudops/databricks-sql); it could not be loaded: ${errorMessage(
          error,
        )}`,
        { cause: error },
      );
    },
  );
  return driver;
}

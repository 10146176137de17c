import type { DuckDBConnection } from '@duckdb/node-api';

type DuckDbModule = typeof import('@duckdb/node-api');

let loaded: Promise<DuckDbModule> | undefined;

/**
 * The only place in this library that loads DuckDB. It is native and large, so it is imported on first use,
 * and it lives apart from the contract and the simulator of @fraudops/transactions, so that what needs only
 * those (the scoring API) does not even install it.
 */
export function loadDuckDb(): Promise<DuckDbModule> {
  loaded ??= import('@duckdb/node-api').then((module) => {
    const withDefault = module as DuckDbModule & { default?: DuckDbModule };
    return withDefault.DuckDBInstance ? withDefault : withDefault.default;
  });
  return loaded;
}

/** Runs `work` on a fresh in-memory database (UTC session time zone) and closes it afterwards. */
export async function withDuckDb<T>(
  work: (connection: DuckDBConnection, duckdb: DuckDbModule) => Promise<T>,
): Promise<T> {
  const duckdb = await loadDuckDb();
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // Datetime strings without an offset are UTC by contract, whatever the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    return await work(connection, duckdb);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

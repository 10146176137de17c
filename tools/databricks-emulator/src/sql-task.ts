import type { DuckDBInstance } from '@duckdb/node-api';
import type { TaskOutcome } from './python-task.js';
import { errorMessage } from '@fraudops/core';

/**
 * Rewrites named parameter markers (`:name`, as a Databricks SQL file uses them) to DuckDB's `$name`,
 * leaving `::` casts, quoted text, quoted identifiers and comments alone.
 */
export function rewriteParameterMarkers(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] ?? '';
      out += `$${name}`;
      i += 1 + name.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const MAX_ROWS_IN_LOGS = 100;

/**
 * Runs the statements of a SQL file task on DuckDB, one by one, binding `:name` parameters from the
 * task's `parameters`. The logs list each statement's row count and the rows of the last result.
 */
// eslint-disable-next-line max-lines-per-function -- statements in order, binding parameters and logging each result
export async function runSqlStatements(
  database: DuckDBInstance,
  sql: string,
  parameters: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<TaskOutcome & { statements: number }> {
  const connection = await database.connect();
  const interrupt = () => connection.interrupt();
  signal.addEventListener('abort', interrupt, { once: true });
  const log: string[] = [];
  let count = 0;
  try {
    const extracted = await connection.extractStatements(rewriteParameterMarkers(sql));
    count = extracted.count;
    let lastRows: unknown[] = [];
    let lastColumns: string[] = [];
    for (let index = 0; index < extracted.count; index++) {
      if (signal.aborted)
        return {
          result: 'CANCELED',
          logs: log.join('\n'),
          logsTruncated: false,
          error: 'The run was cancelled.',
          statements: count,
        };
      const prepared = await extracted.prepare(index);
      const values: Record<string, string> = {};
      for (let p = 1; p <= prepared.parameterCount; p++) {
        const name = prepared.parameterName(p);
        const value = parameters[name];
        if (value === undefined) {
          const known = Object.keys(parameters).join(', ') || 'none';
          throw new Error(
            `Statement ${index + 1} uses :${name}, which the task's parameters do not set (set: ${known}).`,
          );
        }
        values[name] = value;
      }
      if (prepared.parameterCount > 0) prepared.bind(values);
      const reader = await prepared.runAndReadAll();
      lastColumns = reader.columnNames();
      lastRows = reader.getRowObjectsJson();
      log.push(`statement ${index + 1}: ${lastRows.length} row${lastRows.length === 1 ? '' : 's'}`);
    }
    if (lastColumns.length > 0) {
      log.push(`columns: ${lastColumns.join(', ')}`);
      for (const row of lastRows.slice(0, MAX_ROWS_IN_LOGS)) log.push(JSON.stringify(row));
      if (lastRows.length > MAX_ROWS_IN_LOGS) log.push(`… ${lastRows.length - MAX_ROWS_IN_LOGS} more rows`);
    }
    return { result: 'SUCCESS', logs: log.join('\n'), logsTruncated: false, statements: count };
  } catch (error) {
    if (signal.aborted)
      return {
        result: 'CANCELED',
        logs: log.join('\n'),
        logsTruncated: false,
        error: 'The run was cancelled.',
        statements: count,
      };
    const message = errorMessage(error).replace(/^Error: /, '');
    return {
      result: 'FAILED',
      logs: log.join('\n'),
      logsTruncated: false,
      error: message.split('\n')[0],
      errorTrace: message,
      statements: count,
    };
  } finally {
    signal.removeEventListener('abort', interrupt);
    connection.closeSync();
  }
}

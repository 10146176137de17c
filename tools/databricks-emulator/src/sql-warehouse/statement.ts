import { SqlStatementError } from './sql-errors.js';

/** A statement parameter as the driver sends it (`TSparkParameter`, value already reduced to its string). */
export interface StatementParameter {
  /** Absent for positional (`?`) parameters. */
  name?: string;
  /** Spark type name (`INTEGER`, `STRING`, `DECIMAL(10,2)`, …); absent for NULL. */
  type?: string;
  /** The value's text; absent for NULL. */
  value?: string;
}

/** A statement ready for DuckDB: parameter markers replaced by `CAST($name AS type)`, values bound by name. */
export interface DuckDbStatement {
  sql: string;
  values: Record<string, string>;
}

/**
 * Rewrites one Spark SQL statement for DuckDB.
 *
 * - Parameter markers: `:name` and `?` become `CAST($name AS <type>)` (a NULL parameter becomes `NULL`) with the
 *   values bound as text, so DuckDB applies the same typed conversion Spark does for a typed parameter.
 *   Markers are only looked for when parameters were sent (as on Databricks, where `:x` is otherwise plain text);
 *   `::` casts, quoted text and comments are skipped.
 * - Backtick-quoted identifiers become double-quoted ones (DuckDB reads backticks as an error).
 * - Spark's integer-division operator `a DIV b` becomes DuckDB's `a // b` (only where DIV stands between two
 *   operands: after a value, a name or `)` that is not a keyword, so a column named `div` is left alone).
 *
 * Everything else passes through unchanged: DuckDB already accepts the Spark SQL the project emits, and the Spark
 * functions it lacks are session macros (see `spark-functions.ts`).
 */
// eslint-disable-next-line max-lines-per-function -- one pass over the SQL text: quotes, comments and parameter markers need one tokenizer state
export function toDuckDbStatement(sql: string, parameters: readonly StatementParameter[] = []): DuckDbStatement {
  const named = new Map<string, StatementParameter>();
  const positional: StatementParameter[] = [];
  for (const parameter of parameters) {
    if (parameter.name === undefined || parameter.name === '') positional.push(parameter);
    else named.set(parameter.name, parameter);
  }
  if (named.size > 0 && positional.length > 0) {
    throw new SqlStatementError(
      'INVALID_QUERY_MIXED_QUERY_PARAMETERS',
      '42613',
      'Parameterized query must either use positional, or named parameters, but not both.',
    );
  }
  const withMarkers = parameters.length > 0;
  const values: Record<string, string> = {};
  let positionalUsed = 0;
  let out = '';
  let i = 0;

  const bind = (key: string, parameter: StatementParameter): string => {
    if (parameter.value === undefined || parameter.type === undefined || parameter.type.toUpperCase() === 'VOID') {
      return 'NULL';
    }
    values[key] = parameter.value;
    return `CAST($${key} AS ${duckDbTypeFor(parameter.type, parameter.value)})`;
  };

  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const end = endOfQuoted(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '`') {
      const end = endOfQuoted(sql, i);
      const inner = sql.slice(i + 1, end - 1).replace(/``/g, '`');
      out += `"${inner.replace(/"/g, '""')}"`;
      i = end;
    } else if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      const end = newline === -1 ? sql.length : newline;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && withMarkers && /[A-Za-z_]/.test(next ?? '')) {
      const name = wordAt(sql, i + 1);
      const parameter = named.get(name);
      if (!parameter) {
        throw new SqlStatementError(
          'UNBOUND_SQL_PARAMETER',
          '42P02',
          `Found the unbound parameter: ${name}. Please, fix \`args\` and provide a mapping of the parameter to a SQL literal.`,
        );
      }
      out += bind(name, parameter);
      i += 1 + name.length;
    } else if (/[A-Za-z_]/.test(c) && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? '')) {
      const word = wordAt(sql, i);
      out += word.toUpperCase() === 'DIV' && followsOperand(out.slice(-128)) ? '//' : word;
      i += word.length;
    } else if (c === '?' && withMarkers) {
      const parameter = positional[positionalUsed];
      if (!parameter) {
        throw new SqlStatementError(
          'UNBOUND_SQL_PARAMETER',
          '42P02',
          `Found the unbound parameter: _${positionalUsed + 1}. The statement has more ? markers than the ${positional.length} positional parameter(s) sent.`,
        );
      }
      positionalUsed += 1;
      out += bind(`p${positionalUsed}`, parameter);
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return { sql: out, values };
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;

/** The identifier-like word starting at `index` (empty when none does). */
function wordAt(sql: string, index: number): string {
  WORD.lastIndex = index;
  return WORD.exec(sql)?.[0] ?? '';
}

/** Words after which an expression starts, so a following `DIV` would be a name, not the operator. */
const KEYWORDS_BEFORE_EXPRESSION = new Set(
  'SELECT DISTINCT ALL WHERE AND OR NOT ON BY AS WHEN THEN ELSE CASE IN IS BETWEEN FROM JOIN HAVING LIKE SET VALUES WITH OVER PARTITION'.split(
    ' ',
  ),
);

/** Whether the rewritten text so far ends with an operand (a value, a name, a quoted name or `)`). */
function followsOperand(text: string): boolean {
  const tail = /(?:([A-Za-z_][A-Za-z0-9_$]*)|([0-9]+(?:\.[0-9]*)?)|([)"'`\]]))\s*$/.exec(text);
  if (!tail) return false;
  return tail[1] === undefined || !KEYWORDS_BEFORE_EXPRESSION.has(tail[1].toUpperCase());
}

/** Index just past the quoted text starting at `start` (Spark lexing: a doubled quote or a backslash escapes). */
function endOfQuoted(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && quote !== '`') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

const SIMPLE_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DATE: 'DATE',
  // Spark's TIMESTAMP is an instant (the driver sends ISO text with a `Z`); DuckDB's TIMESTAMPTZ reads the offset.
  TIMESTAMP: 'TIMESTAMPTZ',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  BINARY: 'BLOB',
  'INTERVAL MONTH': 'INTERVAL',
  'INTERVAL DAY': 'INTERVAL',
};

/** The DuckDB type a Spark parameter type casts to. A bare `DECIMAL` takes its precision and scale from the value. */
export function duckDbTypeFor(sparkType: string, value: string): string {
  const type = sparkType.trim().toUpperCase();
  const simple = SIMPLE_TYPES[type];
  if (simple) return simple;
  const decimal = /^DECIMAL\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(type);
  if (decimal) {
    if (decimal[1] !== undefined) return `DECIMAL(${decimal[1]},${decimal[2] ?? '0'})`;
    const [whole = '', fraction = ''] = value.trim().replace(/^[-+]/, '').split('.');
    const scale = Math.min(fraction.length, 38);
    const precision = Math.min(Math.max(whole.replace(/^0+/, '').length + scale, scale, 1), 38);
    return `DECIMAL(${precision},${scale})`;
  }
  throw new SqlStatementError(
    'UNSUPPORTED_PARAMETER_TYPE',
    '0A000',
    `Parameter type ${sparkType} is not supported by the local SQL warehouse (it takes STRING, BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL, DATE, TIMESTAMP, TIMESTAMP_NTZ, BINARY and INTERVAL).`,
  );
}

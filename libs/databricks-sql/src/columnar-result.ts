/** A scalar the SQL engine returns or binds (the features lib's `SqlValue`, matched structurally). */
export type SqlValue = number | bigint | string | boolean | null;

/**
 * A query result in columns: `columns[c][r]` is row r of column `columnNames[c]`. Numbers are JS numbers,
 * integers beyond 2^53 bigint, DECIMAL exact strings, TIMESTAMP ISO-8601 strings (UTC), DATE `YYYY-MM-DD`,
 * BINARY base64, ARRAY/MAP/STRUCT JSON text.
 */
export interface SqlQueryResult {
  columnNames: readonly string[];
  columns: ReadonlyArray<ArrayLike<SqlValue>>;
  rowCount: number;
}

/** The part of the driver's `TTableSchema` this module reads. */
export interface ResultSchema {
  columns: ReadonlyArray<{
    columnName: string;
    position: number;
    typeDesc: { types: ReadonlyArray<{ primitiveEntry?: { type: number } | null }> };
  }>;
}

/** Thrift `TTypeId` values that need a conversion (the rest arrive as JS scalars already). */
const TTypeId = { TIMESTAMP: 8, BINARY: 9, DATE: 17 } as const;

/** Column names and Thrift type ids in result order. */
export function schemaColumns(schema: ResultSchema | null | undefined): { names: string[]; types: number[] } {
  const columns = [...(schema?.columns ?? [])].sort((a, b) => a.position - b.position);
  return {
    names: columns.map((column) => column.columnName),
    types: columns.map((column) => column.typeDesc.types[0]?.primitiveEntry?.type ?? -1),
  };
}

/**
 * Driver rows (objects keyed by column name, read with `preserveBigNumericPrecision`) → columns of `SqlValue`.
 * Columns that share a name in the result share the value the driver kept for that name.
 */
export function toColumnar(
  names: readonly string[],
  types: readonly number[],
  rows: readonly object[],
): SqlQueryResult {
  const columns = names.map((name, c) => {
    const type = types[c] ?? -1;
    return rows.map((row) => toSqlValue((row as Record<string, unknown>)[name], type));
  });
  return { columnNames: [...names], columns, rowCount: rows.length };
}

function toSqlValue(value: unknown, type: number): SqlValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
    default:
      break;
  }
  if (value instanceof Date) {
    const iso = value.toISOString();
    return type === TTypeId.DATE ? iso.slice(0, 10) : iso;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}

import type { DuckDBMaterializedResult, DuckDBValueConverter, Json } from '@duckdb/node-api';
import { ArrowIpcEncoder } from './arrow-ipc.js';
import { columnEncodingFor, type ColumnEncoding } from './column-types.js';
import type { ArrowRuntime } from './driver-modules.js';

export interface ResultColumn {
  name: string;
  encoding: ColumnEncoding;
}

/** Column-major rows of a finished statement, readable from any offset (FETCH_FIRST rewinds). */
export interface RowSource {
  readonly rowCount: number;
  /** Values of rows [start, start + count) per column, already converted for Arrow (null for SQL NULL). */
  read(start: number, count: number): unknown[][];
}

export interface ResultPage {
  startRowOffset: number;
  rowCount: number;
  /** Arrow record-batch message; absent for an empty page. */
  batch?: Buffer;
  hasMoreRows: boolean;
}

/** A statement's result: its columns, its Arrow schema and a cursor that serves it page by page. */
export class ResultSet {
  private cursor = 0;
  private readonly encoder: ArrowIpcEncoder;

  constructor(
    arrow: ArrowRuntime,
    readonly columns: readonly ResultColumn[],
    private readonly rows: RowSource,
  ) {
    this.encoder = new ArrowIpcEncoder(
      arrow,
      columns.map((column) => ({ name: column.name, type: column.encoding.arrowType(arrow) })),
    );
  }

  get arrowSchema(): Buffer {
    return this.encoder.schemaMessage;
  }

  get rowCount(): number {
    return this.rows.rowCount;
  }

  /** The next page of at most `maxRows` rows; `fromStart` (FETCH_FIRST) restarts at row 0. */
  nextPage(maxRows: number, fromStart: boolean): ResultPage {
    if (fromStart) this.cursor = 0;
    const start = this.cursor;
    const count = Math.max(0, Math.min(maxRows, this.rows.rowCount - start));
    this.cursor = start + count;
    const hasMoreRows = this.cursor < this.rows.rowCount;
    if (count === 0 || this.columns.length === 0) return { startRowOffset: start, rowCount: count, hasMoreRows };
    const batch = this.encoder.encodeBatch(this.rows.read(start, count), count);
    return { startRowOffset: start, rowCount: count, batch, hasMoreRows };
  }
}

/** The rows of a DuckDB materialized result, converted column by column as the driver expects them. */
export function duckDbRows(
  result: DuckDBMaterializedResult,
  columns: readonly ResultColumn[],
  jsonConverter: DuckDBValueConverter<Json>,
): RowSource {
  const chunkStarts: number[] = [];
  let rowCount = 0;
  for (let index = 0; index < result.chunkCount; index += 1) {
    chunkStarts.push(rowCount);
    rowCount += result.getChunk(index).rowCount;
  }
  return {
    rowCount,
    read(start, count) {
      const out: unknown[][] = columns.map(() => []);
      const end = start + count;
      for (let index = 0; index < chunkStarts.length; index += 1) {
        const chunkStart = chunkStarts[index];
        const chunk = result.getChunk(index);
        const chunkEnd = chunkStart + chunk.rowCount;
        if (chunkEnd <= start || chunkStart >= end) continue;
        const from = Math.max(start, chunkStart) - chunkStart;
        const to = Math.min(end, chunkEnd) - chunkStart;
        columns.forEach(({ encoding }, column) => {
          const target = out[column];
          if (encoding.asJson) {
            for (const value of chunk.convertColumnValues(column, jsonConverter).slice(from, to)) {
              target.push(value === null ? null : JSON.stringify(value));
            }
          } else {
            for (const value of chunk.getColumnValues(column).slice(from, to)) {
              target.push(value === null ? null : encoding.toArrow(value));
            }
          }
        });
      }
      return out;
    },
  };
}

/** Result columns for a DuckDB result, in order, typed the way Spark would report them. */
export function resultColumnsOf(result: DuckDBMaterializedResult): ResultColumn[] {
  return result.columnNames().map((name, index) => ({ name, encoding: columnEncodingFor(result.columnType(index)) }));
}

/** A result made of values already in hand (e.g. the `num_affected_rows` row of an INSERT). */
export function fixedRows(valuesByColumn: unknown[][]): RowSource {
  const rowCount = valuesByColumn[0]?.length ?? 0;
  return {
    rowCount,
    read: (start, count) => valuesByColumn.map((values) => values.slice(start, start + count)),
  };
}

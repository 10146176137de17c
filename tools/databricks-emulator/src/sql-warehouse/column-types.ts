import type {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampValue,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import type { ArrowRuntime, ArrowType } from './driver-modules.js';
import { SqlStatementError } from './sql-errors.js';

/** The Spark (Thrift `TTypeId`) type a result column is reported as. */
export type SparkTypeName =
  | 'BOOLEAN_TYPE'
  | 'TINYINT_TYPE'
  | 'SMALLINT_TYPE'
  | 'INT_TYPE'
  | 'BIGINT_TYPE'
  | 'FLOAT_TYPE'
  | 'DOUBLE_TYPE'
  | 'STRING_TYPE'
  | 'TIMESTAMP_TYPE'
  | 'BINARY_TYPE'
  | 'ARRAY_TYPE'
  | 'MAP_TYPE'
  | 'STRUCT_TYPE'
  | 'DECIMAL_TYPE'
  | 'NULL_TYPE'
  | 'DATE_TYPE';

/** How one DuckDB result column is presented to the driver: its Spark type, Arrow type and value conversion. */
export interface ColumnEncoding {
  sparkType: SparkTypeName;
  /** DECIMAL only. */
  precision?: number;
  scale?: number;
  arrowType(arrow: ArrowRuntime): ArrowType;
  /** DuckDB value (never null) → what the driver's Arrow builder takes for `arrowType`. */
  toArrow(value: DuckDBValue): unknown;
  /** Nested types are sent as JSON text (the driver parses it back for ARRAY/MAP/STRUCT columns). */
  asJson?: boolean;
}

/** `DuckDBTypeId` values, restated so this module needs no runtime import of the native package. */
const TypeId = {
  BOOLEAN: 1,
  TINYINT: 2,
  SMALLINT: 3,
  INTEGER: 4,
  BIGINT: 5,
  UTINYINT: 6,
  USMALLINT: 7,
  UINTEGER: 8,
  UBIGINT: 9,
  FLOAT: 10,
  DOUBLE: 11,
  TIMESTAMP: 12,
  DATE: 13,
  HUGEINT: 16,
  BLOB: 18,
  DECIMAL: 19,
  TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22,
  LIST: 24,
  STRUCT: 25,
  MAP: 26,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
  ARRAY: 33,
  SQLNULL: 36,
} as const;

const MS_PER_DAY = 86_400_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const same = (value: DuckDBValue): unknown => value;
const text = (value: DuckDBValue): unknown => String(value);

function toInt64(value: DuckDBValue): bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value as number);
  if (big < INT64_MIN || big > INT64_MAX) {
    // Spark reports integers as BIGINT (e.g. SUM); DuckDB widens to HUGEINT, so a value past 64 bits overflows here.
    throw new SqlStatementError('ARITHMETIC_OVERFLOW', '22003', `Value ${big} does not fit a BIGINT result column.`);
  }
  return big;
}

/** Unscaled decimal → the four little-endian 32-bit words of a 128-bit two's complement Arrow Decimal. */
function decimalWords(value: DuckDBValue): Uint32Array {
  let bits = BigInt.asUintN(128, (value as DuckDBDecimalValue).value);
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i += 1) {
    words[i] = Number(bits & 0xffffffffn);
    bits >>= 32n;
  }
  return words;
}

const int = (sparkType: SparkTypeName, arrowType: (a: ArrowRuntime) => ArrowType): ColumnEncoding => ({
  sparkType,
  arrowType,
  toArrow: (value) => Number(value),
});
/** BIGINT as Spark reports it (also the type of `num_affected_rows`): DuckDB hands BIGINT values over as bigint. */
export const BIGINT_ENCODING: ColumnEncoding = {
  sparkType: 'BIGINT_TYPE',
  arrowType: (a) => new a.Int64(),
  toArrow: same,
};
/** Wider or unsigned integers reported as BIGINT, checked to fit. */
const WIDE_INTEGER_ENCODING: ColumnEncoding = { ...BIGINT_ENCODING, toArrow: toInt64 };
const timestamp = (toMs: (value: DuckDBValue) => number): ColumnEncoding => ({
  sparkType: 'TIMESTAMP_TYPE',
  arrowType: (a) => new a.TimestampMicrosecond('UTC'),
  toArrow: toMs,
});
const string: ColumnEncoding = { sparkType: 'STRING_TYPE', arrowType: (a) => new a.Utf8(), toArrow: text };
const json = (sparkType: SparkTypeName): ColumnEncoding => ({
  sparkType,
  arrowType: (a) => new a.Utf8(),
  toArrow: same,
  asJson: true,
});

/**
 * DuckDB column type → Spark column type, following what a Databricks warehouse returns for the same query:
 * unsigned integers widen to the next signed type, HUGEINT (DuckDB's SUM/… of integers) is BIGINT as in Spark,
 * timestamps are microsecond instants in UTC, nested values are JSON text, and types Spark lacks (TIME, UUID,
 * INTERVAL, ENUM, …) are strings.
 */
// eslint-disable-next-line max-lines-per-function -- a switch with one case per DuckDB type id
export function columnEncodingFor(type: DuckDBType): ColumnEncoding {
  switch (type.typeId) {
    case TypeId.BOOLEAN:
      return { sparkType: 'BOOLEAN_TYPE', arrowType: (a) => new a.Bool(), toArrow: same };
    case TypeId.TINYINT:
      return int('TINYINT_TYPE', (a) => new a.Int8());
    case TypeId.SMALLINT:
    case TypeId.UTINYINT:
      return int('SMALLINT_TYPE', (a) => new a.Int16());
    case TypeId.INTEGER:
    case TypeId.USMALLINT:
      return int('INT_TYPE', (a) => new a.Int32());
    case TypeId.BIGINT:
      return BIGINT_ENCODING;
    case TypeId.UINTEGER:
    case TypeId.UBIGINT:
    case TypeId.HUGEINT:
    case TypeId.UHUGEINT:
      return WIDE_INTEGER_ENCODING;
    case TypeId.FLOAT:
      return { sparkType: 'FLOAT_TYPE', arrowType: (a) => new a.Float32(), toArrow: same };
    case TypeId.DOUBLE:
      return { sparkType: 'DOUBLE_TYPE', arrowType: (a) => new a.Float64(), toArrow: same };
    case TypeId.DECIMAL: {
      const { width, scale } = type;
      return {
        sparkType: 'DECIMAL_TYPE',
        precision: width,
        scale,
        arrowType: (a) => new a.Decimal(scale, width, 128),
        toArrow: decimalWords,
      };
    }
    case TypeId.DATE:
      return {
        sparkType: 'DATE_TYPE',
        arrowType: (a) => new a.DateDay(),
        toArrow: (value) => (value as DuckDBDateValue).days * MS_PER_DAY,
      };
    case TypeId.TIMESTAMP:
    case TypeId.TIMESTAMP_TZ:
      return timestamp((value) => Number((value as DuckDBTimestampValue).micros) / 1000);
    case TypeId.TIMESTAMP_S:
      return timestamp((value) => Number((value as DuckDBTimestampSecondsValue).seconds) * 1000);
    case TypeId.TIMESTAMP_MS:
      return timestamp((value) => Number((value as DuckDBTimestampMillisecondsValue).millis));
    case TypeId.TIMESTAMP_NS:
      return timestamp((value) => Number((value as DuckDBTimestampNanosecondsValue).nanos / 1_000_000n));
    case TypeId.BLOB:
      return {
        sparkType: 'BINARY_TYPE',
        arrowType: (a) => new a.Binary(),
        toArrow: (v) => (v as DuckDBBlobValue).bytes,
      };
    case TypeId.LIST:
    case TypeId.ARRAY:
      return json('ARRAY_TYPE');
    case TypeId.STRUCT:
      return json('STRUCT_TYPE');
    case TypeId.MAP:
      return json('MAP_TYPE');
    case TypeId.SQLNULL:
      return { sparkType: 'NULL_TYPE', arrowType: (a) => new a.Null(), toArrow: () => null };
    default:
      return string;
  }
}

import type { ArrowRuntime, ArrowType } from './driver-modules.js';

/** One result column as Arrow sees it. */
export interface ArrowColumn {
  name: string;
  type: ArrowType;
}

/** Length of the Arrow IPC end-of-stream marker (continuation token + zero length) the stream writer appends. */
const END_OF_STREAM_BYTES = 8;

/**
 * Arrow IPC encoding as a Databricks warehouse sends it over Thrift: the schema message once
 * (`TGetResultSetMetadataResp.arrowSchema`), then each page as a bare record-batch message
 * (`TSparkArrowBatch.batch`). The driver glues `[schema, ...batches]` back into a stream and reads it, so
 * neither part may carry an end-of-stream marker.
 */
export class ArrowIpcEncoder {
  private readonly schema: object;
  private readonly fields: object[];
  /** The schema message, without end-of-stream marker. */
  readonly schemaMessage: Buffer;

  constructor(
    private readonly arrow: ArrowRuntime,
    private readonly columns: readonly ArrowColumn[],
  ) {
    this.fields = columns.map((column) => new arrow.Field(column.name, column.type, true));
    this.schema = new arrow.Schema(this.fields);
    const writer = new arrow.RecordBatchStreamWriter();
    writer.reset(undefined, this.schema);
    writer.finish();
    const stream = writer.toUint8Array(true);
    this.schemaMessage = Buffer.from(stream.subarray(0, stream.length - END_OF_STREAM_BYTES));
  }

  /** One record-batch message holding `rowCount` rows, given column-major values (null for SQL NULL). */
  encodeBatch(valuesByColumn: readonly (readonly unknown[])[], rowCount: number): Buffer {
    const { arrow } = this;
    const children = this.columns.map((column, index) => {
      const builder = arrow.makeBuilder({ type: column.type, nullValues: [null, undefined] });
      for (const value of valuesByColumn[index] ?? []) builder.append(value);
      return builder.finish().flush();
    });
    const data = arrow.makeData({ type: new arrow.Struct(this.fields), length: rowCount, nullCount: 0, children });
    const stream = arrow.RecordBatchStreamWriter.writeAll([new arrow.RecordBatch(this.schema, data)]).toUint8Array(
      true,
    );
    return Buffer.from(stream.subarray(this.schemaMessage.length, stream.length - END_OF_STREAM_BYTES));
  }
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tcli from '@databricks/sql/thrift/TCLIService_types.js';

/**
 * The one place that loads code from the `@databricks/sql` driver's own dependency tree.
 *
 * The warehouse speaks the driver's wire protocol with the driver's generated Thrift code, so both sides agree
 * on every struct by construction. `thrift`, `node-int64` and `apache-arrow` are resolved from the driver's
 * location because the driver pins versions that differ from the workspace's top-level copies (Arrow 13 vs 21):
 * Int64 values we hand to its Thrift structs must be the same class its serializer checks for.
 */
export interface DriverModules {
  ttypes: typeof Tcli;
  /** The generated TCLIService module: `Processor(handler)`. */
  service: { Processor: new (handler: object) => ThriftProcessor };
  thrift: ThriftRuntime;
  Int64: new (value: number | Buffer) => Tcli.TSparkArrowBatch['rowCount'];
  arrow: ArrowRuntime;
}

export interface ThriftProcessor {
  process(input: ThriftProtocol, output: ThriftProtocol): void;
}

/** Opaque protocol object of the `thrift` runtime: only passed between its own functions. */
export type ThriftProtocol = object;

export interface ThriftTransport {
  commitPosition(): void;
  rollbackPosition(): void;
}

export interface ThriftRuntime {
  TBufferedTransport: {
    new (buffer: undefined, onFlush: (message: Buffer) => void): ThriftTransport;
    receiver(onData: (transport: ThriftTransport) => void): (data: Buffer) => void;
  };
  TBinaryProtocol: new (transport: ThriftTransport) => ThriftProtocol;
  InputBufferUnderrunError: new (...args: unknown[]) => Error;
}

/**
 * The slice of apache-arrow (the driver's copy) used to encode result batches. Values are typed loosely on
 * purpose: the classes come from a different major version than the workspace's `apache-arrow` types.
 */
export interface ArrowRuntime {
  Field: new (name: string, type: ArrowType, nullable: boolean) => ArrowField;
  Schema: new (fields: ArrowField[]) => object;
  Struct: new (fields: ArrowField[]) => ArrowType;
  RecordBatch: new (schema: object, data: object) => object;
  RecordBatchStreamWriter: {
    new (): {
      reset(sink: undefined, schema: object): unknown;
      finish(): unknown;
      toUint8Array(sync: true): Uint8Array;
    };
    writeAll(batches: object[]): { toUint8Array(sync: true): Uint8Array };
  };
  makeData(props: { type: ArrowType; length: number; nullCount: number; children: object[] }): object;
  makeBuilder(options: { type: ArrowType; nullValues: unknown[] }): {
    append(value: unknown): unknown;
    finish(): { flush(): object };
  };
  Bool: new () => ArrowType;
  Int8: new () => ArrowType;
  Int16: new () => ArrowType;
  Int32: new () => ArrowType;
  Int64: new () => ArrowType;
  Float32: new () => ArrowType;
  Float64: new () => ArrowType;
  Utf8: new () => ArrowType;
  Binary: new () => ArrowType;
  DateDay: new () => ArrowType;
  TimestampMicrosecond: new (timezone?: string | null) => ArrowType;
  Decimal: new (scale: number, precision: number, bitWidth: number) => ArrowType;
  Null: new () => ArrowType;
}

export type ArrowType = object;
export type ArrowField = object;

let loaded: DriverModules | undefined;

export function loadDriverModules(): DriverModules {
  if (loaded) return loaded;
  const workspaceRequire = createRequire(import.meta.url);
  let driverPackageJson: string;
  try {
    driverPackageJson = workspaceRequire.resolve('@databricks/sql/package.json');
  } catch {
    throw new Error(
      'The SQL warehouse emulator needs the @databricks/sql driver installed (npm ci at the workspace root).',
    );
  }
  const driverRoot = dirname(driverPackageJson);
  const driverRequire = createRequire(driverPackageJson);
  const thrift = driverRequire('thrift') as ThriftRuntime;
  loaded = {
    ttypes: driverRequire(join(driverRoot, 'thrift', 'TCLIService_types.js')) as typeof Tcli,
    service: driverRequire(join(driverRoot, 'thrift', 'TCLIService.js')) as DriverModules['service'],
    thrift,
    Int64: driverRequire('node-int64') as DriverModules['Int64'],
    arrow: driverRequire('apache-arrow') as ArrowRuntime,
  };
  return loaded;
}

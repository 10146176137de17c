import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  resolveSimulationParams,
  simulateTransactions,
  type DatasetField,
  type SimulationParams,
  type TransactionColumns,
} from '@fraudops/transactions';
import { readTransactions, writeTransactions, type OnInvalid } from '@fraudops/transactions-io';
import type { Progress } from '@fraudops/cli';

/** Transactions ready for the feature pipeline: in memory, and as a canonical Parquet file DuckDB reads. */
export interface PreparedData {
  columns: TransactionColumns;
  /** Canonical Parquet file (contract column names) the feature SQL runs over. */
  parquetPath: string;
  /** Day 0 of the data, `YYYY-MM-DD` (split days count from it). */
  startDate: string;
  /** Human description for the model card: `simulator (handbook defaults)`, a file path. */
  source: string;
  /** Whether the file came from the cache rather than being generated/converted now. */
  cached: boolean;
  /** Rows dropped by `--on-invalid skip` (0 otherwise). */
  invalidRows: number;
}

export interface DataOptions {
  /** A transactions file (.parquet/.csv); the built-in simulator when absent. */
  dataPath?: string;
  columns?: Partial<Record<DatasetField, string>>;
  onInvalid?: OnInvalid;
  simulation?: Partial<SimulationParams>;
  /** Where simulated data and converted files are cached. @defaultValue `data` */
  cacheDir: string;
  progress?: (label: string, total: number) => Progress;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

function isoDay(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds / 86400) * 86400 * 1000).toISOString().slice(0, 10);
}

/**
 * Simulated data is generated once per parameter set and cached as Parquet beside a small JSON note of its
 * parameters; later runs read the file back (an exact round trip) instead of simulating again.
 */
async function simulated(options: DataOptions): Promise<PreparedData> {
  const params = resolveSimulationParams(options.simulation ?? {});
  const key = digest(params);
  const parquetPath = join(options.cacheDir, `transactions-${key}.parquet`);
  const notePath = `${parquetPath}.json`;
  const isDefault = digest(resolveSimulationParams({})) === key;
  const source = isDefault ? 'simulator (handbook defaults)' : `simulator ${JSON.stringify(params)}`;
  if (existsSync(parquetPath) && existsSync(notePath)) {
    const note = JSON.parse(readFileSync(notePath, 'utf8')) as { startDate: string };
    const columns = await readTransactions(parquetPath);
    return { columns, parquetPath, startDate: note.startDate, source, cached: true, invalidRows: 0 };
  }
  let bar: Progress | undefined;
  const columns = simulateTransactions(params, {
    onProgress: (p) => {
      if (p.stage !== 'transactions') return;
      bar ??= options.progress?.('simulate', p.total);
      bar?.update(p.done);
    },
  });
  bar?.stop();
  mkdirSync(options.cacheDir, { recursive: true });
  const temporary = `${parquetPath}.${process.pid}.tmp.parquet`;
  await writeTransactions(temporary, columns);
  renameSync(temporary, parquetPath);
  writeFileSync(notePath, JSON.stringify({ params, startDate: params.startDate }, null, 2));
  return { columns, parquetPath, startDate: params.startDate, source, cached: false, invalidRows: 0 };
}

/** A user's file: validated against the contract (with a column mapping), then cached in canonical form. */
async function fromFile(path: string, options: DataOptions): Promise<PreparedData> {
  const columns = await readTransactions(path, { columns: options.columns, onInvalid: options.onInvalid });
  const stat = readFileSync(path);
  const key = digest({
    file: createHash('sha256').update(stat).digest('hex'),
    columns: options.columns ?? {},
    onInvalid: options.onInvalid ?? 'fail',
  });
  const parquetPath = join(options.cacheDir, `file-${key}.parquet`);
  const cached = existsSync(parquetPath);
  if (!cached) {
    mkdirSync(options.cacheDir, { recursive: true });
    const temporary = `${parquetPath}.${process.pid}.tmp.parquet`;
    await writeTransactions(temporary, columns);
    renameSync(temporary, parquetPath);
  }
  let first = Infinity;
  for (let i = 0; i < columns.length; i++) if (columns.txDatetime[i] < first) first = columns.txDatetime[i];
  return {
    columns,
    parquetPath,
    startDate: isoDay(Number.isFinite(first) ? first : 0),
    source: path,
    cached,
    invalidRows: columns.report.invalidRows,
  };
}

export async function prepareData(options: DataOptions): Promise<PreparedData> {
  return options.dataPath ? fromFile(options.dataPath, options) : simulated(options);
}

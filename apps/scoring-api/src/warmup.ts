import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvError, parse } from 'csv-parse';
import type { z } from 'zod';
import { ScoringError } from './errors.js';
import type { FeaturePipeline } from './features/feature-pipeline.js';
import { formatPath } from './http/validation.js';
import type { Logger } from './logger.js';
import { yieldToEventLoop } from './mutex.js';

export interface WarmUpOptions<T> {
  pipeline: FeaturePipeline<T>;
  /** The Transaction contract: history rows are validated exactly like API requests. */
  transactionSchema: z.ZodType<T>;
  /** Restored when the file exists (it is newer than any history file). */
  snapshot?: string;
  /** CSV (header row) or NDJSON transactions, replayed when no snapshot exists. */
  history?: string;
  /** Only transactions within this many days before the newest one are replayed. */
  historyDays: number;
  logger: Logger;
  /** Rows between two yields to the event loop (the server answers probes while warming up). */
  chunkRows?: number;
}

export interface WarmUpResult {
  source: 'snapshot' | 'history' | 'none';
  transactions: number;
  labels: number;
}

const DAY_SECONDS = 86_400;

/**
 * Brings the online state up to date before the service reports ready: restores the snapshot if there is
 * one, else replays the last `historyDays` of a history file (with its labels, when it has `tx_fraud`).
 */
export async function warmUp<T>(options: WarmUpOptions<T>): Promise<WarmUpResult> {
  const { pipeline, logger } = options;
  if (options.snapshot && existsSync(options.snapshot)) {
    await pipeline.loadSnapshot(options.snapshot);
    logger.info({ snapshot: options.snapshot, transactions: pipeline.size }, 'online state restored from snapshot');
    return { source: 'snapshot', transactions: pipeline.size, labels: 0 };
  }
  if (!options.history) return { source: 'none', transactions: 0, labels: 0 };

  const rows = await readHistory(options.history, options.transactionSchema);
  const times = Float64Array.from(rows, (r) => pipeline.timeOf(r.transaction));
  let newest = Number.NEGATIVE_INFINITY;
  for (const t of times) if (t > newest) newest = t;
  const from = newest - options.historyDays * DAY_SECONDS;
  const order = Array.from({ length: rows.length }, (_, i) => i)
    .filter((i) => times[i] > from)
    .sort((a, b) => times[a] - times[b] || a - b);

  const scratch = new Float32Array(pipeline.spec.features.length);
  const chunk = options.chunkRows ?? 4096;
  let labels = 0;
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && k % chunk === 0) await yieldToEventLoop();
    const row = rows[order[k]];
    pipeline.vectorize(row.transaction, scratch, 0);
    // A label recorded at once only enters windows that end at least the label delay later, which is
    // exactly when a live service would have learnt it.
    if (row.fraud !== undefined) {
      pipeline.label(pipeline.keyOf(row.transaction), row.fraud);
      labels++;
    }
  }
  logger.info(
    { history: options.history, replayed: order.length, labels, days: options.historyDays },
    'online state warmed from history',
  );
  return { source: 'history', transactions: order.length, labels };
}

interface HistoryRow<T> {
  transaction: T;
  fraud?: boolean;
}

/** Reads a CSV or NDJSON transactions file, validating every row; the error names the line and field. */
export async function readHistory<T>(path: string, schema: z.ZodType<T>): Promise<Array<HistoryRow<T>>> {
  if (!existsSync(path)) throw new ScoringError('STARTUP_FAILED', `HISTORY file ${path} does not exist.`);
  const records = /\.(nd)?jsonl?$/i.test(path) ? ndjsonRecords(path) : csvRecords(path);
  const rows: Array<HistoryRow<T>> = [];
  for await (const { record, line } of records) {
    const { tx_fraud: fraud, tx_fraud_scenario: _scenario, ...fields } = record;
    const parsed = schema.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ScoringError(
        'STARTUP_FAILED',
        `HISTORY ${path} line ${line}: ${formatPath(issue.path)} ${issue.message}`,
      );
    }
    rows.push({
      transaction: parsed.data,
      fraud: fraud === undefined || fraud === null || fraud === '' ? undefined : Number(fraud) === 1,
    });
  }
  return rows;
}

interface HistoryRecord {
  record: Record<string, unknown>;
  /** 1-based line number in the file, for messages. */
  line: number;
}

/** One JSON object per non-blank line. */
async function* ndjsonRecords(path: string): AsyncGenerator<HistoryRecord> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { record: JSON.parse(text) as Record<string, unknown>, line };
    } catch {
      throw new ScoringError('STARTUP_FAILED', `HISTORY ${path} line ${line} is not valid JSON.`);
    }
  }
}

/** CSV with a header row (RFC 4180, read by csv-parse); header names are matched case-insensitively. */
async function* csvRecords(path: string): AsyncGenerator<HistoryRecord> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, info: true, relax_column_count: true, relax_quotes: true }),
  );
  let header: string[] | undefined;
  try {
    for await (const { record: cells, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (cells.length === 1 && cells[0].trim() === '') continue;
      if (!header) {
        header = cells.map((c) => c.trim().toLowerCase());
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((name, i) => (record[name] = csvValue(cells[i])));
      yield { record, line: info.lines };
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const problem = error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unterminated quoted field' : error.message;
    throw new ScoringError('STARTUP_FAILED', `HISTORY ${path} line ${String(error.lines)}: ${problem}`);
  }
}

/** Numbers as numbers, everything else as the trimmed text. */
function csvValue(cell: string | undefined): unknown {
  if (cell === undefined) return undefined;
  const text = cell.trim();
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(text) ? n : text;
}

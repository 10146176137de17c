import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
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
  logger.info({ history: options.history, replayed: order.length, labels, days: options.historyDays }, 'online state warmed from history');
  return { source: 'history', transactions: order.length, labels };
}

interface HistoryRow<T> {
  transaction: T;
  fraud?: boolean;
}

/** Reads a CSV or NDJSON transactions file, validating every row; the error names the line and field. */
export async function readHistory<T>(path: string, schema: z.ZodType<T>): Promise<Array<HistoryRow<T>>> {
  if (!existsSync(path)) throw new ScoringError('STARTUP_FAILED', `HISTORY file ${path} does not exist.`);
  const ndjson = /\.(nd)?jsonl?$/i.test(path);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  const rows: Array<HistoryRow<T>> = [];
  let header: string[] | undefined;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    if (ndjson) {
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new ScoringError('STARTUP_FAILED', `HISTORY ${path} line ${lineNumber} is not valid JSON.`);
      }
    } else {
      const cells = splitCsvLine(line);
      if (!header) {
        header = cells.map((c) => c.trim().toLowerCase());
        continue;
      }
      record = {};
      header.forEach((name, i) => (record[name] = csvValue(cells[i])));
    }
    const { tx_fraud: fraud, tx_fraud_scenario: _scenario, ...fields } = record;
    const parsed = schema.safeParse(fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ScoringError('STARTUP_FAILED', `HISTORY ${path} line ${lineNumber}: ${formatPath(issue.path)} ${issue.message}`);
    }
    rows.push({ transaction: parsed.data, fraud: fraud === undefined || fraud === null || fraud === '' ? undefined : Number(fraud) === 1 });
  }
  return rows;
}

/** Numbers as numbers, everything else as the trimmed text. */
function csvValue(cell: string | undefined): unknown {
  if (cell === undefined) return undefined;
  const text = cell.trim();
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(text) ? n : text;
}

/** One CSV line (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

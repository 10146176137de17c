import { parse } from 'csv-parse/sync';
import { TrainerError } from './errors.js';
import type { PreparedSplit, WindowRows } from './split.js';
import type { TuneOptions, TuneResult, Trial } from './tune.js';

// The files between `tune --backend databricks` and the job it starts (src/tune-job.ts, run by
// databricks/tune.py): the launcher writes `tune-inputs.json` and one CSV per fold window into the launch
// folder of a volume; the job writes `progress.json` after every trial and `tune-result.json` at the end.

export const TUNE_INPUTS_FILE = 'tune-inputs.json';
export const TUNE_RESULT_FILE = 'tune-result.json';
export const TUNE_PROGRESS_FILE = 'progress.json';
const INPUTS_SCHEMA = 'fraudops-tune-inputs/1';
const RESULT_SCHEMA = 'fraudops-tune-result/1';

/** Columns of every fold CSV: the keys evaluation needs, the label, then the features in spec order. */
export const FOLD_CSV_KEYS = ['transaction_id', 'customer_id', 'day', 'amount', 'tx_fraud'] as const;

interface WindowFile {
  /** File name inside the inputs folder. */
  file: string;
  period: [number, number];
}

/** What the job needs: the search settings and, per fold, its window files. */
export interface TuneJobInputs {
  schema: typeof INPUTS_SCHEMA;
  /** What the launcher read: the source's first day (day 0 of the fold days) and a digest of its rows. */
  launch: { dayZero: string; source: { table: string; rows: number; fingerprint: string } };
  featureNames: string[];
  search: Omit<TuneOptions, 'onTrial' | 'now'>;
  folds: Array<{
    fold: number;
    trainWindow: [number, number];
    train: WindowFile;
    validation?: WindowFile;
    test: WindowFile;
  }>;
}

export function tuneJobInputs(fields: Omit<TuneJobInputs, 'schema'>): TuneJobInputs {
  return { schema: INPUTS_SCHEMA, ...fields };
}

/** What the job writes when it is done. */
export interface TuneJobResult {
  schema: typeof RESULT_SCHEMA;
  trials: Trial[];
  /** Index into `trials` of the winner. */
  best: number;
  stopped: TuneResult['stopped'];
  node: string;
}

export function tuneJobResult(result: TuneResult): TuneJobResult {
  return {
    schema: RESULT_SCHEMA,
    trials: result.trials,
    best: result.trials.indexOf(result.best),
    stopped: result.stopped,
    node: process.version,
  };
}

/** After each trial: how far the search is (the launcher prints it while it waits). */
export interface TuneJobProgress {
  done: number;
  of: number;
  last: { trial: number; ap: number; cp: number };
  best: { trial: number; ap: number };
}

function invalid(source: string, problem: string): never {
  throw new TrainerError('INVALID_RUN_OUTPUT', `${source}: ${problem}`);
}

function parseJson(text: string, source: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    invalid(source, `not JSON (${(error as Error).message})`);
  }
  return invalid(source, 'expected a JSON object');
}

export function parseTuneJobInputs(text: string, source: string): TuneJobInputs {
  const value = parseJson(text, source);
  if (value['schema'] !== INPUTS_SCHEMA) invalid(source, `schema must be ${INPUTS_SCHEMA}`);
  return value as unknown as TuneJobInputs;
}

/** The job's result, checked enough that a bad file is named instead of breaking later. */
export function parseTuneJobResult(
  text: string,
  source: string,
  folds: number,
): Pick<TuneResult, 'trials' | 'best' | 'stopped'> {
  const value = parseJson(text, source);
  if (value['schema'] !== RESULT_SCHEMA) invalid(source, `schema must be ${RESULT_SCHEMA}`);
  const trials = value['trials'] as Trial[];
  if (!Array.isArray(trials) || trials.length === 0) invalid(source, 'trials must be a non-empty list');
  for (const t of trials) {
    if (!Array.isArray(t.folds) || t.folds.length !== folds)
      invalid(source, `trial ${String(t.trial)} has ${t.folds?.length ?? 0} fold scores, expected ${folds}`);
  }
  const best = trials[value['best'] as number];
  if (!best) invalid(source, `best ${JSON.stringify(value['best'])} is not a trial index`);
  const stopped = value['stopped'] === 'time-budget' ? 'time-budget' : 'trials';
  return { trials, best, stopped };
}

/** One fold window from its CSV (columns FOLD_CSV_KEYS then the features, rows in time order). */
export function windowFromCsv(
  text: string,
  names: readonly string[],
  period: [number, number],
  source: string,
): WindowRows {
  const records: string[][] = parse(text, { skip_empty_lines: true });
  const header = records[0] ?? [];
  const expected = [...FOLD_CSV_KEYS, ...names];
  if (header.join(',') !== expected.join(','))
    throw new TrainerError(
      'INVALID_OPTION',
      `${source}: columns must be ${expected.join(',')}, got ${header.join(',')}`,
    );
  const rows = records.length - 1;
  const cols = names.length;
  const values = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  const cardIds = new Float64Array(rows);
  const days = new Float64Array(rows);
  const amounts = new Float64Array(rows);
  const keys = FOLD_CSV_KEYS.length;
  for (let r = 0; r < rows; r++) {
    const cells = records[r + 1];
    cardIds[r] = Number(cells[1]);
    days[r] = Number(cells[2]);
    amounts[r] = Number(cells[3]);
    labels[r] = Number(cells[4]) === 1 ? 1 : 0;
    for (let c = 0; c < cols; c++) {
      const v = Number(cells[keys + c]);
      if (cells[keys + c] === '' || !Number.isFinite(v))
        throw new TrainerError('INVALID_OPTION', `${source} line ${r + 2}: ${names[c]} is "${cells[keys + c]}"`);
      values[r * cols + c] = v;
    }
  }
  return {
    rows: Uint32Array.from({ length: rows }, (_, i) => i),
    matrix: { rows, cols, values },
    labels,
    cardIds,
    days,
    amounts,
    period,
  };
}

/** The fold windows the job trains and scores on, from the inputs folder (`read` gives a file's text). */
export async function foldWindowsFromFiles(
  inputs: TuneJobInputs,
  read: (file: string) => Promise<string>,
): Promise<PreparedSplit[]> {
  const windows: PreparedSplit[] = [];
  for (const fold of inputs.folds) {
    const load = async (w: WindowFile) => windowFromCsv(await read(w.file), inputs.featureNames, w.period, w.file);
    windows.push({
      train: await load(fold.train),
      ...(fold.validation ? { validation: await load(fold.validation) } : {}),
      test: await load(fold.test),
      trainWindow: fold.trainWindow,
      delayDays: inputs.search.split.delayDays,
    });
  }
  return windows;
}

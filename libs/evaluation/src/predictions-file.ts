import { CsvError, parse } from 'csv-parse/sync';
import { EvaluationError, EvaluationErrorCode } from './errors.js';
import type { PredictionColumns } from './metric-set.js';

/**
 * The predictions file any model can be evaluated from: CSV with a header, columns `score` and `label`
 * and optionally `customer_id`, `day` and `amount` (a few common aliases are accepted, case-insensitive).
 */
export interface PredictionsTable extends PredictionColumns {
  scores: Float64Array;
  labels: Uint8Array;
  cardIds?: Float64Array;
  days?: Float64Array;
  amounts?: Float64Array;
  rows: number;
  /** The optional columns that were present, by canonical name. */
  optionalColumns: Array<'customer_id' | 'day' | 'amount'>;
}

const ALIASES: Record<'score' | 'label' | 'customer_id' | 'day' | 'amount', string[]> = {
  score: ['score', 'prediction', 'predictions', 'probability', 'proba'],
  label: ['label', 'tx_fraud', 'is_fraud', 'fraud', 'y', 'y_true'],
  customer_id: ['customer_id', 'card_id', 'card'],
  day: ['day', 'tx_time_days', 'date'],
  amount: ['amount', 'tx_amount'],
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MS_PER_DAY = 86_400_000;

/** One CSV record and the line it ends on (1-based, as an editor shows it). */
interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * The records of CSV text (RFC 4180, read by csv-parse): a BOM is dropped, blank lines at the end are
 * ignored, a row's field count is left to the caller (so the message can name the line).
 */
function readRecords(text: string, source: string): CsvRecord[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info: true` each element is `{record, info}`; csv-parse's typings only describe plain records.
    parsed = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === 'number' ? error.lines : '?';
    const problem = error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unterminated quoted field' : error.message;
    throw new EvaluationError(EvaluationErrorCode.invalidFile, `${source} line ${line}: ${problem}`, { cause: error });
  }
  const records = parsed.map(({ record, info }) => ({ fields: record, line: info.lines }));
  const blank = (record: CsvRecord) => record.fields.length === 1 && record.fields[0].trim() === '';
  while (records.length > 0 && blank(records[records.length - 1])) records.pop();
  return records;
}

/** Parses predictions CSV text. `source` (a file name) prefixes error messages. */
// eslint-disable-next-line max-lines-per-function -- header checks then one pass over the records, naming the row and column of each problem
export function parsePredictionsCsv(text: string, source = 'predictions'): PredictionsTable {
  const [headerRecord, ...records] = readRecords(text, source);
  if (headerRecord === undefined)
    throw new EvaluationError(EvaluationErrorCode.emptyInput, `${source} is empty; expected a header line`);
  const header = headerRecord.fields.map((name) => name.trim().toLowerCase());
  const position = (canonical: keyof typeof ALIASES): number => {
    const found = header.findIndex((name) => ALIASES[canonical].includes(name));
    return found;
  };
  const columns = {
    score: position('score'),
    label: position('label'),
    customer_id: position('customer_id'),
    day: position('day'),
    amount: position('amount'),
  };
  for (const required of ['score', 'label'] as const) {
    if (columns[required] === -1) {
      throw new EvaluationError(
        EvaluationErrorCode.missingColumn,
        `${source}: no ${required} column (header: ${header.join(',')}); expected one of ${ALIASES[required].join(', ')}`,
      );
    }
  }
  const rows = records.length;
  if (rows === 0) throw new EvaluationError(EvaluationErrorCode.emptyInput, `${source} has a header but no rows`);
  const scores = new Float64Array(rows);
  const labels = new Uint8Array(rows);
  const cardTexts: string[] | undefined = columns.customer_id === -1 ? undefined : new Array<string>(rows);
  const dayTexts: string[] | undefined = columns.day === -1 ? undefined : new Array<string>(rows);
  const amounts = columns.amount === -1 ? undefined : new Float64Array(rows);

  for (let row = 0; row < rows; row++) {
    const { fields, line: lineNumber } = records[row];
    if (fields.length !== header.length) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidFile,
        `${source} line ${lineNumber}: ${fields.length} fields but the header has ${header.length}`,
      );
    }
    const number = (column: number, name: string): number => {
      const raw = fields[column].trim();
      if (NON_FINITE.test(raw)) {
        throw new EvaluationError(
          EvaluationErrorCode.nonFinite,
          `${source} line ${lineNumber}, column ${name}: ${raw} is not a finite number`,
        );
      }
      if (!NUMBER.test(raw)) {
        throw new EvaluationError(
          EvaluationErrorCode.invalidFile,
          `${source} line ${lineNumber}, column ${name}: "${raw}" is not a number`,
        );
      }
      return Number(raw);
    };
    scores[row] = number(columns.score, 'score');
    const label = number(columns.label, 'label');
    if (label !== 0 && label !== 1) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidLabel,
        `${source} line ${lineNumber}, column label: ${label} is not 0 or 1`,
      );
    }
    labels[row] = label;
    if (cardTexts) cardTexts[row] = fields[columns.customer_id].trim();
    if (dayTexts) dayTexts[row] = fields[columns.day].trim();
    if (amounts) amounts[row] = number(columns.amount, 'amount');
  }

  const table: PredictionsTable = { scores, labels, rows, optionalColumns: [] };
  if (cardTexts) {
    table.cardIds = cardIdsOf(cardTexts);
    table.optionalColumns.push('customer_id');
  }
  if (dayTexts) {
    table.days = daysOf(
      dayTexts,
      records.map((record) => record.line),
      source,
    );
    table.optionalColumns.push('day');
  }
  if (amounts) {
    table.amounts = amounts;
    table.optionalColumns.push('amount');
  }
  return table;
}

/** Numeric ids stay as they are (card precision breaks ties by id); any other ids get 0, 1, 2… in order of appearance. */
function cardIdsOf(texts: string[]): Float64Array {
  if (texts.every((text) => NUMBER.test(text))) return Float64Array.from(texts, Number);
  const index = new Map<string, number>();
  return Float64Array.from(texts, (text) => {
    let id = index.get(text);
    if (id === undefined) {
      id = index.size;
      index.set(text, id);
    }
    return id;
  });
}

/** A day index (a number) or an ISO date/datetime (→ whole days since 1970-01-01 UTC); one kind per file. */
function daysOf(texts: string[], lines: number[], source: string): Float64Array {
  const numeric = NUMBER.test(texts[0]);
  return Float64Array.from(texts, (text, row) => {
    if (numeric) {
      if (!NUMBER.test(text)) {
        throw new EvaluationError(
          EvaluationErrorCode.invalidFile,
          `${source} line ${lines[row]}, column day: "${text}" is not a day number like the first row's`,
        );
      }
      return Number(text);
    }
    if (!ISO_DAY.test(text)) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidFile,
        `${source} line ${lines[row]}, column day: "${text}" is neither a day number nor an ISO date (2018-08-08)`,
      );
    }
    const hasTime = text.length > 10;
    const instant = Date.parse(
      hasTime && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T'),
    );
    if (Number.isNaN(instant)) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidFile,
        `${source} line ${lines[row]}, column day: "${text}" is not a valid date`,
      );
    }
    return Math.floor(instant / MS_PER_DAY);
  });
}

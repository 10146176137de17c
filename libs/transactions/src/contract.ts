import { z } from 'zod';
import { allocateTransactionColumns, type TransactionColumns } from './columns.js';
import { TransactionsError } from './errors.js';

/**
 * The Transaction contract shared by dataset files, API requests and the simulator. Each rule is written
 * once, as a problem function over a number; the zod schema (records) and the columnar validator (typed
 * arrays, files) both call it, so a value that one accepts the other accepts too.
 */

/** Contract fields in file/API order (snake_case, as in files and JSON). */
export const TRANSACTION_FIELDS = [
  'transaction_id',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'tx_amount',
  'tx_fraud',
  'tx_fraud_scenario',
] as const;
export type TransactionField = (typeof TRANSACTION_FIELDS)[number];

/** Columns the simulator adds beyond the contract; files may carry them and readers keep them. */
export const SIMULATOR_TIME_FIELDS = ['tx_time_seconds', 'tx_time_days'] as const;
export type SimulatorTimeField = (typeof SIMULATOR_TIME_FIELDS)[number];

export type DatasetField = TransactionField | SimulatorTimeField;

type NumericColumnKey = Exclude<keyof TransactionColumns, 'length'>;

/** How a field maps to a column of {@link TransactionColumns} and which rule its values obey. */
export interface FieldRule {
  field: DatasetField;
  key: NumericColumnKey;
  required: boolean;
  kind: 'id' | 'datetime' | 'amount' | 'label' | 'scenario' | 'seconds' | 'days';
  /** The problem with a value, or undefined when it is valid. */
  problem: (value: number) => string | undefined;
}

/** How a broken value is described in messages ("row 2, column tx_amount: must be …"), one wording per rule. */
export const PROBLEMS = {
  id: 'must be a non-negative integer (or a non-empty string id)',
  datetime: 'must be an ISO 8601 datetime or epoch seconds',
  amount: 'must be a finite number ≥ 0',
  label: 'must be 0 or 1',
  scenario: 'must be an integer from 0 to 3',
  seconds: 'must be a finite number ≥ 0',
  days: 'must be a non-negative integer',
  missing: 'is missing',
} as const;

// Bound once: these run per value over millions of rows.
const { isSafeInteger, isFinite, isInteger } = Number;

export const idProblem = (v: number) => (isSafeInteger(v) && v >= 0 ? undefined : PROBLEMS.id);
export const datetimeProblem = (v: number) => (isFinite(v) ? undefined : PROBLEMS.datetime);
export const amountProblem = (v: number) => (isFinite(v) && v >= 0 ? undefined : PROBLEMS.amount);
export const labelProblem = (v: number) => (v === 0 || v === 1 ? undefined : PROBLEMS.label);
export const scenarioProblem = (v: number) => (isInteger(v) && v >= 0 && v <= 3 ? undefined : PROBLEMS.scenario);
const secondsProblem = (v: number) => (isFinite(v) && v >= 0 ? undefined : PROBLEMS.seconds);
const daysProblem = (v: number) => (isSafeInteger(v) && v >= 0 ? undefined : PROBLEMS.days);

/** The contract's fields with their columns and rules, in file order (files, fingerprints and readers walk it). */
export const FIELD_RULES: readonly FieldRule[] = [
  {
    field: 'transaction_id',
    key: 'transactionId',
    required: true,
    kind: 'id',
    problem: idProblem,
  },
  {
    field: 'tx_datetime',
    key: 'txDatetime',
    required: true,
    kind: 'datetime',
    problem: datetimeProblem,
  },
  {
    field: 'customer_id',
    key: 'customerId',
    required: true,
    kind: 'id',
    problem: idProblem,
  },
  {
    field: 'terminal_id',
    key: 'terminalId',
    required: true,
    kind: 'id',
    problem: idProblem,
  },
  {
    field: 'tx_amount',
    key: 'txAmount',
    required: true,
    kind: 'amount',
    problem: amountProblem,
  },
  {
    field: 'tx_fraud',
    key: 'txFraud',
    required: false,
    kind: 'label',
    problem: labelProblem,
  },
  {
    field: 'tx_fraud_scenario',
    key: 'txFraudScenario',
    required: false,
    kind: 'scenario',
    problem: scenarioProblem,
  },
  {
    field: 'tx_time_seconds',
    key: 'txTimeSeconds',
    required: false,
    kind: 'seconds',
    problem: secondsProblem,
  },
  {
    field: 'tx_time_days',
    key: 'txTimeDays',
    required: false,
    kind: 'days',
    problem: daysProblem,
  },
];

const fromProblem = (problem: (v: number) => string | undefined, message: string) =>
  z.number({ error: message }).refine((v) => problem(v) === undefined, { error: message });

const idSchema = z.union([fromProblem(idProblem, PROBLEMS.id), z.string().min(1)], { error: PROBLEMS.id });
const datetimeSchema = z.union(
  [z.iso.datetime({ offset: true, local: true }), z.iso.date(), fromProblem(datetimeProblem, PROBLEMS.datetime)],
  { error: PROBLEMS.datetime },
);

/**
 * One transaction as a record (API requests, JSON lines). Ids are non-negative integers or strings
 * (mapped to integers by {@link idFromString}); datetimes ISO 8601 (UTC when no offset is given) or epoch
 * seconds.
 */
export const TransactionSchema = z.object({
  transaction_id: idSchema,
  tx_datetime: datetimeSchema,
  customer_id: idSchema,
  terminal_id: idSchema,
  tx_amount: fromProblem(amountProblem, PROBLEMS.amount),
  tx_fraud: fromProblem(labelProblem, PROBLEMS.label).optional(),
  tx_fraud_scenario: fromProblem(scenarioProblem, PROBLEMS.scenario).optional(),
});
export type Transaction = z.infer<typeof TransactionSchema>;

/**
 * A string id as a non-negative integer below 2^53: a fixed 53-bit hash of its UTF-16 code units, so the
 * same card or merchant string gets the same id in every file and request. Part of the contract: changing
 * it renumbers every string id.
 */
export function idFromString(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** An ISO 8601 string (UTC when it has no offset; a bare date is midnight UTC) or epoch seconds → epoch seconds. */
export function parseDatetime(value: string | number): number {
  if (typeof value === 'number') return value;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : HAS_OFFSET.test(value) ? value : `${value}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TransactionsError('INVALID_ROW', `tx_datetime "${value}" ${PROBLEMS.datetime}`);
  return ms / 1000;
}

const idValue = (id: number | string) => (typeof id === 'string' ? idFromString(id) : id);

/**
 * Validates records against {@link TransactionSchema} and lays them out as columns, in the given order.
 * Throws `INVALID_ROW` naming the first bad record (0-based index), field and problem.
 */
export function toTransactionColumns(records: readonly unknown[]): TransactionColumns {
  const n = records.length;
  const columns = allocateTransactionColumns(n);
  const parsed = records.map((record, row) => {
    const result = TransactionSchema.safeParse(record);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue.path.join('.') || '(record)';
      const message = issue.code === 'invalid_type' && issue.input === undefined ? PROBLEMS.missing : issue.message;
      throw new TransactionsError('INVALID_ROW', `record ${row}, field ${field}: ${message}`);
    }
    return result.data;
  });
  const labelled = parsed.some((r) => r.tx_fraud !== undefined);
  const withScenario = parsed.some((r) => r.tx_fraud_scenario !== undefined);
  if (labelled) columns.txFraud = new Uint8Array(n);
  if (withScenario) columns.txFraudScenario = new Uint8Array(n);
  parsed.forEach((r, i) => {
    columns.transactionId[i] = idValue(r.transaction_id);
    columns.txDatetime[i] = parseDatetime(r.tx_datetime);
    columns.customerId[i] = idValue(r.customer_id);
    columns.terminalId[i] = idValue(r.terminal_id);
    columns.txAmount[i] = r.tx_amount;
    if (columns.txFraud) columns.txFraud[i] = r.tx_fraud ?? 0;
    if (columns.txFraudScenario) columns.txFraudScenario[i] = r.tx_fraud_scenario ?? 0;
  });
  return columns;
}

/** One rule broken by one row. */
export interface InvalidValue {
  /** 0-based row index in the columns (or, from a file reader, 1-based data row in the file). */
  row: number;
  /** The contract field (snake_case). */
  field: DatasetField;
  problem: string;
  value?: number | string | null;
}

export function describeInvalidValue(invalid: InvalidValue, column: string = invalid.field): string {
  const named = column === invalid.field ? `column ${column}` : `column ${column} (${invalid.field})`;
  const shown = invalid.value === undefined ? '' : `, got ${JSON.stringify(invalid.value)}`;
  return `row ${invalid.row}, ${named}: ${invalid.problem}${shown}`;
}

/** Every rule applied to every value of columnar data; returns the count of bad rows and the first few. */
export function findInvalidValues(
  columns: TransactionColumns,
  options: { maxExamples?: number } = {},
): { invalidRows: number; examples: InvalidValue[] } {
  const maxExamples = options.maxExamples ?? 5;
  const examples: InvalidValue[] = [];
  const present: Array<{ rule: FieldRule; values: ArrayLike<number> }> = [];
  for (const rule of FIELD_RULES) {
    const values = columns[rule.key];
    if (!values) {
      if (rule.required) throw new TransactionsError('MISSING_COLUMN', `column ${rule.field} is missing`);
      continue;
    }
    if (values.length !== columns.length) {
      throw new TransactionsError(
        'INVALID_PARAMETER',
        `column ${rule.field} has ${values.length} values, expected ${columns.length}`,
      );
    }
    present.push({ rule, values });
  }
  let invalidRows = 0;
  for (let row = 0; row < columns.length; row++) {
    let rowIsBad = false;
    for (const { rule, values } of present) {
      const problem = rule.problem(values[row]);
      if (problem === undefined) continue;
      rowIsBad = true;
      if (examples.length < maxExamples) examples.push({ row, field: rule.field, problem, value: values[row] });
    }
    if (rowIsBad) invalidRows++;
  }
  return { invalidRows, examples };
}

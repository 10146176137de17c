import type { TransactionColumns } from '@fraudops/transactions';

/** 2018-04-01T00:00:00Z, a Sunday: day 0 of the handbook's dataset. */
export const T0 = 1_522_540_800;
export const DAY = 86_400;

/** [transaction_id, seconds after T0, customer, terminal, amount, fraud] */
export type Row = [number, number, number, number, number, number];

export function columnsFrom(rows: Row[], labelled = true): TransactionColumns {
  const n = rows.length;
  const columns: TransactionColumns = {
    length: n,
    transactionId: Float64Array.from(rows, (r) => r[0]),
    txDatetime: Float64Array.from(rows, (r) => T0 + r[1]),
    customerId: Float64Array.from(rows, (r) => r[2]),
    terminalId: Float64Array.from(rows, (r) => r[3]),
    txAmount: Float64Array.from(rows, (r) => r[4]),
  };
  if (labelled) columns.txFraud = Uint8Array.from(rows, (r) => r[5]);
  return columns;
}

/**
 * Hand-made transactions around the window edges of the baseline spec (06:59:59 is the last night second;
 * T0 is a Sunday), with the vectors worked out by hand in `HAND_EXPECTED`.
 */
export const HAND_ROWS: Row[] = [
  [0, 25199, 1, 100, 10, 1], // Sun 06:59:59
  [1, 25200, 2, 101, 100, 0], // Sun 07:00:00
  [2, 25200, 2, 101, 50, 0], // same second, same customer as #1
  [3, DAY + 25198, 1, 102, 30, 0], // 1 day − 1 s after #0: still in #0's 1-day window
  [4, DAY + 25199, 1, 100, 20, 0], // exactly 1 day after #0: #0 leaves the 1-day window
  [5, 7 * DAY + 25199, 3, 100, 40, 0], // exactly 7 days after #0: terminal 100's delayed windows reach #0
  [6, 8 * DAY + 25199, 3, 100, 60, 1], // exactly 8 days after #0: #0 leaves the delayed 1-day window
  [7, 8 * DAY + 25199, 3, 103, 5, 0], // same second as #6, same customer; terminal 103 has no history
  [8, 30 * DAY + 25199, 1, 104, 100, 0], // exactly 30 days after #0
  [9, 37 * DAY + 25199, 4, 100, 7, 0], // exactly 37 days after #0: out of terminal 100's 30-day delayed window
];

/** The baseline vectors of HAND_ROWS, computed by hand (see the comments above). */
export const HAND_EXPECTED: number[][] = [
  [10, 1, 1, 1, 10, 1, 10, 1, 10, 0, 0, 0, 0, 0, 0],
  [100, 1, 0, 1, 100, 1, 100, 1, 100, 0, 0, 0, 0, 0, 0],
  [50, 1, 0, 2, 75, 2, 75, 2, 75, 0, 0, 0, 0, 0, 0],
  [30, 0, 1, 2, 20, 2, 20, 2, 20, 0, 0, 0, 0, 0, 0],
  [20, 0, 1, 2, 25, 3, 20, 3, 20, 0, 0, 0, 0, 0, 0],
  [40, 1, 1, 1, 40, 1, 40, 1, 40, 1, 1, 1, 1, 1, 1],
  [60, 0, 1, 1, 60, 2, 50, 2, 50, 1, 0, 2, 0.5, 2, 0.5],
  [5, 0, 1, 2, 32.5, 3, 35, 3, 35, 0, 0, 0, 0, 0, 0],
  [100, 0, 1, 1, 100, 1, 100, 3, 50, 0, 0, 0, 0, 0, 0],
  [7, 0, 1, 1, 7, 1, 7, 1, 7, 0, 0, 0, 0, 3, 1 / 3],
];

/** A small deterministic generator (LCG) so that random-looking test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Dense synthetic transactions on a coarse time grid (multiples of 6 hours, often the same second), so that
 * window edges and same-second ties happen constantly. Rows are in (time, id) order.
 */
export function gridTransactions(
  count: number,
  seed: number,
  options: { customers?: number; terminals?: number; days?: number } = {},
): TransactionColumns {
  const random = seededRandom(seed);
  const customers = options.customers ?? 12;
  const terminals = options.terminals ?? 9;
  const days = options.days ?? 45;
  const slots = days * 4;
  const times = Array.from({ length: count }, () => Math.floor(random() * slots) * 6 * 3600).sort((a, b) => a - b);
  const rows: Row[] = times.map((t, i) => [
    i,
    t,
    Math.floor(random() * customers),
    Math.floor(random() * terminals),
    Math.round(random() * 20000) / 100,
    random() < 0.2 ? 1 : 0,
  ]);
  return columnsFrom(rows);
}

/** Rows [start, end) of columnar transactions (copies). */
export function sliceRows(columns: TransactionColumns, start: number, end: number): TransactionColumns {
  return {
    length: end - start,
    transactionId: columns.transactionId.slice(start, end),
    txDatetime: columns.txDatetime.slice(start, end),
    customerId: columns.customerId.slice(start, end),
    terminalId: columns.terminalId.slice(start, end),
    txAmount: columns.txAmount.slice(start, end),
    txFraud: columns.txFraud?.slice(start, end),
  };
}

/** The rows whose day index (whole days since `startEpochSeconds`) lies in [firstDay, lastDay]. */
export function dayRange(
  columns: TransactionColumns,
  startEpochSeconds: number,
  firstDay: number,
  lastDay: number,
): TransactionColumns {
  const from = startEpochSeconds + firstDay * DAY;
  const to = startEpochSeconds + (lastDay + 1) * DAY;
  let start = 0;
  while (start < columns.length && columns.txDatetime[start] < from) start++;
  let end = start;
  while (end < columns.length && columns.txDatetime[end] < to) end++;
  return sliceRows(columns, start, end);
}

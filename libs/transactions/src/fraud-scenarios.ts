import { NumpyRandomState } from './numpy-random-state.js';
import { PythonRandom } from './python-random.js';

/** How many transactions each step turned from genuine into fraud. */
export interface FraudsAddedByScenario {
  /** S1: amounts above {@link S1_AMOUNT_THRESHOLD}. */
  s1: number;
  /** S2: every transaction on 2 terminals compromised for 28 days. */
  s2: number;
  /** S3: a third of the transactions of 3 customers over 14 days, amounts ×5. */
  s3: number;
}

export const S1_AMOUNT_THRESHOLD = 220;
const S2_TERMINALS_PER_DAY = 2;
const S2_COMPROMISED_DAYS = 28;
const S3_CUSTOMERS_PER_DAY = 3;
const S3_COMPROMISED_DAYS = 14;
const S3_AMOUNT_FACTOR = 5;

/** The time-sorted table the scenarios label in place. */
export interface ScenarioTable {
  length: number;
  customerId: Float64Array;
  terminalId: Float64Array;
  txAmount: Float64Array;
  txTimeDays: Float64Array;
  txFraud: Uint8Array;
  txFraudScenario: Uint8Array;
}

/**
 * Step 6 of the spec: S1, then S2, then S3 over the time-sorted table (a later step overwrites the
 * scenario label). Mutates amounts and labels in place; returns the frauds each step added.
 */
export function applyFraudScenarios(
  table: ScenarioTable,
  world: { customers: number; terminals: number; seed: number },
): FraudsAddedByScenario {
  const added: FraudsAddedByScenario = { s1: 0, s2: 0, s3: 0 };
  const n = table.length;
  for (let row = 0; row < n; row++) {
    if (table.txAmount[row] > S1_AMOUNT_THRESHOLD) {
      markFraud(table, row, 1);
      added.s1++;
    }
  }

  let lastDay = -1;
  for (let row = 0; row < n; row++) if (table.txTimeDays[row] > lastDay) lastDay = table.txTimeDays[row];
  const byTerminal = rowsByKey(table.terminalId, world.terminals);
  const byCustomer = rowsByKey(table.customerId, world.customers);
  const numpy = new NumpyRandomState(0);
  const python = new PythonRandom(0);

  // S2: days 0..max-1, as the spec's loop `range(max(TX_TIME_DAYS))`.
  for (let day = 0; day < lastDay; day++) {
    numpy.seed(day + world.seed);
    const compromised = numpy.permutation(world.terminals).subarray(0, S2_TERMINALS_PER_DAY);
    for (const terminal of compromised) {
      forRowsInWindow(byTerminal, terminal, table.txTimeDays, day, day + S2_COMPROMISED_DAYS, (row) => {
        if (markFraud(table, row, 2)) added.s2++;
      });
    }
  }

  // S3: the victims' transactions in table order; Python's sampler picks a third of them.
  for (let day = 0; day < lastDay; day++) {
    numpy.seed(day + world.seed);
    const victims = numpy.permutation(world.customers).subarray(0, S3_CUSTOMERS_PER_DAY);
    const candidates: number[] = [];
    for (const customer of victims) {
      forRowsInWindow(byCustomer, customer, table.txTimeDays, day, day + S3_COMPROMISED_DAYS, (row) => {
        candidates.push(row);
      });
    }
    candidates.sort((a, b) => a - b);
    python.seed(day + world.seed);
    const picked = python.sample(candidates, Math.floor(candidates.length / 3));
    for (const row of picked) {
      table.txAmount[row] *= S3_AMOUNT_FACTOR;
      if (markFraud(table, row, 3)) added.s3++;
    }
  }
  return added;
}

/** Labels a row as fraud of `scenario`; true when it was genuine before. */
function markFraud(table: ScenarioTable, row: number, scenario: number): boolean {
  const wasGenuine = table.txFraud[row] === 0;
  table.txFraud[row] = 1;
  table.txFraudScenario[row] = scenario;
  return wasGenuine;
}

/** Row indices grouped by an integer key in [0, keyCount), each group in table order (compressed rows). */
interface RowsByKey {
  offsets: Int32Array;
  rows: Int32Array;
}

function rowsByKey(keys: Float64Array, keyCount: number): RowsByKey {
  const offsets = new Int32Array(keyCount + 1);
  for (let row = 0; row < keys.length; row++) offsets[keys[row] + 1]++;
  for (let k = 0; k < keyCount; k++) offsets[k + 1] += offsets[k];
  const cursor = offsets.slice(0, keyCount);
  const rows = new Int32Array(keys.length);
  for (let row = 0; row < keys.length; row++) rows[cursor[keys[row]]++] = row;
  return { offsets, rows };
}

function forRowsInWindow(
  groups: RowsByKey,
  key: number,
  days: Float64Array,
  fromDay: number,
  untilDay: number,
  visit: (row: number) => void,
): void {
  for (let i = groups.offsets[key]; i < groups.offsets[key + 1]; i++) {
    const row = groups.rows[i];
    const day = days[row];
    if (day >= fromDay && day < untilDay) visit(row);
  }
}

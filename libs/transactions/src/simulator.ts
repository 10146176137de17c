import { allocateTransactionColumns, type TransactionColumns } from './columns.js';
import { TransactionsError } from './errors.js';
import { applyFraudScenarios, type FraudsAddedByScenario } from './fraud-scenarios.js';
import { NumpyRandomState, roundHalfEven } from './numpy-random-state.js';
import { findAvailableTerminals, generateCustomerProfiles, generateTerminalProfiles } from './profiles.js';
import { PythonRandom } from './python-random.js';
import { stableOrderByKey } from './stable-order.js';

// Math functions bound once: in hot loops a module binding is cheaper than a global property lookup
// (markedly so inside the vm contexts test runners use).
const { trunc, floor } = Math;

const SECONDS_PER_DAY = 86400;

/** The simulator's parameters; the defaults generate the fraud handbook's published dataset. */
export interface SimulationParams {
  /** Number of customers (CUSTOMER_ID 0..n-1). @defaultValue 5000 */
  customers: number;
  /** Number of terminals (TERMINAL_ID 0..n-1). @defaultValue 10000 */
  terminals: number;
  /** Number of simulated days. @defaultValue 183 */
  days: number;
  /** Day 0, as `YYYY-MM-DD` (UTC midnight). @defaultValue '2018-04-01' (a Sunday) */
  startDate: string;
  /** A customer uses the terminals strictly closer than this (on the 100×100 grid). @defaultValue 5 */
  radius: number;
  /**
   * Added to every internal seed (profiles, each customer, each fraud-scenario day): another seed draws a
   * different but equally reproducible world. @defaultValue 0 (the handbook's dataset)
   */
  seed: number;
}

export const DEFAULT_SIMULATION_PARAMS: Readonly<SimulationParams> = Object.freeze({
  customers: 5000,
  terminals: 10000,
  days: 183,
  startDate: '2018-04-01',
  radius: 5,
  seed: 0,
});

/** Where the simulator is; `done` counts `total` units of the current stage. */
export interface SimulationProgress {
  stage: 'profiles' | 'transactions' | 'sort' | 'frauds';
  done: number;
  total: number;
}

export interface SimulationOptions {
  /** Called as stages start and (for `transactions`) every few hundred customers. */
  onProgress?: (progress: SimulationProgress) => void;
}

export interface SimulationMetadata {
  params: SimulationParams;
  /** `startDate` as Unix epoch seconds (UTC midnight). */
  startEpochSeconds: number;
  /** New frauds each scenario step added (a later step can relabel an earlier step's fraud). */
  fraudsAddedByScenario: FraudsAddedByScenario;
}

/** Simulator output: every contract column plus the simulator's own time columns and labels. */
export interface SimulatedTransactions extends TransactionColumns {
  /** Seconds since `startDate` (TX_TIME_SECONDS). */
  txTimeSeconds: Float64Array;
  /** Whole days since `startDate` (TX_TIME_DAYS). */
  txTimeDays: Float64Array;
  txFraud: Uint8Array;
  txFraudScenario: Uint8Array;
  metadata: SimulationMetadata;
}

/** Fills defaults and refuses values outside the simulator's domain, naming the parameter. */
export function resolveSimulationParams(params: Partial<SimulationParams> = {}): SimulationParams {
  const resolved: SimulationParams = {
    ...DEFAULT_SIMULATION_PARAMS,
    ...stripUndefined(params),
  };
  const integer = (name: keyof SimulationParams, min: number, max: number) => {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new TransactionsError(
        'INVALID_PARAMETER',
        `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
      );
    }
  };
  // The fraud scenarios draw 3 customers and 2 terminals each day.
  integer('customers', 3, 10_000_000);
  integer('terminals', 2, 10_000_000);
  // TX_TIME_SECONDS stays a 32-bit key for the sort.
  integer('days', 1, floor(0xffffffff / SECONDS_PER_DAY));
  integer('seed', 0, 0xffffffff - Math.max(resolved.customers, resolved.days, 2));
  if (typeof resolved.radius !== 'number' || !(resolved.radius > 0) || !Number.isFinite(resolved.radius)) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `radius must be a positive number, got ${String(resolved.radius)}`,
    );
  }
  parseStartDate(resolved.startDate);
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `YYYY-MM-DD` → Unix epoch seconds at UTC midnight. */
export function parseStartDate(startDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate);
  const epochMs = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || new Date(epochMs).toISOString().slice(0, 10) !== startDate) {
    throw new TransactionsError(
      'INVALID_PARAMETER',
      `startDate must be a calendar date YYYY-MM-DD, got "${startDate}"`,
    );
  }
  return epochMs / 1000;
}

/**
 * Rows in generation order (customer, day, draw), before the time sort, interleaved: row i is
 * `values[4i .. 4i+3]` = seconds since start, customer, terminal, amount. The sort then reads each row
 * from one cache line instead of four arrays. `values` has spare capacity.
 */
interface GeneratedRows {
  /** Rows in use. */
  length: number;
  values: Float64Array;
}

const STRIDE = 4;

/**
 * The fraud handbook's transaction simulator, ported from its specification
 * (docs: shared/reference/simulator.md): with default parameters it reproduces the published dataset
 * bit for bit (1,754,155 transactions, 14,681 frauds).
 */
export function simulateTransactions(
  params: Partial<SimulationParams> = {},
  options: SimulationOptions = {},
): SimulatedTransactions {
  const resolved = resolveSimulationParams(params);
  const startEpochSeconds = parseStartDate(resolved.startDate);
  const report = options.onProgress ?? (() => undefined);

  report({ stage: 'profiles', done: 0, total: 1 });
  const customers = generateCustomerProfiles(resolved.customers, resolved.seed);
  const terminals = generateTerminalProfiles(resolved.terminals, resolved.seed + 1);
  const available = findAvailableTerminals(customers, terminals, resolved.radius);

  const generated = generateRows(
    resolved,
    customers.meanAmount,
    customers.stdAmount,
    customers.meanTransactionsPerDay,
    available,
    report,
  );

  report({ stage: 'sort', done: 0, total: 1 });
  const n = generated.length;
  const values = generated.values;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = values[i * STRIDE];
  const order = stableOrderByKey(keys);
  const columns = {
    ...allocateTransactionColumns(n),
    txTimeSeconds: new Float64Array(n),
    txTimeDays: new Float64Array(n),
    txFraud: new Uint8Array(n),
    txFraudScenario: new Uint8Array(n),
  };
  for (let row = 0; row < n; row++) {
    const at = order[row] * STRIDE;
    const seconds = values[at];
    columns.transactionId[row] = row;
    columns.txTimeSeconds[row] = seconds;
    columns.txTimeDays[row] = floor(seconds / SECONDS_PER_DAY);
    columns.txDatetime[row] = startEpochSeconds + seconds;
    columns.customerId[row] = values[at + 1];
    columns.terminalId[row] = values[at + 2];
    columns.txAmount[row] = values[at + 3];
  }

  report({ stage: 'frauds', done: 0, total: 1 });
  const fraudsAddedByScenario = applyFraudScenarios(columns, {
    customers: resolved.customers,
    terminals: resolved.terminals,
    seed: resolved.seed,
  });
  report({ stage: 'frauds', done: 1, total: 1 });
  return {
    ...columns,
    metadata: { params: resolved, startEpochSeconds, fraudsAddedByScenario },
  };
}

function generateRows(
  params: SimulationParams,
  meanAmount: Float64Array,
  stdAmount: Float64Array,
  rate: Float64Array,
  available: { offsets: Int32Array; terminals: Int32Array },
  report: (progress: SimulationProgress) => void,
): GeneratedRows {
  const numpy = new NumpyRandomState(0);
  const python = new PythonRandom(0);
  let expected = 0;
  for (let c = 0; c < params.customers; c++) expected += rate[c];
  let values = new Float64Array((Math.ceil(expected * params.days * 1.02) + 1024) * STRIDE);
  let n = 0;
  const progressEvery = Math.max(1, floor(params.customers / 100));
  for (let c = 0; c < params.customers; c++) {
    if (c % progressEvery === 0) report({ stage: 'transactions', done: c, total: params.customers });
    const seed = c + params.seed;
    numpy.seed(seed);
    python.seed(seed);
    const first = available.offsets[c];
    const terminalCount = available.offsets[c + 1] - first;
    const mean = meanAmount[c];
    const std = stdAmount[c];
    const lambda = rate[c];
    for (let day = 0; day < params.days; day++) {
      const count = numpy.poisson(lambda);
      for (let k = 0; k < count; k++) {
        const time = trunc(numpy.normal(SECONDS_PER_DAY / 2, 20000));
        if (!(time > 0 && time < SECONDS_PER_DAY)) continue;
        let amount = numpy.normal(mean, std);
        if (amount < 0) amount = numpy.uniform(0, mean * 2);
        amount = roundHalfEven(amount, 2);
        if (terminalCount === 0) continue;
        const terminal = available.terminals[first + python.randbelow(terminalCount)];
        const at = n * STRIDE;
        if (at === values.length) {
          const grown = new Float64Array(values.length * 2);
          grown.set(values);
          values = grown;
        }
        values[at] = time + SECONDS_PER_DAY * day;
        values[at + 1] = c;
        values[at + 2] = terminal;
        values[at + 3] = amount;
        n++;
      }
    }
  }
  report({
    stage: 'transactions',
    done: params.customers,
    total: params.customers,
  });
  return { length: n, values };
}

import { NumpyRandomState } from './numpy-random-state.js';

// Math functions bound once: in hot loops a module binding is cheaper than a global property lookup
// (markedly so inside the vm contexts test runners use).
const { sqrt } = Math;

/** Customer profiles, indexed by CUSTOMER_ID (0..n-1). */
export interface CustomerProfiles {
  x: Float64Array;
  y: Float64Array;
  meanAmount: Float64Array;
  stdAmount: Float64Array;
  meanTransactionsPerDay: Float64Array;
}

/** Terminal locations, indexed by TERMINAL_ID (0..n-1). */
export interface TerminalProfiles {
  x: Float64Array;
  y: Float64Array;
}

/**
 * The terminals each customer can use, in compressed-row form: customer c's terminal ids are
 * `terminals[offsets[c] .. offsets[c+1])`, ascending.
 */
export interface AvailableTerminals {
  offsets: Int32Array;
  terminals: Int32Array;
}

/** Step 1 of the spec: one generator seeded with `seed`, draws in the order x, y, mean amount, rate. */
export function generateCustomerProfiles(count: number, seed: number): CustomerProfiles {
  const random = new NumpyRandomState(seed);
  const profiles: CustomerProfiles = {
    x: new Float64Array(count),
    y: new Float64Array(count),
    meanAmount: new Float64Array(count),
    stdAmount: new Float64Array(count),
    meanTransactionsPerDay: new Float64Array(count),
  };
  for (let c = 0; c < count; c++) {
    profiles.x[c] = random.uniform(0, 100);
    profiles.y[c] = random.uniform(0, 100);
    const meanAmount = random.uniform(5, 100);
    profiles.meanAmount[c] = meanAmount;
    profiles.stdAmount[c] = meanAmount / 2;
    profiles.meanTransactionsPerDay[c] = random.uniform(0, 4);
  }
  return profiles;
}

/** Step 2 of the spec: terminal locations from a generator seeded with `seed`. */
export function generateTerminalProfiles(count: number, seed: number): TerminalProfiles {
  const random = new NumpyRandomState(seed);
  const profiles: TerminalProfiles = {
    x: new Float64Array(count),
    y: new Float64Array(count),
  };
  for (let t = 0; t < count; t++) {
    profiles.x[t] = random.uniform(0, 100);
    profiles.y[t] = random.uniform(0, 100);
  }
  return profiles;
}

/**
 * Step 3 of the spec: terminals strictly closer than `radius`. The distance is computed as numpy does it
 * (square each difference, add, square root), so that terminals on the boundary fall on the same side.
 */
export function findAvailableTerminals(
  customers: Pick<CustomerProfiles, 'x' | 'y'>,
  terminals: TerminalProfiles,
  radius: number,
): AvailableTerminals {
  const customerCount = customers.x.length;
  const terminalCount = terminals.x.length;
  const offsets = new Int32Array(customerCount + 1);
  let found = new Int32Array(Math.max(1024, customerCount * 16));
  let size = 0;
  for (let c = 0; c < customerCount; c++) {
    const cx = customers.x[c];
    const cy = customers.y[c];
    for (let t = 0; t < terminalCount; t++) {
      const dx = cx - terminals.x[t];
      const dy = cy - terminals.y[t];
      if (sqrt(dx * dx + dy * dy) < radius) {
        if (size === found.length) {
          const grown = new Int32Array(found.length * 2);
          grown.set(found);
          found = grown;
        }
        found[size++] = t;
      }
    }
    offsets[c + 1] = size;
  }
  return { offsets, terminals: found.slice(0, size) };
}

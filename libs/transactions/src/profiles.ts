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
 * Step 3 of the spec: terminals strictly closer than `radius`, ascending. The distance is computed as numpy
 * does it (square each difference, add, square root), so that terminals on the boundary fall on the same
 * side. A grid of cells at least `radius` wide limits the exact test to the terminals of nearby cells.
 */
export function findAvailableTerminals(
  customers: Pick<CustomerProfiles, 'x' | 'y'>,
  terminals: TerminalProfiles,
  radius: number,
): AvailableTerminals {
  const customerCount = customers.x.length;
  const grid = buildGrid(terminals, radius);
  const offsets = new Int32Array(customerCount + 1);
  let found = new Int32Array(Math.max(1024, customerCount * 16));
  let size = 0;
  for (let c = 0; c < customerCount; c++) {
    const cx = customers.x[c];
    const cy = customers.y[c];
    const start = size;
    const x0 = grid.cellOf(cx - radius);
    const x1 = grid.cellOf(cx + radius);
    const y0 = grid.cellOf(cy - radius);
    const y1 = grid.cellOf(cy + radius);
    for (let gy = y0; gy <= y1; gy++) {
      for (let gx = x0; gx <= x1; gx++) {
        const cell = gy * grid.cellsPerSide + gx;
        for (let k = grid.offsets[cell]; k < grid.offsets[cell + 1]; k++) {
          const t = grid.terminals[k];
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
      }
    }
    // cells were visited row by row: restore ascending terminal ids
    found.subarray(start, size).sort();
    offsets[c + 1] = size;
  }
  return { offsets, terminals: found.slice(0, size) };
}

/** Terminals bucketed into square cells over the simulator's [0, 100)² grid, ids ascending in each cell. */
function buildGrid(terminals: TerminalProfiles, radius: number) {
  const cellsPerSide = Math.max(1, Math.min(256, Math.floor(100 / radius)));
  const cellSize = 100 / cellsPerSide;
  const cellOf = (coordinate: number) => Math.min(cellsPerSide - 1, Math.max(0, Math.floor(coordinate / cellSize)));
  const count = terminals.x.length;
  const offsets = new Int32Array(cellsPerSide * cellsPerSide + 1);
  const cells = new Int32Array(count);
  for (let t = 0; t < count; t++) {
    cells[t] = cellOf(terminals.y[t]) * cellsPerSide + cellOf(terminals.x[t]);
    offsets[cells[t] + 1]++;
  }
  for (let i = 0; i < cellsPerSide * cellsPerSide; i++) offsets[i + 1] += offsets[i];
  const cursor = offsets.slice(0, -1);
  const ids = new Int32Array(count);
  for (let t = 0; t < count; t++) ids[cursor[cells[t]]++] = t;
  return { cellsPerSide, cellOf, offsets, terminals: ids };
}

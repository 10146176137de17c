import { DAY_US, utcHour, utcWeekday } from './calendar.js';
import { ZSCORE_MIN_RELATIVE_VARIANCE } from './feature-spec.js';
import type { WindowAggregate } from './feature-spec.js';
import {
  COUNT,
  FRAUDS,
  HI,
  L_AMOUNT,
  LO,
  LOG_STRIDE,
  NONE,
  SQUARES_HI,
  SQUARES_LO,
  SUM_HI,
  SUM_LO,
  type EntityTable,
} from './online-layout.js';
import type { FeaturePlan } from './plan.js';

/**
 * The step compiler: a feature plan becomes one fixed-size step per feature, in spec order, so that
 * computing a vector is one pass over a small `Int32Array` with no per-feature objects or closures.
 */

/** What a step computes. */
export const OP_AMOUNT = 0;
/** 1 when the UTC weekday (0 = Monday) is in [min, max], else 0. */
export const OP_WEEKDAY_IN = 1;
/** 1 when the UTC hour is in [min, max], else 0. */
export const OP_HOUR_IN = 2;
/** An aggregate of one window range of the transaction's customer or terminal. */
export const OP_WINDOW = 3;
/** Hours since the entity's previous transaction, capped at MIN days (as hours) when none is that recent. */
export const OP_RECENCY = 4;

/** Window aggregates, as `STEP_AGGREGATE` codes. */
export const AGG_COUNT = 0;
export const AGG_SUM = 1;
export const AGG_MEAN = 2;
export const AGG_MAX = 3;
export const AGG_FRAUD_RATIO = 4;
export const AGG_AMOUNT_TO_MEAN = 5;
export const AGG_AMOUNT_ZSCORE = 6;
const AGGREGATE_CODES: Record<WindowAggregate, number> = {
  count: AGG_COUNT,
  sum: AGG_SUM,
  mean: AGG_MEAN,
  max: AGG_MAX,
  fraud_ratio: AGG_FRAUD_RATIO,
  amount_to_mean: AGG_AMOUNT_TO_MEAN,
  amount_zscore: AGG_AMOUNT_ZSCORE,
};
const HOUR_US = 3_600_000_000;

/**
 * A step's fields. Calendar steps use MIN/MAX; window steps TABLE, RANGE, GROUP and AGGREGATE (`max` steps
 * also MIN: the range's place among the slot's cached maxima, see `EntityTable.maxIndex`); recency steps
 * TABLE and MIN (the cap in days).
 */
export const STEP_FIELDS = 7;
export const STEP_OP = 0;
export const STEP_MIN = 1;
export const STEP_MAX = 2;
/** Index of the entity table in the state's tables. */
export const STEP_TABLE = 3;
/** Offset of the range in the entity's slot. */
export const STEP_RANGE = 4;
/** Offset of the range's delay group in the slot (its upper boundary, for `max`). */
export const STEP_GROUP = 5;
export const STEP_AGGREGATE = 6;

/** Compiles the plan's features into steps over the given entity tables (laid out by `layoutEntityTable`). */
export function compileSteps(plan: FeaturePlan, tables: readonly EntityTable[]): Int32Array {
  const steps = new Int32Array(plan.features.length * STEP_FIELDS);
  plan.features.forEach((feature, i) => {
    const at = i * STEP_FIELDS;
    switch (feature.kind) {
      case 'raw':
        steps[at + STEP_OP] = OP_AMOUNT;
        break;
      case 'calendar':
        steps[at + STEP_OP] = feature.part === 'weekday' ? OP_WEEKDAY_IN : OP_HOUR_IN;
        steps[at + STEP_MIN] = feature.min;
        steps[at + STEP_MAX] = feature.max;
        break;
      case 'window': {
        const range = plan.ranges[feature.range];
        const tableIndex = tables.findIndex((t) => t.kind === range.entity);
        const table = tables[tableIndex];
        const r = table.rangeIndex.indexOf(feature.range);
        steps[at + STEP_OP] = OP_WINDOW;
        steps[at + STEP_TABLE] = tableIndex;
        steps[at + STEP_RANGE] = table.rangeOffset[r];
        steps[at + STEP_GROUP] = table.rangeGroupOffset[r];
        steps[at + STEP_AGGREGATE] = AGGREGATE_CODES[feature.aggregate];
        if (feature.aggregate === 'max') steps[at + STEP_MIN] = table.maxIndex[r];
        break;
      }
      case 'recency':
        steps[at + STEP_OP] = OP_RECENCY;
        steps[at + STEP_TABLE] = tables.findIndex((t) => t.kind === feature.entity);
        steps[at + STEP_MIN] = feature.capDays;
        break;
    }
  });
  return steps;
}

/**
 * Runs compiled steps for one transaction whose ranges have been slid to its time. `slots[t]` is the
 * transaction's slot in `tables[t]` and `previousUs[t]` the time of that entity's previous transaction
 * (−Infinity: none); `log`/`mask` are the log ring (read only by `max`).
 */
export function runSteps(
  steps: Int32Array,
  tables: readonly EntityTable[],
  slots: Int32Array,
  previousUs: Float64Array,
  log: Float64Array,
  mask: number,
  timeUs: number,
  amount: number,
  out: Float64Array,
): void {
  const weekday = utcWeekday(timeUs);
  const hour = utcHour(timeUs);
  const width = steps.length / STEP_FIELDS;
  for (let i = 0; i < width; i++) {
    const at = i * STEP_FIELDS;
    switch (steps[at + STEP_OP]) {
      case OP_AMOUNT:
        out[i] = amount;
        break;
      case OP_WEEKDAY_IN:
        out[i] = weekday >= steps[at + STEP_MIN] && weekday <= steps[at + STEP_MAX] ? 1 : 0;
        break;
      case OP_HOUR_IN:
        out[i] = hour >= steps[at + STEP_MIN] && hour <= steps[at + STEP_MAX] ? 1 : 0;
        break;
      case OP_RECENCY:
        out[i] = hoursSincePrevious(timeUs, previousUs[steps[at + STEP_TABLE]], steps[at + STEP_MIN]);
        break;
      default: {
        const table = tables[steps[at + STEP_TABLE]];
        const slot = slots[steps[at + STEP_TABLE]];
        const base = slot * table.stride;
        const rangeAt = base + steps[at + STEP_RANGE];
        if (steps[at + STEP_AGGREGATE] === AGG_MAX) {
          out[i] = cachedMax(
            table,
            slot * table.maxPerSlot + steps[at + STEP_MIN],
            rangeAt,
            base + steps[at + STEP_GROUP],
            log,
            mask,
          );
          break;
        }
        out[i] = windowAggregate(table, rangeAt, steps[at + STEP_AGGREGATE], amount);
      }
    }
  }
}

/** Every window aggregate but `max` (see `cachedMax`), from the range's running sums. */
function windowAggregate(table: EntityTable, rangeAt: number, aggregate: number, amount: number): number {
  const s = table.slab;
  const count = s[rangeAt + COUNT];
  switch (aggregate) {
    case AGG_COUNT:
      return count;
    case AGG_SUM:
      return s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO];
    case AGG_MEAN:
      return count === 0 ? 0 : (s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO]) / count;
    case AGG_AMOUNT_TO_MEAN:
      return amountToMean(count, s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO], amount);
    case AGG_AMOUNT_ZSCORE:
      return amountZscore(
        count,
        s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO],
        s[rangeAt + SQUARES_HI] + s[rangeAt + SQUARES_LO],
        amount,
      );
    default:
      return count === 0 ? 0 : s[rangeAt + FRAUDS] / count;
  }
}

// The features that combine a window's sums (or the previous time) with the transaction itself: exported, so
// that every online store (this engine, the scoring API's Redis store) computes the SQL compiler's formulas.

/**
 * Hours since the entity's previous transaction (`previousUs` −Infinity: none), as the SQL: none, or one at
 * least the cap ago, gives the cap (in hours).
 */
export function hoursSincePrevious(timeUs: number, previousUs: number, capDays: number): number {
  const sinceUs = timeUs - previousUs;
  return sinceUs >= capDays * DAY_US ? capDays * 24 : sinceUs / HOUR_US;
}

/** amount / (sum / count) over the window; 0 for an empty window or a zero sum. */
export function amountToMean(count: number, sum: number, amount: number): number {
  return count === 0 || sum === 0 ? 0 : amount / (sum / count);
}

/**
 * (amount − mean) / spread over the window, in the SQL compiler's arithmetic (population variance from the sums;
 * 0 with fewer than two transactions or a spread below ZSCORE_MIN_RELATIVE_VARIANCE of the squared mean).
 */
export function amountZscore(count: number, sum: number, squares: number, amount: number): number {
  if (count < 2) return 0;
  const mean = sum / count;
  const variance = squares / count - mean * mean;
  if (variance <= ZSCORE_MIN_RELATIVE_VARIANCE * mean * mean) return 0;
  return (amount - mean) / Math.sqrt(variance);
}

/** max(tx_amount) over a range: the cached value at `cacheAt` in `table.maxCache`, else a walk of its list (then cached). */
function cachedMax(
  table: EntityTable,
  cacheAt: number,
  rangeAt: number,
  groupAt: number,
  log: Float64Array,
  mask: number,
): number {
  const cached = table.maxCache[cacheAt];
  if (cached === cached) return cached;
  const max = rangeMax(table, rangeAt, groupAt, log, mask);
  table.maxCache[cacheAt] = max;
  return max;
}

/** max(tx_amount) over a range: a walk of its list (only specs with a `max` feature pay for it). */
function rangeMax(table: EntityTable, rangeAt: number, groupAt: number, log: Float64Array, mask: number): number {
  let seq = table.slab[rangeAt + LO];
  const hi = table.slab[groupAt + HI];
  let max = 0;
  while (seq !== hi && seq !== NONE) {
    const record = (seq & mask) * LOG_STRIDE;
    if (log[record + L_AMOUNT] > max) max = log[record + L_AMOUNT];
    seq = log[record + table.nextField];
  }
  return max;
}

import { DAY_US } from './calendar.js';
import { NumberIndex } from './number-index.js';
import type { EntityKind } from './feature-spec.js';
import type { FeaturePlan, WindowRange } from './plan.js';

/**
 * Where the online state keeps each number. Everything lives in flat `Float64Array`s addressed by named
 * offsets, so the hot loops of `online.ts` read one record per cache line and allocate nothing.
 */

/** "No seq": the end of an entity's list, or a boundary with nothing to point at yet. */
export const NONE = -1;

/**
 * The log: one 64-byte record per retained transaction, so that sliding a window over an entry touches one
 * cache line. Each entity kind e threads its transactions through `L_NEXT + 2e` (the next seq of the same
 * entity, NONE at its tail) and `L_NEXT_TIME + 2e` (that next transaction's time, +Infinity at the tail), so
 * a window boundary moves without visiting the entry it moves to.
 */
export const LOG_STRIDE = 8;
// What sliding a window reads (amount, label, the entity's next seq and time) comes first and together.
export const L_AMOUNT = 0;
export const L_LABEL = 1;
export const L_NEXT = 2;
export const L_NEXT_TIME = 3;
// 4 and 5: L_NEXT and L_NEXT_TIME of the second entity kind.
export const L_TIME = 6;
export const L_ID = 7;
/** Label codes in the log (1 fraud, 0 genuine). */
export const LABEL_UNKNOWN = -1;
/** At most this many entity kinds thread through a log record. */
export const MAX_ENTITY_KINDS = 2;

/**
 * Per-entity slot: [entity id (NaN when free), last seq, smallest boundary], then per delay group its shared
 * upper boundary (ranges with the same delay end at the same transaction), then that group's ranges.
 */
export const SLOT_HEADER = 3;
export const S_ID = 0;
export const S_TAIL = 1;
/**
 * The smallest seq any boundary of the slot points at (+Infinity when none): eviction, which drops the
 * oldest seq, reads only this header line unless a boundary sits exactly on it.
 */
export const S_MIN_BOUNDARY = 2;
/** A delay group: the first seq not yet inside its windows (NONE: caught up) and that seq's time. */
export const GROUP_FIELDS = 2;
export const HI = 0;
export const HI_TIME = 1;
/** A range: its first seq inside and that seq's time, then count, amount sum, frauds. */
export const RANGE_FIELDS = 6;
export const LO = 0;
export const LO_TIME = 1;
export const COUNT = 2;
/**
 * The amount sum as an unevaluated double-double (SUM_HI + SUM_LO): exact for realistic amounts, so sliding
 * in and out leaves no rounding residue (an emptied or all-zero window sums to exactly 0).
 */
export const SUM_HI = 3;
export const SUM_LO = 4;
export const FRAUDS = 5;
/**
 * The sum of squared amounts, as SUM_HI/SUM_LO, in tables with an `amount_zscore` feature only (their ranges
 * have RANGE_FIELDS_WITH_SQUARES fields), so specs without it keep today's layout and snapshots.
 */
export const SQUARES_HI = 6;
export const SQUARES_LO = 7;
export const RANGE_FIELDS_WITH_SQUARES = 8;

export const INITIAL_CAPACITY = 1024;

/** Entity ids below this are looked up in a directly indexed array (4 bytes each, up to the largest seen). */
const ENTITY_DENSE_IDS = 1 << 20;

/** The per-entity-kind part of the state: id → slot index and a slab of slot records. */
export interface EntityTable {
  kind: EntityKind;
  /** Offset of this kind's NEXT / NEXT_TIME fields in a log record. */
  nextField: number;
  nextTimeField: number;
  ranges: WindowRange[];
  /** Indexes into plan.ranges, parallel to `ranges`. */
  rangeIndex: number[];
  /** Per delay group g: slot offset, endInclusiveUs, and its ranges [first, last) in `ranges` order. */
  groupOffset: Int32Array;
  groupEndUs: Float64Array;
  groupFirst: Int32Array;
  groupLast: Int32Array;
  /** Per range (grouped by delay): slot offset, startExclusiveUs, and its group's slot offset. */
  rangeOffset: Int32Array;
  rangeStartUs: Float64Array;
  rangeGroupOffset: Int32Array;
  /** Whether ranges keep the sum of squared amounts (SQUARES_HI/LO): some feature of this entity is a z-score. */
  squares: boolean;
  /**
   * Per range: its place among the slot's cached maxima (ranges a `max` feature reads), −1 for none. A range's
   * largest amount is kept in `maxCache` at `slot · maxPerSlot + maxIndex[r]` while it is known (NaN: not
   * known — a slot just allocated or restored, or the largest amount has left): it rises as amounts enter, and
   * the list is walked again only when an amount equal to it leaves. A cache, so snapshots do not carry it.
   */
  maxIndex: Int32Array;
  maxPerSlot: number;
  maxCache: Float64Array;
  /** Numbers per slot. */
  stride: number;
  slots: NumberIndex;
  slab: Float64Array;
  freeSlots: number[];
  slotCount: number;
  /** Per log position: this entity's slot. */
  logSlot: Int32Array;
}

/** Lays out the slot record of entity kind number `e` of the plan: its delay groups, each followed by its ranges. */
export function layoutEntityTable(plan: FeaturePlan, kind: EntityKind, e: number): EntityTable {
  // ranges of this entity, grouped by delay (each group shares one upper boundary)
  const delays = [...new Set(plan.ranges.filter((r) => r.entity === kind).map((r) => r.delayDays))];
  const rangeIndex = delays.flatMap((delay) =>
    plan.ranges.flatMap((r, i) => (r.entity === kind && r.delayDays === delay ? [i] : [])),
  );
  const ranges = rangeIndex.map((i) => plan.ranges[i]);
  const squares = ranges.some((r) => r.needsSumSquares);
  const rangeFields = squares ? RANGE_FIELDS_WITH_SQUARES : RANGE_FIELDS;
  const groupOffset: number[] = [];
  const groupFirst: number[] = [];
  const groupLast: number[] = [];
  const rangeOffset: number[] = [];
  const rangeGroupOffset: number[] = [];
  let offset = SLOT_HEADER;
  for (const delay of delays) {
    groupOffset.push(offset);
    groupFirst.push(rangeOffset.length);
    const groupAt = offset;
    offset += GROUP_FIELDS;
    for (const range of ranges) {
      if (range.delayDays !== delay) continue;
      rangeOffset.push(offset);
      rangeGroupOffset.push(groupAt);
      offset += rangeFields;
    }
    groupLast.push(rangeOffset.length);
  }
  const stride = offset;
  let maxPerSlot = 0;
  const maxIndex = Int32Array.from(ranges, (r) => (r.needsMax ? maxPerSlot++ : -1));
  return {
    kind,
    nextField: L_NEXT + 2 * e,
    nextTimeField: L_NEXT_TIME + 2 * e,
    ranges,
    rangeIndex,
    groupOffset: Int32Array.from(groupOffset),
    groupEndUs: Float64Array.from(delays, (d) => d * DAY_US),
    groupFirst: Int32Array.from(groupFirst),
    groupLast: Int32Array.from(groupLast),
    rangeOffset: Int32Array.from(rangeOffset),
    rangeStartUs: Float64Array.from(ranges, (r) => r.startExclusiveUs),
    rangeGroupOffset: Int32Array.from(rangeGroupOffset),
    squares,
    maxIndex,
    maxPerSlot,
    maxCache: new Float64Array(64 * maxPerSlot).fill(NaN),
    stride,
    // Customer and terminal ids are usually small integers (the simulated world's are 0 … n − 1): a direct
    // array up to 2^20 of them, hashing beyond.
    slots: new NumberIndex(256, { denseBelow: ENTITY_DENSE_IDS }),
    slab: new Float64Array(64 * stride),
    freeSlots: [],
    slotCount: 0,
    logSlot: new Int32Array(INITIAL_CAPACITY),
  };
}

/** A fresh slot for `entityId` (reusing a freed one): empty ranges, boundaries waiting for a first seq. */
export function allocateSlot(table: EntityTable, entityId: number): number {
  let slot = table.freeSlots.pop();
  if (slot === undefined) {
    slot = table.slotCount++;
    if (table.slotCount * table.stride > table.slab.length) {
      const grown = new Float64Array(table.slab.length * 2);
      grown.set(table.slab);
      table.slab = grown;
    }
    if (table.slotCount * table.maxPerSlot > table.maxCache.length) {
      const grown = new Float64Array(table.maxCache.length * 2).fill(NaN);
      grown.set(table.maxCache);
      table.maxCache = grown;
    }
  }
  table.maxCache.fill(NaN, slot * table.maxPerSlot, (slot + 1) * table.maxPerSlot);
  const base = slot * table.stride;
  table.slab.fill(0, base, base + table.stride);
  table.slab[base + S_ID] = entityId;
  table.slab[base + S_TAIL] = NONE;
  table.slab[base + S_MIN_BOUNDARY] = Infinity;
  for (let g = 0; g < table.groupOffset.length; g++) {
    table.slab[base + table.groupOffset[g] + HI] = NONE;
    table.slab[base + table.groupOffset[g] + HI_TIME] = Infinity;
  }
  for (let r = 0; r < table.ranges.length; r++) {
    table.slab[base + table.rangeOffset[r] + LO] = NONE;
    table.slab[base + table.rangeOffset[r] + LO_TIME] = Infinity;
  }
  table.slots.set(entityId, slot);
  return slot;
}

/** x + y into the double-double (hi, lo) of the range at `at`: TwoSum, then renormalise. */
export function addToSum(s: Float64Array, at: number, x: number): void {
  addDoubleDouble(s, at + SUM_HI, x);
}

/** A squared amount (negative: leaving) into the range's sum of squares (tables with `squares` only). */
export function addToSquares(s: Float64Array, at: number, squared: number): void {
  addDoubleDouble(s, at + SQUARES_HI, squared);
}

/** Adds x to the unevaluated double-double s[hiAt] + s[hiAt + 1]: TwoSum, then renormalise. */
function addDoubleDouble(s: Float64Array, hiAt: number, x: number): void {
  const hi = s[hiAt];
  const sum = hi + x;
  const virtual = sum - hi;
  const error = hi - (sum - virtual) + (x - virtual);
  const lo = s[hiAt + 1] + error;
  const total = sum + lo;
  s[hiAt + 1] = lo - (total - sum);
  s[hiAt] = total;
}

/** Takes `x` (a transaction leaving) out of the range at `at`; an emptied range is reset to exact zeros. */
export function leaveRange(s: Float64Array, at: number, amount: number, fraud: boolean, squares: boolean): void {
  const count = --s[at + COUNT];
  addToSum(s, at, -amount);
  if (squares) addToSquares(s, at, -(amount * amount));
  if (fraud) s[at + FRAUDS]--;
  if (count === 0) clearRange(s, at, squares);
}

/** Exact zeros for an emptied range (no rounding residue of the sums survives). */
export function clearRange(s: Float64Array, at: number, squares: boolean): void {
  s[at + SUM_HI] = 0;
  s[at + SUM_LO] = 0;
  s[at + FRAUDS] = 0;
  if (squares) {
    s[at + SQUARES_HI] = 0;
    s[at + SQUARES_LO] = 0;
  }
}

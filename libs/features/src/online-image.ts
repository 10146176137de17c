import { FeaturesError } from './errors.js';
import type { NumberIndex } from './number-index.js';
import { INITIAL_CAPACITY, LOG_STRIDE, S_ID, type EntityTable } from './online-layout.js';
import type { FeaturePlan } from './plan.js';

/**
 * The online state as plain typed arrays in seq order, independent of where the ring buffer happened to
 * wrap: what `snapshot.ts` writes to a file, and what a shared store would hold.
 */
export interface OnlineStateImage {
  specHash: string;
  tieOrder: 'transaction_id' | 'arrival';
  head: number;
  tail: number;
  lastTimeUs: number;
  lastId: number;
  consumed: number;
  duplicates: number;
  /** Log records, vectors and entity slots of seqs head … tail−1, in seq order. */
  log: { records: Float64Array; vectors: Float64Array; entitySlot: Int32Array[] };
  entities: { slab: Float64Array; slotCount: number }[];
  /** [transaction id, µs it was stamped before it entered] pairs of late transactions (absent: none). */
  late?: Float64Array;
}

type RingArray = Float64Array | Int32Array;

/** Copies seqs head … head+count−1 of a ring (`width` numbers per position) into a new array, in seq order. */
export function ringToLinear<T extends RingArray>(
  array: T,
  width: number,
  head: number,
  count: number,
  mask: number,
): T {
  const out = new (array.constructor as new (n: number) => T)(count * width);
  for (let i = 0; i < count; i++) {
    const pos = (head + i) & mask;
    out.set(array.subarray(pos * width, pos * width + width), i * width);
  }
  return out;
}

/** Copies seq-ordered `image` rows (`width` numbers each, first seq `head`) into a ring with `mask`. */
export function linearToRing(image: RingArray, ring: RingArray, width: number, head: number, mask: number): void {
  const count = image.length / width;
  for (let i = 0; i < count; i++) {
    const pos = (head + i) & mask;
    ring.set(image.subarray(i * width, (i + 1) * width), pos * width);
  }
}

/** The smallest ring capacity (a power of two, at least the initial one) that holds `count` transactions. */
export function ringCapacityFor(count: number): number {
  let capacity = INITIAL_CAPACITY;
  while (capacity < count) capacity *= 2;
  return capacity;
}

export const invalidImage = (why: string) => new FeaturesError('INVALID_SNAPSHOT', why);

/** Throws INVALID_SNAPSHOT unless the image was taken with this plan and its sections have matching sizes. */
export function checkImage(image: OnlineStateImage, plan: FeaturePlan, tables: readonly EntityTable[]): void {
  if (image.specHash !== plan.hash) {
    throw invalidImage(
      `snapshot was taken for feature spec hash ${image.specHash.slice(0, 12)}…, not ${plan.hash.slice(0, 12)}… ("${plan.spec.name}")`,
    );
  }
  const count = image.tail - image.head;
  const width = plan.features.length;
  if (
    image.entities.length !== tables.length ||
    image.log.records.length !== count * LOG_STRIDE ||
    image.log.vectors.length !== count * width ||
    image.log.entitySlot.some((slots) => slots.length !== count)
  ) {
    throw invalidImage('snapshot sections do not match the feature spec');
  }
  if (image.late && image.late.length % 2 !== 0) throw invalidImage('snapshot late section is not [id, µs] pairs');
  tables.forEach((table, e) => {
    const { slab, slotCount } = image.entities[e];
    if (slab.length !== slotCount * table.stride) throw invalidImage(`snapshot ${table.kind} table has the wrong size`);
  });
}

/** Fills a freshly laid-out table from its image: the slab, the id → slot index and the free slots. */
export function restoreEntityTable(table: EntityTable, slab: Float64Array, slotCount: number): void {
  table.slab = new Float64Array(Math.max(64, slotCount) * table.stride);
  table.slab.set(slab);
  table.maxCache = new Float64Array(Math.max(64, slotCount) * table.maxPerSlot).fill(NaN);
  table.slotCount = slotCount;
  for (let slot = 0; slot < slotCount; slot++) {
    const id = slab[slot * table.stride + S_ID];
    if (Number.isNaN(id)) table.freeSlots.push(slot);
    else table.slots.set(id, slot);
  }
}

/** An id → number index as [key, value] pairs, sorted by key (so equal states give equal bytes). */
export function latePairs(index: NumberIndex): Float64Array {
  const keys: number[] = [];
  index.forEach((key) => keys.push(key));
  keys.sort((a, b) => a - b);
  const out = new Float64Array(keys.length * 2);
  keys.forEach((key, i) => {
    out[2 * i] = key;
    out[2 * i + 1] = index.get(key);
  });
  return out;
}

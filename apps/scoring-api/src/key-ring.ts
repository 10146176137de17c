import { NumberIndex } from '@fraudops/features';

/**
 * The most recently inserted `capacity` numeric ids (first in, first out), each in a slot: a ring of slots whose
 * keys sit in a `Float64Array`, found through the features library's `NumberIndex` (open addressing on one typed
 * array). Callers keep what they know of an id in their own columns indexed by slot — typed arrays, no object
 * per id — and a slot is reused for a new id once its id is the oldest of a full ring. A `Map` would need a heap
 * number for every id past 2^31 and leave its table full of holes (evicting through `Map.keys().next()` rescans
 * them on every insert). The ring grows towards `capacity` as ids arrive, so a large capacity costs memory only
 * once it is used.
 */
export class KeyRing {
  private readonly index = new NumberIndex();
  private keys = new Float64Array(0);
  /** Slots in use (the ring is full at `capacity`). */
  private used = 0;
  /** The slot the next new id takes (the oldest id's once the ring is full). */
  private next = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.index.size;
  }

  /** Slots allocated so far: callers size their columns to it (it changes only in {@link insert}). */
  get length(): number {
    return this.keys.length;
  }

  /** The id's slot, or −1. */
  slotOf(key: number): number {
    return this.index.get(key);
  }

  /** Whether `slot` holds `key` (a slot handed out earlier may since have gone to a newer id). */
  holds(slot: number, key: number): boolean {
    return slot >= 0 && slot < this.used && this.keys[slot] === key;
  }

  /**
   * Puts a new id in a slot and returns it: a fresh one while the ring grows, else the oldest id's, which is
   * forgotten. −1 with capacity 0. The id must not be held already (callers looked it up: {@link slotOf}).
   */
  insert(key: number): number {
    if (this.capacity === 0) return -1;
    const at = this.next;
    if (at === this.keys.length) {
      const grown = new Float64Array(Math.min(this.capacity, Math.max(1024, at * 2)));
      grown.set(this.keys);
      this.keys = grown;
    }
    if (at < this.used) this.index.delete(this.keys[at]);
    else this.used = at + 1;
    this.keys[at] = key;
    this.index.set(key, at);
    this.next = at + 1 === this.capacity ? 0 : at + 1;
    return at;
  }
}

/** A copy of `array` with room for `length` elements (the ring grew). */
export function grownTo<A extends Float64Array | Int32Array | Uint8Array>(array: A, length: number): A {
  if (array.length >= length) return array;
  const grown = new (array.constructor as new (n: number) => A)(length);
  grown.set(array);
  return grown;
}

import { NumberIndex } from '@fraudops/features';

/**
 * A map from numeric ids to values that keeps only its `capacity` most recently inserted ids (first in, first
 * out). The insertion order is a ring of slots (keys in a `Float64Array`, values beside them) and an id finds
 * its slot through the features library's `NumberIndex` (open addressing on one typed array). A `Map` would
 * do the same work with a heap number for every id past 2^31 and a hash table that deletions leave full of
 * holes (evicting through `Map.keys().next()` rescans them on every insert). The ring grows to `capacity` as
 * ids arrive, so a large capacity costs memory only once it is used.
 */
export class BoundedMap<V> {
  private readonly index = new NumberIndex();
  private keys = new Float64Array(0);
  private readonly values: Array<V | undefined> = [];
  /** The slot the next new id takes (the oldest id's once the ring is full). */
  private next = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.index.size;
  }

  get(key: number): V | undefined {
    const slot = this.index.get(key);
    return slot < 0 ? undefined : this.values[slot];
  }

  /** Inserts a new id (evicting the oldest when full); an existing id keeps its place and gets the value. */
  set(key: number, value: V): void {
    if (this.capacity === 0) return;
    const slot = this.index.get(key);
    if (slot >= 0) {
      this.values[slot] = value;
      return;
    }
    const at = this.next;
    if (at === this.keys.length && at < this.capacity) {
      const grown = new Float64Array(Math.min(this.capacity, Math.max(1024, at * 2)));
      grown.set(this.keys);
      this.keys = grown;
    }
    if (this.values.length > at) this.index.delete(this.keys[at]);
    this.keys[at] = key;
    this.values[at] = value;
    this.index.set(key, at);
    this.next = at + 1 === this.capacity ? 0 : at + 1;
  }
}

/**
 * A Map that keeps only its `capacity` most recently inserted keys (first in, first out). The insertion
 * order lives in a ring of keys: evicting through `Map.keys().next()` instead would rescan the deleted
 * slots V8 leaves at the front of the table, which turns every insert into a crawl once the map is full.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly order: Array<K | undefined>;
  private next = 0;

  constructor(readonly capacity: number) {
    this.order = new Array<K | undefined>(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Inserts a new key (evicting the oldest when full); an existing key keeps its place and gets the value. */
  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    if (this.entries.has(key)) {
      this.entries.set(key, value);
      return;
    }
    const evicted = this.order[this.next];
    if (evicted !== undefined) this.entries.delete(evicted);
    this.order[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.entries.set(key, value);
  }
}

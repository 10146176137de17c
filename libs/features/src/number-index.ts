/**
 * A hash map from finite numbers (transaction, customer, terminal ids) to non-negative integers, on typed
 * arrays: open addressing with linear probing and backward-shift deletion. The online state does several
 * lookups per transaction; this keeps them allocation-free and cache-friendlier than a JS Map, and its
 * memory is exactly its arrays.
 */
export class NumberIndex {
  private keys: Float64Array;
  private values: Float64Array;
  /** 1 where a slot is occupied. */
  private used: Uint8Array;
  private mask: number;
  /** 32 − log2(capacity): the home slot is the top bits of a Fibonacci hash. */
  private shift: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength + this.used.byteLength;
  }

  /** The value stored for `key`, or −1. */
  get(key: number): number {
    const keys = this.keys;
    const used = this.used;
    for (let i = this.home(key); used[i] === 1; i = (i + 1) & this.mask) {
      if (keys[i] === key) return this.values[i];
    }
    return -1;
  }

  set(key: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
    const keys = this.keys;
    const used = this.used;
    let i = this.home(key);
    for (; used[i] === 1; i = (i + 1) & this.mask) {
      if (keys[i] === key) {
        this.values[i] = value;
        return;
      }
    }
    used[i] = 1;
    keys[i] = key;
    this.values[i] = value;
    this.count++;
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const used = this.used;
    const mask = this.mask;
    let i = this.home(key);
    for (; used[i] === 1; i = (i + 1) & mask) {
      if (keys[i] === key) break;
    }
    if (used[i] !== 1) return false;
    // Backward shift: pull later entries of the same probe run into the hole, so lookups need no tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; used[j] === 1; j = (j + 1) & mask) {
      const home = this.home(keys[j]);
      const distanceToHole = (hole - home) & mask;
      const distanceToJ = (j - home) & mask;
      if (distanceToHole < distanceToJ) {
        keys[hole] = keys[j];
        this.values[hole] = this.values[j];
        hole = j;
      }
    }
    used[hole] = 0;
    this.count--;
    return true;
  }

  /** Calls `visit` for every entry (order unspecified). */
  forEach(visit: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.used[i] === 1) visit(this.keys[i], this.values[i]);
  }

  private home(key: number): number {
    // Mix both 32-bit halves of integer ids (exact up to 2^53), then a multiplicative hash.
    const low = key >>> 0;
    const high = (key / 4294967296) | 0;
    return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private rehash(capacity: number): void {
    const { keys, values, used } = this;
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.set(keys[i], values[i]);
  }
}

/** Ids equal but for these low bits share a block of slots (see `home`). */
const BLOCK_BITS = 3;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

export interface NumberIndexOptions {
  /**
   * Whole keys from 0 to this (exclusive) go to a directly indexed array instead of the hash table — for ids
   * that are usually small integers (customers, terminals: 4 bytes per id up to the largest one seen, one load
   * per lookup); their values must be below 2^31 − 1. Other keys are hashed as usual. @defaultValue 0 (none)
   */
  denseBelow?: number;
}

/**
 * A hash map from finite numbers (transaction, customer, terminal ids) to non-negative integers, on one typed
 * array: open addressing with linear probing and backward-shift deletion, each slot a [key, value] pair (an
 * empty slot holds a NaN key), so a lookup usually touches a single cache line and consecutive ids share one
 * block of slots. The online state does several lookups per transaction; this keeps them allocation-free and
 * its memory is exactly its arrays. Optionally (`denseBelow`) small whole keys skip hashing altogether.
 */
export class NumberIndex {
  /** [key, value] pairs; key NaN = empty. */
  private table: Float64Array;
  /** Slots − 1 (slots are a power of two). */
  private mask: number;
  /** 32 − log2(slots / 8): a home block is the top bits of a Fibonacci hash. */
  private blockShift: number;
  private count = 0;
  /** `denseBelow`'s keys: value + 1 at index key (0: absent); grown to the largest key set. */
  private dense = new Int32Array(0);
  private denseCount = 0;
  private readonly denseBelow: number;

  constructor(initialCapacity = 1024, options: NumberIndexOptions = {}) {
    this.denseBelow = options.denseBelow ?? 0;
    let slots = 16;
    while (slots < initialCapacity * 2) slots *= 2;
    this.table = new Float64Array(slots * 2).fill(NaN);
    this.mask = slots - 1;
    this.blockShift = 32 - Math.log2(slots) + BLOCK_BITS;
  }

  get size(): number {
    return this.count + this.denseCount;
  }

  get byteLength(): number {
    return this.table.byteLength + this.dense.byteLength;
  }

  /** Whether `key` belongs in the dense array (a whole number below `denseBelow`). */
  private isDense(key: number): boolean {
    return key < this.denseBelow && key >>> 0 === key;
  }

  /** The value stored for `key`, or −1. */
  get(key: number): number {
    if (this.isDense(key)) return key < this.dense.length ? this.dense[key] - 1 : -1;
    const table = this.table;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = table[2 * i];
      if (k === key) return table[2 * i + 1];
      if (k !== k) return -1; // NaN: an empty slot ends the probe run
    }
  }

  set(key: number, value: number): void {
    if (this.isDense(key)) {
      if (key >= this.dense.length) this.growDense(key);
      if (this.dense[key] === 0) this.denseCount++;
      this.dense[key] = value + 1;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const table = this.table;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = table[2 * i];
      if (k === key) {
        table[2 * i + 1] = value;
        return;
      }
      if (k !== k) {
        table[2 * i] = key;
        table[2 * i + 1] = value;
        this.count++;
        return;
      }
    }
  }

  delete(key: number): boolean {
    if (this.isDense(key)) {
      if (key >= this.dense.length || this.dense[key] === 0) return false;
      this.dense[key] = 0;
      this.denseCount--;
      return true;
    }
    const table = this.table;
    const mask = this.mask;
    let i = this.home(key);
    for (; ; i = (i + 1) & mask) {
      const k = table[2 * i];
      if (k === key) break;
      if (k !== k) return false;
    }
    // Backward shift: pull later entries of the same probe run into the hole, so lookups need no tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = table[2 * j];
      if (k !== k) break;
      const home = this.home(k);
      if (((hole - home) & mask) < ((j - home) & mask)) {
        table[2 * hole] = k;
        table[2 * hole + 1] = table[2 * j + 1];
        hole = j;
      }
    }
    table[2 * hole] = NaN;
    this.count--;
    return true;
  }

  /** Calls `visit` for every entry (order unspecified). */
  forEach(visit: (key: number, value: number) => void): void {
    const table = this.table;
    for (let i = 0; i < table.length; i += 2) if (table[i] === table[i]) visit(table[i], table[i + 1]);
    const dense = this.dense;
    for (let key = 0; key < dense.length; key++) if (dense[key] !== 0) visit(key, dense[key] - 1);
  }

  private growDense(key: number): void {
    let length = Math.max(64, this.dense.length);
    while (length <= key) length *= 2;
    const grown = new Int32Array(Math.min(length, this.denseBelow));
    grown.set(this.dense);
    this.dense = grown;
  }

  private home(key: number): number {
    // Ids that differ only in their low 3 bits share a block of 8 slots (128 bytes, two cache lines) at their
    // own offsets in it, so consecutive ids — transaction ids usually are — probe memory already in cache; the
    // block is a multiplicative hash of the rest of the id (both 32-bit halves: exact up to 2^53).
    const low = key >>> 0;
    const high = (key / 4294967296) | 0;
    const block = Math.imul((low >>> BLOCK_BITS) ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> this.blockShift;
    return (block << BLOCK_BITS) | (low & BLOCK_MASK);
  }

  private rehash(slots: number): void {
    const old = this.table;
    this.table = new Float64Array(slots * 2).fill(NaN);
    this.mask = slots - 1;
    this.blockShift = 32 - Math.log2(slots) + BLOCK_BITS;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] === old[i]) this.set(old[i], old[i + 1]);
  }
}

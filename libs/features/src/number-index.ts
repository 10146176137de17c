/** Ids equal but for these low bits share a block of slots (see `home`). */
const BLOCK_BITS = 3;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

/**
 * A hash map from finite numbers (transaction, customer, terminal ids) to non-negative integers, on one typed
 * array: open addressing with linear probing and backward-shift deletion, each slot a [key, value] pair (an
 * empty slot holds a NaN key), so a lookup usually touches a single cache line and consecutive ids share one
 * block of slots. The online state does several lookups per transaction; this keeps them allocation-free and
 * its memory is exactly its array.
 */
export class NumberIndex {
  /** [key, value] pairs; key NaN = empty. */
  private table: Float64Array;
  /** Slots − 1 (slots are a power of two). */
  private mask: number;
  /** 32 − log2(slots / 8): a home block is the top bits of a Fibonacci hash. */
  private blockShift: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let slots = 16;
    while (slots < initialCapacity * 2) slots *= 2;
    this.table = new Float64Array(slots * 2).fill(NaN);
    this.mask = slots - 1;
    this.blockShift = 32 - Math.log2(slots) + BLOCK_BITS;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.table.byteLength;
  }

  /** The value stored for `key`, or −1. */
  get(key: number): number {
    const table = this.table;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = table[2 * i];
      if (k === key) return table[2 * i + 1];
      if (k !== k) return -1; // NaN: an empty slot ends the probe run
    }
  }

  set(key: number, value: number): void {
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

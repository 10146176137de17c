import { SeededRandom } from '@fraudops/core';
import { addSplitLeafValuesRange, copyRows, joinPartitionChunks, partitionRange } from './training-kernels.js';

describe('joinPartitionChunks', () => {
  const rows = 10_000;
  const random = new SeededRandom(5);
  // One feature's codes: bins 0–9 and the missing code 10.
  const codes = Uint8Array.from({ length: rows }, () => Math.floor(random.nextFloat() * 11));
  const node = Uint32Array.from(random.sampleIndices(rows, 3_001)).sort();

  /** The node partitioned whole, then in `chunks` chunks (each in place) joined: both row indices and left counts. */
  function wholeAndChunked(chunks: number, inOrder: boolean): Array<[Uint32Array, number]> {
    const rowsOf = inOrder ? Uint32Array.from({ length: rows }, (_, i) => i) : node;
    const n = rowsOf.length;
    const whole = rowsOf.slice();
    const wholeLeft = partitionRange(codes, whole, new Uint32Array(n), 0, n, 0, 4, 10, 1, inOrder ? 1 : 0);
    const chunked = inOrder ? new Uint32Array(n) : rowsOf.slice();
    const scratch = new Uint32Array(n);
    const bounds = Int32Array.from({ length: chunks + 1 }, (_, c) => Math.floor((c * n) / chunks));
    const lefts = Int32Array.from({ length: chunks }, (_, c) =>
      partitionRange(codes, chunked, scratch, bounds[c], bounds[c + 1], 0, 4, 10, 1, inOrder ? 1 : 0),
    );
    const joinedLeft = joinPartitionChunks(chunked, scratch, bounds, lefts, chunks);
    return [
      [whole, wholeLeft],
      [chunked, joinedLeft],
    ];
  }

  it.each([1, 2, 3, 5])('joins %i chunks to the stable partition of the whole node', (chunks) => {
    const [[whole, wholeLeft], [chunked, joinedLeft]] = wholeAndChunked(chunks, false);
    expect(joinedLeft).toBe(wholeLeft);
    expect(chunked).toEqual(whole);
    // The stable partition itself: left rows (codes ≤ 4 or missing) ascending, then right rows ascending.
    const left = Array.from(node).filter((r) => codes[r] <= 4 || codes[r] === 10);
    expect(Array.from(whole)).toEqual([...left, ...Array.from(node).filter((r) => !left.includes(r))]);
  });

  it('partitions rows read in order (a root without row sampling) like the same rows read through the index', () => {
    const [[whole, wholeLeft], [chunked, joinedLeft]] = wholeAndChunked(3, true);
    const indexed = Uint32Array.from({ length: rows }, (_, i) => i);
    const indexedLeft = partitionRange(codes, indexed, new Uint32Array(rows), 0, rows, 0, 4, 10, 1, 0);
    expect([wholeLeft, joinedLeft]).toEqual([indexedLeft, indexedLeft]);
    expect(whole).toEqual(indexed);
    expect(chunked).toEqual(indexed);
  });

  it('partitions in-order rows of any column alignment and range (codes read four at a time) like the index does', () => {
    // Three columns of an odd row count: the third starts at a byte offset that is not a multiple of 4.
    const n = 1_001;
    const columns = Uint8Array.from({ length: 3 * n }, () => Math.floor(random.nextFloat() * 11));
    for (const [begin, end] of [
      [0, n],
      [1, n - 2],
      [5, 7],
      [6, 9],
    ]) {
      const direct = new Uint32Array(n);
      const directLeft = partitionRange(columns, direct, new Uint32Array(n), begin, end, 2 * n, 6, 10, 0, 1);
      const indexed = Uint32Array.from({ length: n }, (_, i) => i);
      const indexedLeft = partitionRange(columns, indexed, new Uint32Array(n), begin, end, 2 * n, 6, 10, 0, 0);
      expect(directLeft).toBe(indexedLeft);
      expect(direct.subarray(begin, end)).toEqual(indexed.subarray(begin, end));
    }
  });
});

describe('addSplitLeafValuesRange', () => {
  it('adds the left or right value to each row of a node range, as the split sends it, for any range length', () => {
    const random = new SeededRandom(9);
    const rows = 2_000;
    // Two columns; the node splits on the second: codes ≤ 3 left, missing (code 8) right.
    const codes = Uint8Array.from({ length: 2 * rows }, () => Math.floor(random.nextFloat() * 9));
    const rowIndex = Uint32Array.from(random.sampleIndices(rows, 1_500));
    for (const [begin, end] of [
      [0, 1_500],
      [3, 1_490],
      [7, 14],
      [100, 105],
    ]) {
      const margins = Float64Array.from({ length: rows }, (_, r) => r / 7);
      addSplitLeafValuesRange(codes, rowIndex, margins, begin, end, rows, 3, 8, 0, 0.25, -0.5);
      const expected = Float64Array.from({ length: rows }, (_, r) => r / 7);
      for (let i = begin; i < end; i++) {
        const row = rowIndex[i];
        expected[row] += codes[rows + row] <= 3 ? 0.25 : -0.5;
      }
      expect(margins).toEqual(expected);
    }
  });
});

describe('copyRows', () => {
  const memories = [
    ['an ArrayBuffer', (n: number) => new Uint32Array(new ArrayBuffer(n * 4))],
    ['a SharedArrayBuffer', (n: number) => new Uint32Array(new SharedArrayBuffer(n * 4))],
  ] as const;

  it.each(memories)('copies between two arrays on %s like set', (_, make) => {
    for (const [source, target, count] of [
      [0, 0, 0],
      [3, 50, 7],
      [10, 1, 8],
      [17, 30, 61],
    ]) {
      const from = make(100).map((_, i) => 1_000 + i);
      const to = make(100).map((_, i) => i);
      const expected = Uint32Array.from(to);
      expected.set(from.subarray(source, source + count), target);
      copyRows(from, source, to, target, count);
      expect(Array.from(to)).toEqual(Array.from(expected));
    }
  });

  it.each(memories)('moves rows down within one array on %s like copyWithin, overlapping or not', (_, make) => {
    for (const [source, target, count] of [
      [5, 5, 20],
      [9, 2, 30],
      [40, 39, 50],
      [60, 0, 17],
    ]) {
      const rows = make(100).map((_, i) => 7 * i + 1);
      const expected = Uint32Array.from(rows).copyWithin(target, source, source + count);
      copyRows(rows, source, rows, target, count);
      expect(Array.from(rows)).toEqual(Array.from(expected));
    }
  });

  it('joins chunks in shared memory (the copies a worker thread makes) as in an ArrayBuffer', () => {
    const random = new SeededRandom(9);
    const n = 5_003;
    const codes = Uint8Array.from({ length: n }, () => Math.floor(random.nextFloat() * 11));
    const partitioned = memories.map(([, make]) => {
      const rowIndex = make(n);
      const scratch = make(n);
      const bounds = Int32Array.from({ length: 4 }, (_, c) => Math.floor((c * n) / 3));
      const lefts = Int32Array.from({ length: 3 }, (_, c) =>
        partitionRange(codes, rowIndex, scratch, bounds[c], bounds[c + 1], 0, 3, 10, 0, 1),
      );
      return [joinPartitionChunks(rowIndex, scratch, bounds, lefts, 3), Array.from(rowIndex)];
    });
    expect(partitioned[1]).toEqual(partitioned[0]);
  });
});

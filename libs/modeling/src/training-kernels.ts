/**
 * The per-row loops of training, written as self-contained functions (no imports, no outer constants;
 * they call only each other) so worker threads can compile their exact source: every thread runs the same code on its
 * share of the rows, which keeps the model identical for any thread count.
 */

/**
 * Log-loss gradient and hessian of rows [begin, end), interleaved and rounded to float32 (as XGBoost keeps
 * them: half the memory the histogram loop reads); positives weighted by scalePosWeight.
 *
 * The sigmoid's exponential is computed here rather than by `Math.exp` (a call into V8's C library per row,
 * about half of this loop): e^x = 2^k · 2^(j/64) · e^r with x = (64k + j) · ln2/64 + r, |r| ≤ ln2/128, a
 * 64-entry table and a degree-5 polynomial — relative error below 1e-15, far under float32's rounding, and
 * the same bits on every thread.
 */
export function computeGradientsRange(
  margins: Float64Array,
  labels: Uint8Array,
  gradHess: Float32Array,
  scalePosWeight: number,
  begin: number,
  end: number,
): void {
  const table = new Float64Array(64);
  for (let j = 0; j < 64; j++) table[j] = Math.exp((j * Math.LN2) / 64);
  const pow2 = new Float64Array(2048);
  pow2[1024] = 1;
  for (let k = 1; k < 1024; k++) {
    pow2[1024 + k] = pow2[1023 + k] * 2;
    pow2[1024 - k] = pow2[1025 - k] / 2;
  }
  const invStep = 64 / Math.LN2;
  // ln2/64 as a sum of a head with trailing zero bits (n · stepHi is exact for |n| < 2^16) and a tail.
  const stepHi = 0.010830424696223417;
  const stepLo = 2.572804622327669e-14;
  // Adding and subtracting 1.5 · 2^52 rounds a double to the nearest integer (ties to even).
  const round = 6755399441055744;
  for (let r = begin; r < end; r++) {
    const x = -margins[r];
    let e: number;
    if (x > -700 && x < 700) {
      const nd = x * invStep + round - round;
      const n = nd | 0;
      const rest = x - nd * stepHi - nd * stepLo;
      const j = n & 63;
      e =
        pow2[1024 + (n >> 6)] *
        table[j] *
        (1 + rest * (1 + rest * (0.5 + rest * (1 / 6 + rest * (1 / 24 + rest / 120)))));
    } else {
      e = Math.exp(x);
    }
    const p = 1 / (1 + e);
    if (labels[r] === 1) {
      gradHess[2 * r] = (p - 1) * scalePosWeight;
      // XGBoost's floor keeps confident rows from zeroing a node's hessian.
      gradHess[2 * r + 1] = Math.max(p * (1 - p), 1e-16) * scalePosWeight;
    } else {
      gradHess[2 * r] = p;
      gradHess[2 * r + 1] = Math.max(p * (1 - p), 1e-16);
    }
  }
}

/**
 * Stable partition of `rowIndex[begin, end)` on one split: rows whose code is `<= bin` (or missing, when
 * `missingLeft` is 1) first. Uses `scratch[begin, end)`; returns the number of rows that went left. The
 * go-left lookup table makes the loop branch-free (measured ~2× faster than branching on fraud data).
 * With `inOrder` 1 the range holds rows `begin … end − 1` themselves (a tree's root without row sampling):
 * they are read without the row index, which need not be written yet.
 */
// eslint-disable-next-line max-lines-per-function -- one self-contained kernel (workers compile its source): both loops unrolled
export function partitionRange(
  codes: Uint8Array,
  rowIndex: Uint32Array,
  scratch: Uint32Array,
  begin: number,
  end: number,
  columnBase: number,
  bin: number,
  missingCode: number,
  missingLeft: number,
  inOrder: number,
): number {
  const goesLeft = new Uint8Array(256);
  for (let code = 0; code <= bin; code++) goesLeft[code] = 1;
  goesLeft[missingCode] = missingLeft;
  let l = begin;
  let r = begin;
  if (inOrder === 1) {
    // Eight rows' codes as two little-endian 32-bit words (any alignment), every lookup before the stores:
    // two loads and bounds checks instead of eight (measured on the large window's root: 2.8 → 1.3 ms, best
    // of 40).
    const words = new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
    let row = begin;
    for (; row + 8 <= end; row += 8) {
      const low = words.getInt32(columnBase + row, true);
      const high = words.getInt32(columnBase + row + 4, true);
      const left0 = goesLeft[low & 255];
      const left1 = goesLeft[(low >> 8) & 255];
      const left2 = goesLeft[(low >> 16) & 255];
      const left3 = goesLeft[low >>> 24];
      const left4 = goesLeft[high & 255];
      const left5 = goesLeft[(high >> 8) & 255];
      const left6 = goesLeft[(high >> 16) & 255];
      const left7 = goesLeft[high >>> 24];
      rowIndex[l] = row;
      scratch[r] = row;
      l += left0;
      r += 1 - left0;
      rowIndex[l] = row + 1;
      scratch[r] = row + 1;
      l += left1;
      r += 1 - left1;
      rowIndex[l] = row + 2;
      scratch[r] = row + 2;
      l += left2;
      r += 1 - left2;
      rowIndex[l] = row + 3;
      scratch[r] = row + 3;
      l += left3;
      r += 1 - left3;
      rowIndex[l] = row + 4;
      scratch[r] = row + 4;
      l += left4;
      r += 1 - left4;
      rowIndex[l] = row + 5;
      scratch[r] = row + 5;
      l += left5;
      r += 1 - left5;
      rowIndex[l] = row + 6;
      scratch[r] = row + 6;
      l += left6;
      r += 1 - left6;
      rowIndex[l] = row + 7;
      scratch[r] = row + 7;
      l += left7;
      r += 1 - left7;
    }
    for (; row < end; row++) {
      const left = goesLeft[codes[columnBase + row]];
      rowIndex[l] = row;
      scratch[r] = row;
      l += left;
      r += 1 - left;
    }
  } else {
    // Eight rows a step, every load before the stores: the gathers of eight codes overlap, and the checks
    // V8 puts in each iteration are paid once per eight rows (measured on the large window's partitions of
    // levels 1–4: 4.4 → 2.3 ns a row, best of 9).
    let i = begin;
    for (; i + 8 <= end; i += 8) {
      const row0 = rowIndex[i];
      const row1 = rowIndex[i + 1];
      const row2 = rowIndex[i + 2];
      const row3 = rowIndex[i + 3];
      const row4 = rowIndex[i + 4];
      const row5 = rowIndex[i + 5];
      const row6 = rowIndex[i + 6];
      const row7 = rowIndex[i + 7];
      const left0 = goesLeft[codes[columnBase + row0]];
      const left1 = goesLeft[codes[columnBase + row1]];
      const left2 = goesLeft[codes[columnBase + row2]];
      const left3 = goesLeft[codes[columnBase + row3]];
      const left4 = goesLeft[codes[columnBase + row4]];
      const left5 = goesLeft[codes[columnBase + row5]];
      const left6 = goesLeft[codes[columnBase + row6]];
      const left7 = goesLeft[codes[columnBase + row7]];
      rowIndex[l] = row0;
      scratch[r] = row0;
      l += left0;
      r += 1 - left0;
      rowIndex[l] = row1;
      scratch[r] = row1;
      l += left1;
      r += 1 - left1;
      rowIndex[l] = row2;
      scratch[r] = row2;
      l += left2;
      r += 1 - left2;
      rowIndex[l] = row3;
      scratch[r] = row3;
      l += left3;
      r += 1 - left3;
      rowIndex[l] = row4;
      scratch[r] = row4;
      l += left4;
      r += 1 - left4;
      rowIndex[l] = row5;
      scratch[r] = row5;
      l += left5;
      r += 1 - left5;
      rowIndex[l] = row6;
      scratch[r] = row6;
      l += left6;
      r += 1 - left6;
      rowIndex[l] = row7;
      scratch[r] = row7;
      l += left7;
      r += 1 - left7;
    }
    for (; i < end; i++) {
      const row = rowIndex[i];
      const left = goesLeft[codes[columnBase + row]];
      rowIndex[l] = row;
      scratch[r] = row;
      l += left;
      r += 1 - left;
    }
  }
  copyRows(scratch, begin, rowIndex, l, r - begin);
  return l - begin;
}

/**
 * Copies `count` row indices from `from[source …]` to `to[target …]`; within one array only downwards (`target ≤
 * source`, as `copyWithin` would). On a `SharedArrayBuffer` V8's `set` and `copyWithin` copy with relaxed atomics,
 * a machine word at a time when the two ranges start a multiple of 8 bytes apart, else byte by byte (measured on
 * 400,000 indices: 0.16 against 1.2 ns an element); the byte case is left to a loop that reads eight elements
 * before it writes them (0.7 ns), safe downwards because each step writes only positions at or below those it has
 * read.
 */
export function copyRows(from: Uint32Array, source: number, to: Uint32Array, target: number, count: number): void {
  if (
    !(to.buffer instanceof SharedArrayBuffer) ||
    ((to.byteOffset - from.byteOffset + 4 * (target - source)) & 7) === 0
  ) {
    if (from === to) to.copyWithin(target, source, source + count);
    else to.set(from.subarray(source, source + count), target);
    return;
  }
  let i = 0;
  for (; i + 8 <= count; i += 8) {
    const a0 = from[source + i];
    const a1 = from[source + i + 1];
    const a2 = from[source + i + 2];
    const a3 = from[source + i + 3];
    const a4 = from[source + i + 4];
    const a5 = from[source + i + 5];
    const a6 = from[source + i + 6];
    const a7 = from[source + i + 7];
    to[target + i] = a0;
    to[target + i + 1] = a1;
    to[target + i + 2] = a2;
    to[target + i + 3] = a3;
    to[target + i + 4] = a4;
    to[target + i + 5] = a5;
    to[target + i + 6] = a6;
    to[target + i + 7] = a7;
  }
  for (; i < count; i++) to[target + i] = from[source + i];
}

/**
 * Joins the chunks of a node that several threads partitioned at once, each chunk in place by
 * {@link partitionRange}: chunk `c` holds rows `rowIndex[bounds[c], bounds[c + 1])` as its left rows
 * (`leftRows[c]` of them) then its right rows. Afterwards the node holds every chunk's left rows, then every
 * chunk's right rows, in chunk order — the node's own stable partition. The first chunk's left rows and the
 * last chunk's right rows are in place already; the rest move by block copies (through `scratch`, free over
 * the node once its chunks are done). Returns the node's left rows.
 */
export function joinPartitionChunks(
  rowIndex: Uint32Array,
  scratch: Uint32Array,
  bounds: Int32Array,
  leftRows: Int32Array,
  chunks: number,
): number {
  let totalLeft = 0;
  for (let c = 0; c < chunks; c++) totalLeft += leftRows[c];
  const rightBegin = bounds[0] + totalLeft;
  // Right rows of all chunks but the last, in order, to where they end up (in scratch).
  let at = rightBegin;
  for (let c = 0; c + 1 < chunks; c++) {
    const right = bounds[c + 1] - bounds[c] - leftRows[c];
    copyRows(rowIndex, bounds[c] + leftRows[c], scratch, at, right);
    at += right;
  }
  // Left rows of the later chunks down after the first chunk's (copyWithin handles the overlap).
  at = bounds[0] + leftRows[0];
  for (let c = 1; c < chunks; c++) {
    copyRows(rowIndex, bounds[c], rowIndex, at, leftRows[c]);
    at += leftRows[c];
  }
  const lastRight = bounds[chunks] - bounds[chunks - 1] - leftRows[chunks - 1];
  copyRows(scratch, rightBegin, rowIndex, rightBegin, bounds[chunks] - lastRight - rightBegin);
  return totalLeft;
}

/**
 * After a thread partitioned one chunk of a node (its left rows in `results`): the thread that finishes the
 * node's last chunk joins them. `at` is the node's record in `joins` (the parallel executor's `JOIN_DONE` …: the
 * numbers are written out because the worker compiles this function's source). `Atomics.add` orders the other
 * chunks' writes before the join reads them.
 */
export function joinChunksIfLast(
  rowIndex: Uint32Array,
  scratch: Uint32Array,
  results: Int32Array,
  joins: Int32Array,
  at: number,
): void {
  const chunks = joins[at + 2];
  if (Atomics.add(joins, at, 1) !== chunks - 1) return;
  const first = joins[at + 1];
  const bounds = joins.subarray(at + 3, at + 4 + chunks);
  joinPartitionChunks(rowIndex, scratch, bounds, results.subarray(first, first + chunks), chunks);
}

/** Rows `begin … end − 1` in order at `rowIndex[begin, end)` (a tree without row sampling holds every row). */
export function fillRowIndexRange(rowIndex: Uint32Array, begin: number, end: number): void {
  for (let r = begin; r < end; r++) rowIndex[r] = r;
}

/** Adds a leaf's value to the margins of its rows `rowIndex[begin, end)`. */
export function addLeafValueRange(
  margins: Float64Array,
  rowIndex: Uint32Array,
  value: number,
  begin: number,
  end: number,
): void {
  for (let i = begin; i < end; i++) margins[rowIndex[i]] += value;
}

/**
 * The last level of a depth-limited tree: adds the left or right leaf value to each row of a node without
 * partitioning it (nothing grows below), saving a partition and a leaf pass per tree.
 */
export function addSplitLeafValuesRange(
  codes: Uint8Array,
  rowIndex: Uint32Array,
  margins: Float64Array,
  begin: number,
  end: number,
  columnBase: number,
  bin: number,
  missingCode: number,
  missingLeft: number,
  leftValue: number,
  rightValue: number,
): void {
  const value = new Float64Array(256).fill(rightValue);
  for (let code = 0; code <= bin; code++) value[code] = leftValue;
  value[missingCode] = missingLeft === 1 ? leftValue : rightValue;
  // Eight rows a step, their gathers before the updates (as in `partitionRange`).
  let i = begin;
  for (; i + 8 <= end; i += 8) {
    const row0 = rowIndex[i];
    const row1 = rowIndex[i + 1];
    const row2 = rowIndex[i + 2];
    const row3 = rowIndex[i + 3];
    const row4 = rowIndex[i + 4];
    const row5 = rowIndex[i + 5];
    const row6 = rowIndex[i + 6];
    const row7 = rowIndex[i + 7];
    const add0 = value[codes[columnBase + row0]];
    const add1 = value[codes[columnBase + row1]];
    const add2 = value[codes[columnBase + row2]];
    const add3 = value[codes[columnBase + row3]];
    const add4 = value[codes[columnBase + row4]];
    const add5 = value[codes[columnBase + row5]];
    const add6 = value[codes[columnBase + row6]];
    const add7 = value[codes[columnBase + row7]];
    margins[row0] += add0;
    margins[row1] += add1;
    margins[row2] += add2;
    margins[row3] += add3;
    margins[row4] += add4;
    margins[row5] += add5;
    margins[row6] += add6;
    margins[row7] += add7;
  }
  for (; i < end; i++) {
    const row = rowIndex[i];
    margins[row] += value[codes[columnBase + row]];
  }
}

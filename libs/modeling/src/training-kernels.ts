/**
 * The per-row loops of training, written as self-contained functions (no imports, no closures, no outer
 * constants) so worker threads can compile their exact source: every thread runs the same code on its
 * share of the rows, which keeps the model identical for any thread count.
 */

/** Log-loss gradient and hessian of rows [begin, end), interleaved; positives weighted by scalePosWeight. */
export function computeGradientsRange(
  margins: Float64Array,
  labels: Uint8Array,
  gradHess: Float64Array,
  scalePosWeight: number,
  begin: number,
  end: number,
): void {
  for (let r = begin; r < end; r++) {
    const p = 1 / (1 + Math.exp(-margins[r]));
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
 */
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
): number {
  const goesLeft = new Uint8Array(256);
  for (let code = 0; code <= bin; code++) goesLeft[code] = 1;
  goesLeft[missingCode] = missingLeft;
  let l = begin;
  let r = begin;
  for (let i = begin; i < end; i++) {
    const row = rowIndex[i];
    const left = goesLeft[codes[columnBase + row]];
    rowIndex[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  rowIndex.set(scratch.subarray(begin, r), l);
  return l - begin;
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
  for (let i = begin; i < end; i++) {
    const row = rowIndex[i];
    margins[row] += value[codes[columnBase + row]];
  }
}

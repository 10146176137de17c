/**
 * numpy's default ("linear", Hyndman & Fan type 7) quantile of ascending `sorted` values, reproduced
 * operation for operation — including numpy's two-sided interpolation — so that bin edges built from it
 * equal numpy's bit for bit (scikit-learn's quantile calibration bins, the drift deciles).
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  if (virtualIndex <= 0) return sorted[0];
  const previousIndex = Math.floor(virtualIndex);
  const gamma = virtualIndex - previousIndex;
  const below = sorted[previousIndex];
  const above = sorted[previousIndex + 1];
  const difference = above - below;
  return gamma >= 0.5 ? above - difference * (1 - gamma) : below + difference * gamma;
}

/**
 * The edges `np.percentile(values, np.linspace(0, 1, bins + 1) * 100)` returns: bins + 1 ascending values
 * from the minimum to the maximum (repeated when values repeat).
 */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): Float64Array {
  const edges = new Float64Array(bins + 1);
  const step = 1 / bins; // np.linspace: i * (1 / bins), the last one exactly 1
  for (let i = 0; i <= bins; i++) {
    const fraction = i === bins ? 1 : i * step;
    edges[i] = quantileOfSorted(sorted, (fraction * 100) / 100); // np.percentile scales by 100 and back
  }
  return edges;
}

/** Number of `edges` strictly below `value` (numpy `searchsorted(edges, value, side='left')`). */
export function countEdgesBelow(edges: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (edges[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** An ascending copy of finite values. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

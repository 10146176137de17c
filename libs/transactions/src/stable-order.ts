/**
 * The permutation that sorts `keys` ascending while keeping equal keys in their original order: an LSD radix
 * sort, O(n) and stable by construction. Keys must be integers in [0, 2^32).
 *
 * Keys travel with their row numbers, so every pass reads sequentially and only the writes scatter (into at
 * most 2^11 buckets, which stay in cache); looking keys up through the permutation instead is several
 * times slower on a million rows.
 */
export function stableOrderByKey(keys: ArrayLike<number>): Uint32Array {
  const n = keys.length;
  let keyIn = new Uint32Array(n);
  let rowIn = new Uint32Array(n);
  let keyOut = new Uint32Array(n);
  let rowOut = new Uint32Array(n);
  let maxKey = 0;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    keyIn[i] = key;
    rowIn[i] = i;
    if (key > maxKey) maxKey = key;
  }
  const bits = 32 - Math.clz32(maxKey);
  const passes = Math.max(1, Math.ceil(bits / 11));
  const digitBits = Math.max(1, Math.ceil(bits / passes));
  const buckets = 1 << digitBits;
  const mask = buckets - 1;
  const offsets = new Uint32Array(buckets);
  for (let pass = 0, shift = 0; pass < passes; pass++, shift += digitBits) {
    offsets.fill(0);
    for (let i = 0; i < n; i++) offsets[(keyIn[i] >>> shift) & mask]++;
    let running = 0;
    for (let d = 0; d < buckets; d++) {
      const count = offsets[d];
      offsets[d] = running;
      running += count;
    }
    for (let i = 0; i < n; i++) {
      const key = keyIn[i];
      const at = offsets[(key >>> shift) & mask]++;
      keyOut[at] = key;
      rowOut[at] = rowIn[i];
    }
    [keyIn, keyOut] = [keyOut, keyIn];
    [rowIn, rowOut] = [rowOut, rowIn];
  }
  return rowIn;
}

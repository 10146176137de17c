/**
 * The permutation that sorts `keys` ascending while keeping equal keys in their original order: an LSD radix
 * sort on 16-bit digits, O(n) and stable by construction. Keys must be integers in [0, 2^32).
 */
export function stableOrderByKey(keys: ArrayLike<number>): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  let scratch = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let maxKey = 0;
  for (let i = 0; i < n; i++) if (keys[i] > maxKey) maxKey = keys[i];
  const counts = new Uint32Array(65536);
  for (let shift = 0; shift < 32 && maxKey >>> shift > 0; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 0xffff]++;
    let running = 0;
    for (let d = 0; d < 65536; d++) {
      const count = counts[d];
      counts[d] = running;
      running += count;
    }
    for (let i = 0; i < n; i++) {
      const row = order[i];
      scratch[counts[(keys[row] >>> shift) & 0xffff]++] = row;
    }
    const swap = order;
    order = scratch;
    scratch = swap;
  }
  return order;
}

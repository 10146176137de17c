/**
 * A stable LSD radix argsort of float64 scores from highest to lowest.
 *
 * Why: the ranking metrics that need to know where each row went (precision@k, the bootstrap's
 * re-weighting) need an argsort. A comparator sort of indices takes ~11 s on 10 million rows and a
 * binary search per row into the distinct scores is cache-hostile; four counting passes over 16-bit
 * digits of the IEEE-754 bit pattern are linear, and a pass whose digit is the same for every row (the
 * low mantissa of float32-derived scores) is skipped.
 */

const BUCKETS = 1 << 16;
const DIGIT_MASK = BUCKETS - 1;

/** Row indices by descending score, ties in row order. Scores must be finite (checked by the caller). */
export function argsortDescending(scores: ArrayLike<number>): Uint32Array {
  const n = scores.length;
  const values = scores instanceof Float64Array ? scores : Float64Array.from(scores);
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);

  // Keys whose unsigned ascending order is the scores' descending order: a negative double's bits already
  // order "more negative last" when read unsigned; a positive one needs its bits inverted below the sign.
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    if (values[i] === 0) {
      // -0 and +0 get different bit patterns but must tie, like equal scores
      hi[i] = 0x7fffffff;
      lo[i] = 0xffffffff;
    } else if (h & 0x80000000) {
      hi[i] = h;
      lo[i] = words[2 * i];
    } else {
      hi[i] = (h ^ 0x7fffffff) >>> 0;
      lo[i] = ~words[2 * i] >>> 0;
    }
    order[i] = i;
  }
  const histograms = [
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
    new Uint32Array(BUCKETS),
  ];
  const [h0, h1, h2, h3] = histograms;
  for (let i = 0; i < n; i++) {
    h0[lo[i] & DIGIT_MASK]++;
    h1[lo[i] >>> 16]++;
    h2[hi[i] & DIGIT_MASK]++;
    h3[hi[i] >>> 16]++;
  }

  let hiOut = new Uint32Array(n);
  let loOut = new Uint32Array(n);
  let orderOut = new Uint32Array(n);
  const offsets = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < 4; pass++) {
    const histogram = histograms[pass];
    if (histogram.some((count) => count === n)) continue;
    let running = 0;
    for (let b = 0; b < BUCKETS; b++) {
      offsets[b] = running;
      running += histogram[b];
    }
    const source = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    for (let i = 0; i < n; i++) {
      const at = offsets[(source[i] >>> shift) & DIGIT_MASK]++;
      hiOut[at] = hi[i];
      loOut[at] = lo[i];
      orderOut[at] = order[i];
    }
    [hi, hiOut] = [hiOut, hi];
    [lo, loOut] = [loOut, lo];
    [order, orderOut] = [orderOut, order];
  }
  return order;
}

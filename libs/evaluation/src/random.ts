/**
 * A small seeded generator (xoshiro128**, seeded through splitmix32) for the bootstrap: the same seed
 * gives the same confidence intervals on every machine and Node version, which `Math.random` cannot.
 */
export interface SeededRandom {
  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number;
  /** A uniform integer in [0, n). */
  below(n: number): number;
}

export function createRandom(seed: number): SeededRandom {
  let mix = seed >>> 0;
  const splitmix32 = () => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  const nextUint32 = () => {
    const result = Math.imul(rotateLeft(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotateLeft(d, 11);
    return result;
  };
  const next = () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  return { next, below: (n) => Math.floor(next() * n) };
}

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

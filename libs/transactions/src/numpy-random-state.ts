import { MersenneTwister } from './mersenne-twister.js';
import { TransactionsError } from './errors.js';

// Math functions bound once: in hot loops a module binding is cheaper than a global property lookup
// (markedly so inside the vm contexts test runners use).
const { sqrt, log, exp, round } = Math;

/**
 * The draws of numpy's legacy `RandomState` (the `np.random.*` functions) that the simulator uses, with the
 * same algorithms, so that a seed yields the same numbers as numpy, bit for bit.
 */
export class NumpyRandomState {
  private readonly generator = new MersenneTwister();
  /** numpy's polar method makes normals in pairs and keeps the second for the next call. */
  private cachedGauss: number | undefined;
  private readonly log: (x: number) => number;

  /**
   * @param options.log the natural logarithm the normal draws use. numpy calls the C library's `log`, which
   *   differs from V8's `Math.log` in the last bit for a few percent of inputs; tests pass the C library's
   *   values to check everything else bit for bit. @defaultValue Math.log
   */
  constructor(seed = 0, options: { log?: (x: number) => number } = {}) {
    this.log = options.log ?? log;
    this.seed(seed);
  }

  /** `np.random.seed(seed)`; re-seeding also drops the cached normal, as numpy does. */
  seed(seed: number): void {
    this.generator.seedLikeNumpy(seed);
    this.cachedGauss = undefined;
  }

  /** `random_sample()`: a double in [0, 1). */
  double(): number {
    return this.generator.nextDouble();
  }

  /** `uniform(low, high)`. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.generator.nextDouble();
  }

  /** `standard_normal()`, legacy polar Box–Muller with the cached second value. */
  standardNormal(): number {
    const cached = this.cachedGauss;
    if (cached !== undefined) {
      this.cachedGauss = undefined;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.generator.nextDouble() - 1;
      x2 = 2 * this.generator.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = sqrt((-2 * this.log(r2)) / r2);
    this.cachedGauss = f * x1;
    return f * x2;
  }

  /** `normal(loc, scale)`. */
  normal(loc: number, scale: number): number {
    return loc + scale * this.standardNormal();
  }

  /**
   * `poisson(lam)` for lam < 10 (numpy's multiplication method). numpy switches to a different algorithm at
   * 10; no simulator rate comes near it, so larger rates are refused rather than approximated.
   */
  poisson(lam: number): number {
    if (!(lam >= 0) || lam >= 10) {
      throw new TransactionsError('INVALID_PARAMETER', `poisson rate must be in [0, 10), got ${lam}`);
    }
    if (lam === 0) return 0;
    const enlam = exp(-lam);
    let count = 0;
    let product = 1;
    for (;;) {
      product *= this.generator.nextDouble();
      if (product > enlam) count++;
      else return count;
    }
  }

  /** A uniform integer in [0, max] by masked rejection (numpy's `random_interval`). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.generator.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** `permutation(n)`: 0..n-1 shuffled by numpy's legacy Fisher–Yates (from the end). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new TransactionsError('INVALID_PARAMETER', `permutation size must be a non-negative int32, got ${n}`);
    }
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) values[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
    return values;
  }
}

/** `np.round(x, decimals)`: scale, round half to even (`rint`), scale back — the same three float steps. */
export function roundHalfEven(x: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = x * scale;
  let rounded = round(scaled);
  // Math.round sends halves up; rint sends them to the even neighbour.
  if (rounded - scaled === 0.5 && rounded % 2 !== 0) rounded -= 1;
  return rounded / scale;
}

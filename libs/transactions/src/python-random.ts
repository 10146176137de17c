import { MersenneTwister } from './mersenne-twister.js';
import { TransactionsError } from './errors.js';

/**
 * The draws of CPython's `random` module (3.11) that the simulator uses: `choice` and `sample` over
 * `getrandbits`-based `_randbelow`, seeded like `random.seed(int)`.
 */
export class PythonRandom {
  private readonly generator = new MersenneTwister();

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** `random.seed(seed)` for an int seed. */
  seed(seed: number): void {
    this.generator.seedLikePython(seed);
  }

  /** `random.random()`. */
  random(): number {
    return this.generator.nextDouble();
  }

  /** `_randbelow(n)`: k = bit length of n, draw k-bit integers until one is below n. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) {
      throw new TransactionsError('INVALID_PARAMETER', `randbelow bound must be an integer in [1, 2^32 - 1], got ${n}`);
    }
    const shift = Math.clz32(n); // 32 - bit length of n
    let r: number;
    do {
      r = this.generator.nextUint32() >>> shift;
    } while (r >= n);
    return r;
  }

  /** `random.choice(seq)`. */
  choice<T>(sequence: ArrayLike<T>): T {
    if (sequence.length === 0) throw new TransactionsError('INVALID_PARAMETER', 'cannot choose from an empty sequence');
    return sequence[this.randbelow(sequence.length)];
  }

  /**
   * `random.sample(population, k)`: below a size threshold CPython draws from a shrinking pool, above it
   * it redraws indices already taken; both paths are reproduced since they consume the stream differently.
   */
  sample(population: ArrayLike<number>, k: number): Float64Array {
    const n = population.length;
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new TransactionsError('INVALID_PARAMETER', `sample size must be an integer in [0, ${n}], got ${k}`);
    }
    const result = new Float64Array(k);
    let setSize = 21;
    if (k > 5) setSize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setSize) {
      const pool = Float64Array.from(population);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j];
      }
    }
    return result;
  }
}

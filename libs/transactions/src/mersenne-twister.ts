/**
 * MT19937, the 32-bit Mersenne Twister shared by numpy's legacy `RandomState` and CPython's `random`.
 * The two libraries differ only in how an integer seed becomes the initial state, so one generator offers
 * both seeding schemes. State lives in a Uint32Array and is regenerated 624 words at a time.
 */
import { TransactionsError } from './errors.js';

// Math functions bound once: in hot loops a module binding is cheaper than a global property lookup
// (markedly so inside the vm contexts test runners use).
const { imul } = Math;

const N = 624;
const M = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

export class MersenneTwister {
  private readonly state = new Uint32Array(N);
  private position = N;

  /** numpy `RandomState.seed(seed)` / `np.random.seed(seed)`: Knuth's linear initialisation of the state. */
  seedLikeNumpy(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new TransactionsError('INVALID_PARAMETER', `numpy seed must be an integer in [0, 2^32 - 1], got ${seed}`);
    }
    this.initLinear(seed);
    this.position = N;
  }

  /**
   * CPython `random.seed(seed)` for an int: `init_by_array` over the 32-bit words of |seed|, least significant
   * first (the key is `[0]` for seed 0).
   */
  seedLikePython(seed: number): void {
    if (!Number.isSafeInteger(seed))
      throw new TransactionsError('INVALID_PARAMETER', `Python seed must be a safe integer, got ${seed}`);
    let magnitude = Math.abs(seed);
    const key: number[] = [];
    do {
      key.push(magnitude % 0x100000000);
      magnitude = Math.floor(magnitude / 0x100000000);
    } while (magnitude > 0);
    this.initByArray(key);
    this.position = N;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.position >= N) this.regenerate();
    let y = this.state[this.position++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, computed exactly as numpy and CPython do. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private initLinear(seed: number): void {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const previous = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (imul(1812433253, previous) + i) >>> 0;
    }
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.state;
    this.initLinear(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const previous = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ imul(previous, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const previous = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ imul(previous, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private regenerate(): void {
    const mt = this.state;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.position = 0;
  }
}

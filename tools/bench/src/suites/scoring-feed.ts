import { OnlineFeatureState, planFeatures, type FeatureSpec } from '@fraudops/features';

/** The feed's cards and terminals (`peers/score-requests.lua`'s defaults: the handbook world's counts). */
export const FEED_CUSTOMERS = 5_000;
export const FEED_TERMINALS = 10_000;

/** The n-th transaction (n ≥ 1) of `score-requests.lua`'s feed: the same formulas as its `transaction(n)`. */
export function feedTransaction(
  n: number,
  timeBase: number,
  secondsPerTransaction: number,
): { transactionId: number; txDatetime: number; customerId: number; terminalId: number; txAmount: number } {
  return {
    transactionId: n,
    txDatetime: timeBase + Math.floor(n * secondsPerTransaction + 1e-6),
    customerId: (n * 7919) % FEED_CUSTOMERS,
    terminalId: (n * 104729) % FEED_TERMINALS,
    // Lua's %.2f of ((n * 31) % 20000) / 100: the division already lands on the nearest double of two decimals.
    txAmount: ((n * 31) % 20_000) / 100,
  };
}

/**
 * Feature vectors of the rows the service scores on the steady feed: the feed's transactions run through an
 * online state of `spec` (no labels, as in the suite: nothing sends feedback) until the state holds the
 * retention's worth, then the next `rows` vectors, row-major, as float32 (the model's input type). The
 * in-process onnxruntime baseline scores these, so that it does the same work per row as the service.
 */
export function steadyFeedVectors(
  spec: FeatureSpec,
  rows: number,
  options: { timeBase: number; secondsPerTransaction: number },
): Float32Array {
  const state = new OnlineFeatureState(spec);
  const width = state.width;
  const fill = Math.ceil(planFeatures(spec).longestSpanUs / 1e6 / options.secondsPerTransaction);
  const out = new Float32Array(rows * width);
  const vector = new Float64Array(width);
  for (let n = 1; n <= fill + rows; n++) {
    const tx = feedTransaction(n, options.timeBase, options.secondsPerTransaction);
    state.processInto(tx.transactionId, tx.txDatetime, tx.customerId, tx.terminalId, tx.txAmount, vector);
    if (n > fill) out.set(vector, (n - fill - 1) * width);
  }
  return out;
}

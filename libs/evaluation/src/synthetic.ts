/**
 * Deterministic synthetic predictions, bit-identical to `fixtures/generate.py`: a counter-based hash
 * (lowbias32) turns (row, seed, stream) into a uniform double, so a million-row reference case is stored
 * as six numbers and regenerated here for tests and benchmarks.
 */
export interface SyntheticParameters {
  rows: number;
  seed: number;
  /** Probability that a row is a fraud. */
  positiveRate: number;
  /** Quantise scores to multiples of 1/levels (creates ties); 0 keeps them continuous. */
  levels: number;
  /** Number of distinct cards (0: no card, day or amount columns). */
  cards: number;
  /** Number of distinct days. */
  days: number;
}

export interface SyntheticPredictions {
  scores: Float64Array;
  labels: Uint8Array;
  cardIds?: Float64Array;
  days?: Float64Array;
  amounts?: Float64Array;
}

function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The uniform double of (row, seed, stream): hash(row·0x9E3779B9 + seed·0x85EBCA6B + stream·0xC2B2AE35 mod 2^32) / 2^32. */
export function hashedUniform(row: number, seed: number, stream: number): number {
  const key = (Math.imul(row, 0x9e3779b9) + Math.imul(seed, 0x85ebca6b) + Math.imul(stream, 0xc2b2ae35)) >>> 0;
  return lowbias32(key) / 4294967296;
}

/** Labels, scores with some signal (0.7·u + 0.3·label·u′), and optionally card ids, days and amounts. */
export function syntheticPredictions(parameters: SyntheticParameters): SyntheticPredictions {
  const { rows, seed, positiveRate, levels, cards, days } = parameters;
  const scores = new Float64Array(rows);
  const labels = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    const label = hashedUniform(row, seed, 0) < positiveRate ? 1 : 0;
    let score = 0.7 * hashedUniform(row, seed, 1) + 0.3 * (label * hashedUniform(row, seed, 2));
    if (levels > 0) score = Math.floor(score * levels) / levels;
    labels[row] = label;
    scores[row] = score;
  }
  const result: SyntheticPredictions = { scores, labels };
  if (cards > 0) {
    const cardIds = new Float64Array(rows);
    const dayOf = new Float64Array(rows);
    const amounts = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      cardIds[row] = Math.floor(hashedUniform(row, seed, 3) * cards);
      dayOf[row] = Math.floor(hashedUniform(row, seed, 4) * days);
      amounts[row] = 5 + Math.floor(hashedUniform(row, seed, 5) * 20000) / 100;
    }
    Object.assign(result, { cardIds, days: dayOf, amounts });
  }
  return result;
}

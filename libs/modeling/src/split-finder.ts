import { HISTOGRAM_STRIDE, type HistogramLayout } from './histogram.js';

/** Gradient, hessian and row count of a set of rows. */
export interface NodeStats {
  g: number;
  h: number;
  count: number;
}

export interface SplitConstraints {
  lambda: number;
  minSplitGain: number;
  minChildWeight: number;
  minDataInLeaf: number;
}

/**
 * The best split of a node: value bins `<= bin` of `feature` go left, missing values as `missingLeft` says.
 * The children's `count` is exact only when rows are counted; training takes counts from the partition.
 */
export interface SplitCandidate {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  left: NodeStats;
  right: NodeStats;
}

/**
 * XGBoost's rounding guard: a split must improve the objective by more than this, so float noise never
 * produces a split.
 */
const MIN_GAIN = 1e-6;

export function leafScore(g: number, h: number, lambda: number): number {
  return (g * g) / (h + lambda);
}

/**
 * Scans each feature's histogram once from the lowest bin, trying missing values on both sides (the
 * learned default direction). Ties keep the first candidate (lowest feature, then lowest bin, then missing
 * right), which makes training deterministic.
 */
// eslint-disable-next-line max-lines-per-function -- the split search's inner loop over bins (hot path: no calls, no allocation per bin)
export function findBestSplit(
  hist: Float64Array,
  node: NodeStats,
  features: Int32Array,
  layout: HistogramLayout,
  constraints: SplitConstraints,
  countRows: boolean,
): SplitCandidate | null {
  const { lambda, minChildWeight } = constraints;
  // Without row counts, children only need a positive hessian: a split with an empty side has no gain.
  const minDataInLeaf = countRows ? constraints.minDataInLeaf : -Infinity;
  // Subtracted histograms can leave float residue in bins that hold no row: below this it is noise.
  const presentHessian = 1e-12 * node.h;
  const threshold = Math.max(constraints.minSplitGain, MIN_GAIN);
  const { g: G, h: H, count: C } = node;
  const parentScore = leafScore(G, H, lambda);
  let bestGain = threshold;
  let bestFeature = -1;
  let bestBin = -1;
  let bestMissingLeft = false;
  let bestGl = 0;
  let bestHl = 0;
  let bestCl = 0;
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const first = layout.featureOffset[f];
    const missing = layout.featureOffset[f + 1] - 1;
    const valueBins = missing - first;
    const mIndex = missing * HISTOGRAM_STRIDE;
    const gm = hist[mIndex];
    const hm = hist[mIndex + 1];
    const cm = hist[mIndex + 2];
    const hasMissing = countRows ? cm > 0 : hm > presentHessian;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < valueBins; b++) {
      const i = (first + b) * HISTOGRAM_STRIDE;
      const cb = hist[i + 2];
      const hb = hist[i + 1];
      if (countRows ? cb === 0 : hb === 0) continue; // same partition as the previous bin
      gl += hist[i];
      hl += hb;
      cl += cb;
      // Missing values go right (all non-missing left when b is the last value bin).
      const cr = C - cl;
      if (cl >= minDataInLeaf && cr >= minDataInLeaf) {
        const hr = H - hl;
        if (hl >= minChildWeight && hr >= minChildWeight) {
          const gain = leafScore(gl, hl, lambda) + leafScore(G - gl, hr, lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = f;
            bestBin = b;
            // Without missing values here, send future ones to the heavier side.
            bestMissingLeft = hasMissing ? false : hl >= hr;
            bestGl = gl;
            bestHl = hl;
            bestCl = cl;
          }
        }
      }
      if (hasMissing) {
        const clm = cl + cm;
        const crm = C - clm;
        if (clm >= minDataInLeaf && crm >= minDataInLeaf) {
          const hlm = hl + hm;
          const hrm = H - hlm;
          if (hlm >= minChildWeight && hrm >= minChildWeight) {
            const glm = gl + gm;
            const gain = leafScore(glm, hlm, lambda) + leafScore(G - glm, hrm, lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestFeature = f;
              bestBin = b;
              bestMissingLeft = true;
              bestGl = glm;
              bestHl = hlm;
              bestCl = clm;
            }
          }
        }
      }
    }
  }
  if (bestFeature < 0) return null;
  return {
    gain: bestGain,
    feature: bestFeature,
    bin: bestBin,
    missingLeft: bestMissingLeft,
    left: { g: bestGl, h: bestHl, count: bestCl },
    right: { g: G - bestGl, h: H - bestHl, count: C - bestCl },
  };
}

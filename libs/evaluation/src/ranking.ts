import { checkBinary } from './inputs.js';
import { argsortDescending } from './sorting.js';

/**
 * Positives and negatives at each distinct score, highest score first: everything ROC and
 * precision-recall metrics need (scikit-learn's `_binary_clf_curve` before the cumulative sum).
 */
export interface ClassCounts {
  /** Distinct scores in descending order. */
  thresholds: Float64Array;
  /** Positives (label 1) scored exactly `thresholds[g]`; non-integral when the rows carry weights. */
  positivesAt: Float64Array;
  negativesAt: Float64Array;
  positives: number;
  negatives: number;
}

/**
 * Scores and labels ranked once, for every metric that needs the ranking (and the bootstrap, which
 * re-weights rows without re-sorting).
 */
export class ScoreRanking {
  private groupsCache?: Uint32Array;
  private rankOrderCache?: Uint32Array;

  constructor(
    readonly scores: ArrayLike<number>,
    readonly labels: Uint8Array,
    readonly counts: ClassCounts,
  ) {}

  get rows(): number {
    return this.labels.length;
  }

  /** Rows by descending score, ties in row order (a stable descending sort). */
  get rankOrder(): Uint32Array {
    if (!this.rankOrderCache) this.rankOrderCache = argsortDescending(this.scores);
    return this.rankOrderCache;
  }

  /** `groups[row]` is the index in `counts.thresholds` of the row's score. */
  get groups(): Uint32Array {
    if (!this.groupsCache) {
      const order = this.rankOrder;
      const groups = new Uint32Array(this.rows);
      let group = 0;
      for (let rank = 0; rank < order.length; rank++) {
        // === keeps -0 and +0 in one group, as in countClasses
        if (rank > 0 && this.scores[order[rank]] !== this.scores[order[rank - 1]]) group++;
        groups[order[rank]] = group;
      }
      this.groupsCache = groups;
    }
    return this.groupsCache;
  }

  /** Class counts when row i counts `weights[i]` times (a bootstrap resample); no re-sorting. */
  weightedCounts(weights: ArrayLike<number>): ClassCounts {
    const groups = this.groups;
    const size = this.counts.thresholds.length;
    const positivesAt = new Float64Array(size);
    const negativesAt = new Float64Array(size);
    let positives = 0;
    let negatives = 0;
    for (let row = 0; row < groups.length; row++) {
      const weight = weights[row];
      if (weight === 0) continue;
      if (this.labels[row] === 1) {
        positivesAt[groups[row]] += weight;
        positives += weight;
      } else {
        negativesAt[groups[row]] += weight;
        negatives += weight;
      }
    }
    return { thresholds: this.counts.thresholds, positivesAt, negativesAt, positives, negatives };
  }
}

/**
 * Counts each class at each distinct score. Splitting by class and sorting each half with the native
 * typed-array sort, then merging, is the fastest ranking available in Node (10 million rows in ~1.6 s
 * on a 2-core machine; an index sort with a comparator takes ~11 s, an LSD radix sort ~2 s there).
 */
export function countClasses(scores: ArrayLike<number>, labels: Uint8Array, positives: number): ClassCounts {
  const negatives = labels.length - positives;
  const positiveScores = new Float64Array(positives);
  const negativeScores = new Float64Array(negatives);
  let p = 0;
  let q = 0;
  for (let row = 0; row < labels.length; row++) {
    if (labels[row] === 1) positiveScores[p++] = scores[row];
    else negativeScores[q++] = scores[row];
  }
  positiveScores.sort();
  negativeScores.sort();

  const thresholds = new Float64Array(labels.length);
  const positivesAt = new Float64Array(labels.length);
  const negativesAt = new Float64Array(labels.length);
  let g = 0;
  let i = positives - 1;
  let j = negatives - 1;
  while (i >= 0 || j >= 0) {
    const top = i < 0 ? negativeScores[j] : j < 0 ? positiveScores[i] : Math.max(positiveScores[i], negativeScores[j]);
    let cp = 0;
    let cn = 0;
    // === groups -0 with +0, as numpy's comparisons do
    while (i >= 0 && positiveScores[i] === top) {
      cp++;
      i--;
    }
    while (j >= 0 && negativeScores[j] === top) {
      cn++;
      j--;
    }
    thresholds[g] = top;
    positivesAt[g] = cp;
    negativesAt[g] = cn;
    g++;
  }
  return {
    thresholds: thresholds.slice(0, g),
    positivesAt: positivesAt.slice(0, g),
    negativesAt: negativesAt.slice(0, g),
    positives,
    negatives,
  };
}

/** Validates scores and labels and ranks them once. */
export function rankScores(scores: ArrayLike<number>, labels: ArrayLike<number>): ScoreRanking {
  const checked = checkBinary(scores, labels);
  return new ScoreRanking(
    checked.scores,
    checked.labels,
    countClasses(checked.scores, checked.labels, checked.positives),
  );
}

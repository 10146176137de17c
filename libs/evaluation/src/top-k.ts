import { requirePositiveInteger } from './inputs.js';
import { rankScores, type ScoreRanking } from './ranking.js';

/**
 * Share of frauds among the k highest-scored rows. Ties at the cut are taken in row order (a stable
 * descending sort), so the value is deterministic; fewer than k rows means dividing by the row count.
 * With `weights`, row i stands for `weights[i]` consecutive copies (a bootstrap resample).
 */
export function precisionAtKOfRanking(ranking: ScoreRanking, k: number, weights?: ArrayLike<number>): number {
  requirePositiveInteger(k, 'k');
  const order = ranking.rankOrder;
  let taken = 0;
  let frauds = 0;
  for (let rank = 0; rank < order.length && taken < k; rank++) {
    const row = order[rank];
    const copies = Math.min(weights ? weights[row] : 1, k - taken);
    taken += copies;
    frauds += copies * ranking.labels[row];
  }
  return taken === 0 ? 0 : frauds / taken;
}

/** Share of frauds among the k highest-scored rows (see {@link precisionAtKOfRanking}). */
export function precisionAtK(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  requirePositiveInteger(k, 'k');
  return precisionAtKOfRanking(rankScores(scores, labels), k);
}

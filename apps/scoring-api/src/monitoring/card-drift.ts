import { binCounts, driftLevel, psiFromCounts, type VariableProfile } from '@fraudops/evaluation';
import type { BaselineDistribution } from '../model/served-model.js';
import type { DriftMeasure } from './report.js';

/** Baseline rows assumed when a card does not say (only the smoothing of empty bins depends on it). */
const DEFAULT_BASELINE_ROWS = 10_000;

/**
 * PSI against a model card's baseline distribution, through the evaluation library (deciles, smoothed
 * empty bins, the conventional stable / moderate / major levels). Cards store interior cut points (bins =
 * edges + 1); a card with full boundaries (bins = edges − 1) is read with its outer boundaries dropped.
 */
export function cardDrift(defaultRows = DEFAULT_BASELINE_ROWS): DriftMeasure {
  return {
    psi(baseline: BaselineDistribution & { rows?: number }, sample) {
      const cutPoints =
        baseline.proportions.length === baseline.edges.length - 1 ? baseline.edges.slice(1, -1) : baseline.edges;
      const rows = typeof baseline.rows === 'number' && baseline.rows > 0 ? baseline.rows : defaultRows;
      const profile = { edges: cutPoints, proportions: baseline.proportions, rows } as VariableProfile;
      return psiFromCounts(profile, binCounts(cutPoints, sample)).psi;
    },
    level: driftLevel,
  };
}

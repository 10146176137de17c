import { percentileInterval, resolveBootstrap, type BootstrapOptions } from './bootstrap.js';
import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkSameLength } from './inputs.js';
import {
  StandardMetricEvaluator,
  cardPrecisionMetricName,
  forEachResample,
  higherIsBetter,
  resamplingMethodOf,
  type PredictionColumns,
} from './metric-set.js';

/** One condition the challenger must meet against the champion. */
export interface GateRule {
  /** A metric of the standard set (`average_precision`, `card_precision_at_100`, `brier`, …). */
  metric: string;
  /**
   * How much worse the challenger may be, in the metric's units and in its bad direction (lower for
   * AP, higher for Brier). 0 means "not worse". @defaultValue 0
   */
  maxDegradation?: number;
  /**
   * What decides: `point` — the observed difference; `confident` — the bootstrap bound on the bad side
   * must stay within the allowed degradation (stricter on small test sets). @defaultValue 'point'
   */
  decideBy?: 'point' | 'confident';
}

/** A sensible default gate: AP not worse by more than 0.01, card precision@100 not worse, Brier within 0.005. */
export const DEFAULT_GATE_RULES: GateRule[] = [
  { metric: 'average_precision', maxDegradation: 0.01 },
  { metric: cardPrecisionMetricName(100), maxDegradation: 0 },
  { metric: 'brier', maxDegradation: 0.005 },
];

export interface GateRuleResult {
  metric: string;
  maxDegradation: number;
  decideBy: 'point' | 'confident';
  champion: number;
  challenger: number;
  /** challenger − champion. */
  difference: number;
  /** Paired-bootstrap percentile interval of the difference (same resample for both models). */
  ci: { lower: number; upper: number; level: number; method: string; resamples: number };
  /** Share of resamples in which the challenger is worse than allowed. */
  probabilityWorseThanAllowed: number;
  passed: boolean;
  /** One line a reviewer can check. */
  reason: string;
}

export interface GateResult {
  passed: boolean;
  rules: GateRuleResult[];
  /** One line: which rules failed, or that all passed. */
  summary: string;
  bootstrap: Required<BootstrapOptions>;
}

export interface GateInput extends Omit<PredictionColumns, 'scores'> {
  /** Scores of the current model on the test window. */
  champion: ArrayLike<number>;
  /** Scores of the candidate on the same rows. */
  challenger: ArrayLike<number>;
}

/**
 * Challenger vs champion on the same test rows. Each rule's difference gets a paired bootstrap (both
 * models scored on the same resample of cards/rows, or days for card precision), and the gate passes
 * only when every rule passes; every rule reports why.
 */
// eslint-disable-next-line max-lines-per-function -- one block per gate rule (AUC, AP, card precision, calibration), each reporting its own reason
export function promotionGate(
  input: GateInput,
  rules: GateRule[] = DEFAULT_GATE_RULES,
  options: { k?: number; calibrationBins?: number; bootstrap?: BootstrapOptions } = {},
): GateResult {
  if (rules.length === 0)
    throw new EvaluationError(EvaluationErrorCode.invalidArgument, 'a promotion gate needs at least one rule');
  checkSameLength(input.champion.length, input.challenger, 'challenger scores', 'champion scores');
  const { champion: championScores, challenger: challengerScores, ...shared } = input;
  const champion = new StandardMetricEvaluator({ ...shared, scores: championScores }, options);
  const challenger = new StandardMetricEvaluator({ ...shared, scores: challengerScores }, options);
  const resolvedRules = rules.map((rule) => {
    const maxDegradation = rule.maxDegradation ?? 0;
    if (!(Number.isFinite(maxDegradation) && maxDegradation >= 0)) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidArgument,
        `rule ${rule.metric}: maxDegradation must be a number >= 0, got ${maxDegradation}`,
      );
    }
    for (const evaluator of [champion, challenger]) {
      if (!evaluator.names.includes(rule.metric)) {
        const why = evaluator.skipped[rule.metric];
        throw new EvaluationError(
          why ? EvaluationErrorCode.missingColumn : EvaluationErrorCode.invalidArgument,
          why
            ? `rule ${rule.metric}: the metric cannot be computed (${why})`
            : `rule ${rule.metric}: unknown metric; known: ${evaluator.names.join(', ')}`,
        );
      }
    }
    return { metric: rule.metric, maxDegradation, decideBy: rule.decideBy ?? 'point' };
  });

  const bootstrap = resolveBootstrap(options.bootstrap);
  const differences = new Map<string, number[]>(resolvedRules.map((rule) => [rule.metric, []]));
  const worse = new Map<string, number>(resolvedRules.map((rule) => [rule.metric, 0]));
  forEachResample(champion, bootstrap, (rowWeights, dayWeights) => {
    const a = champion.replicate(rowWeights, dayWeights);
    const b = challenger.replicate(rowWeights, dayWeights);
    for (const rule of resolvedRules) {
      const before = a[rule.metric];
      const after = b[rule.metric];
      if (before === undefined || after === undefined) continue;
      const difference = after - before;
      differences.get(rule.metric)?.push(difference);
      if (degradationOf(rule.metric, difference) > rule.maxDegradation)
        worse.set(rule.metric, (worse.get(rule.metric) ?? 0) + 1);
    }
  });

  const championPoint = champion.point();
  const challengerPoint = challenger.point();
  const results = resolvedRules.map((rule): GateRuleResult => {
    const replicates = differences.get(rule.metric) ?? [];
    const interval = percentileInterval(replicates, bootstrap.level, resamplingMethodOf(champion, rule.metric));
    if (!interval) {
      throw new EvaluationError(
        EvaluationErrorCode.singleClass,
        `rule ${rule.metric}: no bootstrap resample had both classes`,
      );
    }
    const difference = challengerPoint[rule.metric] - championPoint[rule.metric];
    const higher = higherIsBetter(rule.metric);
    // the bad-side bound: the lower end for "higher is better", the upper end otherwise
    const badBound = higher ? interval.lower : interval.upper;
    const decidingDegradation = degradationOf(rule.metric, rule.decideBy === 'point' ? difference : badBound);
    const passed = decidingDegradation <= rule.maxDegradation;
    const allowed =
      rule.maxDegradation === 0 ? 'not worse' : `at most ${format(rule.maxDegradation)} ${higher ? 'lower' : 'higher'}`;
    const decided =
      rule.decideBy === 'point'
        ? 'observed difference'
        : `${Math.round(interval.level * 100)}% bound ${signed(badBound)}`;
    const reason =
      `${rule.metric}: challenger ${format(challengerPoint[rule.metric])} vs champion ${format(championPoint[rule.metric])} ` +
      `(${signed(difference)}, ${Math.round(interval.level * 100)}% CI ${signed(interval.lower)}..${signed(interval.upper)}); ` +
      `allowed: ${allowed}; by ${decided} → ${passed ? 'pass' : 'FAIL'}`;
    return {
      metric: rule.metric,
      maxDegradation: rule.maxDegradation,
      decideBy: rule.decideBy,
      champion: championPoint[rule.metric],
      challenger: challengerPoint[rule.metric],
      difference,
      ci: interval,
      probabilityWorseThanAllowed: (worse.get(rule.metric) ?? 0) / replicates.length,
      passed,
      reason,
    };
  });
  const failed = results.filter((result) => !result.passed).map((result) => result.metric);
  return {
    passed: failed.length === 0,
    rules: results,
    summary: failed.length === 0 ? `all ${results.length} rules pass` : `failed: ${failed.join(', ')}`,
    bootstrap,
  };
}

/** How much worse a difference (challenger − champion) is, positive = worse. */
function degradationOf(metric: string, difference: number): number {
  return higherIsBetter(metric) ? -difference : difference;
}

function format(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${format(Math.abs(value))}`;
}

import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkFinite, checkSameLength, requireInRange, requirePositives } from './inputs.js';
import type { PredictionColumns } from './metric-set.js';
import { rankScores, type ScoreRanking } from './ranking.js';

/** How to pick the alert threshold (alert when `score >= threshold`). */
export type ThresholdPolicy =
  /** At most `alertsPerDay` alerts a day on average (the analysts' capacity). */
  | { kind: 'budget'; alertsPerDay: number }
  /** Minimise review cost + missed-fraud cost; `reviewCost` per alert, a missed fraud costs its amount. */
  | { kind: 'cost'; reviewCost: number; missedFraudCost?: number }
  /** The highest recall whose precision is at least `target`. */
  | { kind: 'precision'; target: number }
  /** The fewest alerts whose recall is at least `target`. */
  | { kind: 'recall'; target: number };

/** What an alert and a missed fraud cost, for reporting every policy's expected cost. */
export interface CostModel {
  /** Cost of reviewing one alert. @defaultValue 5 */
  reviewCost?: number;
  /** Cost of a missed fraud when there is no amount column (with amounts, a missed fraud costs its amount). */
  missedFraudCost?: number;
}

export const DEFAULT_REVIEW_COST = 5;

/** A chosen threshold with everything a reviewer needs to check it. */
export interface ThresholdDecision {
  /** Alert when score >= threshold. */
  threshold: number;
  /** The policy in its text form (`budget:100`, `cost:5`, `precision:0.9`, `recall:0.5`). */
  rule: string;
  /** One sentence: why this threshold. */
  rationale: string;
  /** Days the window covers (distinct values of the day column, or the `days` option, else 1). */
  days: number;
  alerts: number;
  expectedAlertsPerDay: number;
  truePositives: number;
  precision: number;
  recall: number;
  /** Review cost + missed-fraud cost over the window and per day (absent when a missed fraud has no cost: no amounts and no `missedFraudCost`). */
  expectedCost?: number;
  expectedCostPerDay?: number;
}

const POLICY_PATTERN = /^(budget|cost|precision|recall):([^:]+)(?::([^:]+))?$/;

/**
 * Parses `budget:<alerts per day>`, `cost:<review cost>[:<missed fraud cost>]`, `precision:<target>`,
 * `recall:<target>`.
 */
export function parseThresholdPolicy(text: string): ThresholdPolicy {
  const match = POLICY_PATTERN.exec(text.trim());
  const bad = (why: string) =>
    new EvaluationError(
      EvaluationErrorCode.invalidArgument,
      `threshold policy "${text}" ${why}; use budget:<alerts per day>, cost:<review cost>[:<missed fraud cost>], precision:<0..1> or recall:<0..1>`,
    );
  if (!match) throw bad('is not recognised');
  const [, kind, first, second] = match;
  const value = Number(first);
  if (!Number.isFinite(value)) throw bad(`has a non-numeric value "${first}"`);
  switch (kind) {
    case 'budget':
      if (!(value > 0)) throw bad('needs a positive number of alerts per day');
      if (second !== undefined) throw bad('takes one value');
      return { kind: 'budget', alertsPerDay: value };
    case 'cost': {
      if (!(value >= 0)) throw bad('needs a non-negative review cost');
      if (second === undefined) return { kind: 'cost', reviewCost: value };
      const missed = Number(second);
      if (!(Number.isFinite(missed) && missed >= 0)) throw bad(`has a bad missed-fraud cost "${second}"`);
      return { kind: 'cost', reviewCost: value, missedFraudCost: missed };
    }
    default:
      if (!(value > 0 && value <= 1)) throw bad('needs a target in (0, 1]');
      if (second !== undefined) throw bad('takes one value');
      return { kind: kind as 'precision' | 'recall', target: value };
  }
}

export function formatThresholdPolicy(policy: ThresholdPolicy): string {
  switch (policy.kind) {
    case 'budget':
      return `budget:${policy.alertsPerDay}`;
    case 'cost':
      return policy.missedFraudCost === undefined
        ? `cost:${policy.reviewCost}`
        : `cost:${policy.reviewCost}:${policy.missedFraudCost}`;
    default:
      return `${policy.kind}:${policy.target}`;
  }
}

/** One candidate threshold: alerts, caught frauds and cost when alerting on `score >= threshold`. */
export interface ThresholdPoint {
  threshold: number;
  alerts: number;
  truePositives: number;
  /** Σ missed-fraud cost + reviewCost × alerts over the window; undefined without a missed-fraud cost. */
  cost?: number;
}

/**
 * Every candidate threshold from "no alerts" (the top score's successor) down to the lowest score, with
 * alerts, caught frauds and cost — one pass over the ranking.
 */
export class ThresholdSweep {
  readonly points: ThresholdPoint[];
  readonly days: number;
  readonly positives: number;
  readonly rows: number;
  readonly costModel: CostModel;
  /** True when missed frauds were priced by their amounts (else by `missedFraudCost`). */
  readonly pricedByAmount: boolean;

  /** `ranking`: the same columns already ranked by {@link rankScores} (saves a sort). */
  constructor(columns: PredictionColumns, costModel: CostModel = {}, days?: number, ranking?: ScoreRanking) {
    ranking ??= rankScores(columns.scores, columns.labels);
    this.rows = ranking.rows;
    this.positives = ranking.counts.positives;
    this.days = days ?? countDays(columns);
    requireInRange(this.days, 'days', 1, Number.MAX_SAFE_INTEGER);
    const reviewCost = costModel.reviewCost ?? DEFAULT_REVIEW_COST;
    requireInRange(reviewCost, 'reviewCost', 0, Number.MAX_VALUE);
    this.costModel = { ...costModel, reviewCost };
    const { counts } = ranking;

    // cost of the frauds in each score group, were they missed
    let missedCostAt: Float64Array | undefined;
    if (columns.amounts) {
      checkSameLength(ranking.rows, columns.amounts, 'amounts');
      checkFinite(columns.amounts, 'amounts');
      missedCostAt = new Float64Array(counts.thresholds.length);
      const groups = ranking.groups;
      for (let row = 0; row < ranking.rows; row++)
        if (ranking.labels[row] === 1) missedCostAt[groups[row]] += columns.amounts[row];
    } else if (costModel.missedFraudCost !== undefined) {
      requireInRange(costModel.missedFraudCost, 'missedFraudCost', 0, Number.MAX_VALUE);
      missedCostAt = counts.positivesAt.map((frauds) => frauds * (costModel.missedFraudCost as number));
    }
    // missedAfter[g]: cost of the frauds scored below thresholds[g] (a suffix sum, so it never drifts below 0)
    let missedAfter: Float64Array | undefined;
    if (missedCostAt) {
      missedAfter = new Float64Array(missedCostAt.length + 1);
      for (let g = missedCostAt.length - 1; g >= 0; g--) missedAfter[g] = missedAfter[g + 1] + missedCostAt[g];
    }
    this.pricedByAmount = columns.amounts !== undefined;

    const points: ThresholdPoint[] = [];
    const noAlerts: ThresholdPoint = { threshold: nextUp(counts.thresholds[0]), alerts: 0, truePositives: 0 };
    if (missedAfter) noAlerts.cost = missedAfter[0];
    points.push(noAlerts);
    let alerts = 0;
    let truePositives = 0;
    for (let g = 0; g < counts.thresholds.length; g++) {
      alerts += counts.negativesAt[g] + counts.positivesAt[g];
      truePositives += counts.positivesAt[g];
      const point: ThresholdPoint = { threshold: counts.thresholds[g], alerts, truePositives };
      if (missedAfter) point.cost = missedAfter[g + 1] + reviewCost * alerts;
      points.push(point);
    }
    this.points = points;
  }

  /** Applies a policy: the chosen point with its rationale. */
  // eslint-disable-next-line max-lines-per-function -- one case per threshold policy kind, each with its rationale text
  choose(policy: ThresholdPolicy): ThresholdDecision {
    const rule = formatThresholdPolicy(policy);
    switch (policy.kind) {
      case 'budget': {
        const budget = policy.alertsPerDay * this.days;
        // the lowest threshold whose alerts stay within the budget (points are by decreasing threshold)
        let chosen = this.points[0];
        for (const point of this.points) {
          if (point.alerts > budget) break;
          chosen = point;
        }
        const share = chosen.alerts / this.rows;
        return this.decision(
          chosen,
          rule,
          `alerting on the ${chosen.alerts.toLocaleString('en-US')} highest scores of ${this.rows.toLocaleString('en-US')} ` +
            `(top ${formatPercent(share)}, score quantile ${(1 - share).toFixed(5)}) keeps within ${policy.alertsPerDay} alerts/day over ${this.days} day(s)`,
        );
      }
      case 'cost': {
        if (this.points[0].cost === undefined) {
          throw new EvaluationError(
            EvaluationErrorCode.missingColumn,
            `threshold policy ${rule} needs an amount column (a missed fraud costs its amount) or a missed-fraud cost (cost:<review>:<missed>)`,
          );
        }
        if (this.costModel.reviewCost !== policy.reviewCost) {
          throw new EvaluationError(
            EvaluationErrorCode.invalidArgument,
            `threshold policy ${rule} differs from the review cost ${this.costModel.reviewCost} this sweep was priced with`,
          );
        }
        let chosen = this.points[0];
        for (const point of this.points) if ((point.cost as number) < (chosen.cost as number)) chosen = point;
        const missed = this.costModel.missedFraudCost;
        return this.decision(
          chosen,
          rule,
          `the threshold with the lowest expected cost (${policy.reviewCost} per alert plus ` +
            `${this.pricedByAmount ? "each missed fraud's amount" : `${missed} per missed fraud`})`,
        );
      }
      case 'precision': {
        requirePositives(this.positives, `threshold policy ${rule}`);
        let chosen: ThresholdPoint | undefined;
        for (const point of this.points)
          if (point.alerts > 0 && point.truePositives / point.alerts >= policy.target) chosen = point;
        if (!chosen) {
          throw new EvaluationError(
            EvaluationErrorCode.unreachableTarget,
            `threshold policy ${rule}: no threshold reaches precision ${policy.target} on these predictions`,
          );
        }
        return this.decision(
          chosen,
          rule,
          `the lowest threshold (highest recall) whose precision is at least ${policy.target}`,
        );
      }
      case 'recall': {
        requirePositives(this.positives, `threshold policy ${rule}`);
        const chosen = this.points.find(
          (point) => point.truePositives / this.positives >= policy.target,
        ) as ThresholdPoint;
        return this.decision(
          chosen,
          rule,
          `the highest threshold (fewest alerts) whose recall is at least ${policy.target}`,
        );
      }
    }
  }

  private decision(point: ThresholdPoint, rule: string, rationale: string): ThresholdDecision {
    const decision: ThresholdDecision = {
      threshold: point.threshold,
      rule,
      rationale: `${rule}: ${rationale}.`,
      days: this.days,
      alerts: point.alerts,
      expectedAlertsPerDay: point.alerts / this.days,
      truePositives: point.truePositives,
      precision: point.alerts === 0 ? 0 : point.truePositives / point.alerts,
      recall: this.positives === 0 ? 0 : point.truePositives / this.positives,
    };
    if (point.cost !== undefined) {
      decision.expectedCost = point.cost;
      decision.expectedCostPerDay = point.cost / this.days;
    }
    return decision;
  }
}

/**
 * Picks the alert threshold for a policy. The cost model prices every policy's decision (review cost
 * defaults to 5 per alert; a missed fraud costs its amount, or `missedFraudCost` without amounts).
 */
export function chooseThreshold(
  columns: PredictionColumns,
  policy: ThresholdPolicy,
  options: { costModel?: CostModel; days?: number } = {},
): ThresholdDecision {
  const costModel: CostModel =
    policy.kind === 'cost'
      ? { reviewCost: policy.reviewCost, missedFraudCost: policy.missedFraudCost ?? options.costModel?.missedFraudCost }
      : (options.costModel ?? {});
  return new ThresholdSweep(columns, costModel, options.days).choose(policy);
}

function countDays(columns: PredictionColumns): number {
  if (!columns.days) return 1;
  checkFinite(columns.days, 'days');
  return new Set(Array.from(columns.days)).size;
}

/** The smallest double above x: a threshold that no score reaches. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buffer = new Float64Array([x]);
  const bits = new BigInt64Array(buffer.buffer);
  bits[0] += x > 0 ? 1n : -1n;
  return buffer[0];
}

function formatPercent(share: number): string {
  return `${(share * 100).toPrecision(3)}%`;
}

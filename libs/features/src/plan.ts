import { DAY_US } from './calendar.js';
import {
  ENTITY_KINDS,
  featureNames,
  featureSpecHash,
  type EntityKind,
  type FeatureSpec,
  type WindowAggregate,
} from './feature-spec.js';

/**
 * One distinct (entity, window, delay) of a spec. Features that share it share its aggregates, in SQL (one
 * window frame) and online (one sliding range per entity).
 */
export interface WindowRange {
  entity: EntityKind;
  windowDays: number;
  delayDays: number;
  /** x is in the range of t when t − startExclusiveUs < x.t … */
  startExclusiveUs: number;
  /** … and x.t ≤ t − endInclusiveUs (and x is not after the current transaction). */
  endInclusiveUs: number;
  needsSum: boolean;
  /** Sum of squared amounts (the spread of `amount_zscore`). */
  needsSumSquares: boolean;
  needsMax: boolean;
  needsFrauds: boolean;
}

export type PlannedFeature =
  | { kind: 'raw' }
  | { kind: 'calendar'; part: 'weekday' | 'hour'; min: number; max: number }
  | { kind: 'window'; range: number; aggregate: WindowAggregate }
  | { kind: 'recency'; entity: EntityKind; capDays: number };

/** What both compilers (SQL and online) work from: the spec resolved into ranges and per-feature steps. */
export interface FeaturePlan {
  spec: FeatureSpec;
  hash: string;
  names: string[];
  features: PlannedFeature[];
  ranges: WindowRange[];
  /** Entities with at least one range or recency feature, in ENTITY_KINDS order. */
  entities: EntityKind[];
  /** Whether any feature reads fraud labels. */
  usesLabels: boolean;
  /** The smallest delay of a label-reading feature: when a label must be known at the latest. */
  labelDelayDays: number | undefined;
  /** The longest (window + delay) or recency cap: older transactions can no longer change any feature. */
  longestSpanUs: number;
}

export function planFeatures(spec: FeatureSpec): FeaturePlan {
  const ranges: WindowRange[] = [];
  const features: PlannedFeature[] = spec.features.map((feature): PlannedFeature => {
    switch (feature.kind) {
      case 'raw':
        return { kind: 'raw' };
      case 'calendar':
        return { kind: 'calendar', part: feature.part, min: feature.min, max: feature.max };
      case 'window': {
        let index = ranges.findIndex(
          (r) =>
            r.entity === feature.entity && r.windowDays === feature.windowDays && r.delayDays === feature.delayDays,
        );
        if (index < 0) {
          index = ranges.length;
          ranges.push({
            entity: feature.entity,
            windowDays: feature.windowDays,
            delayDays: feature.delayDays,
            startExclusiveUs: (feature.windowDays + feature.delayDays) * DAY_US,
            endInclusiveUs: feature.delayDays * DAY_US,
            needsSum: false,
            needsSumSquares: false,
            needsMax: false,
            needsFrauds: false,
          });
        }
        const range = ranges[index];
        if (['sum', 'mean', 'amount_to_mean', 'amount_zscore'].includes(feature.aggregate)) range.needsSum = true;
        if (feature.aggregate === 'amount_zscore') range.needsSumSquares = true;
        if (feature.aggregate === 'max') range.needsMax = true;
        if (feature.aggregate === 'fraud_ratio') range.needsFrauds = true;
        return { kind: 'window', range: index, aggregate: feature.aggregate };
      }
      case 'recency':
        return { kind: 'recency', entity: feature.entity, capDays: feature.capDays };
    }
  });
  const labelDelays = ranges.filter((r) => r.needsFrauds).map((r) => r.delayDays);
  return {
    spec,
    hash: featureSpecHash(spec),
    names: featureNames(spec),
    features,
    ranges,
    entities: ENTITY_KINDS.filter(
      (entity) =>
        ranges.some((r) => r.entity === entity) || features.some((f) => f.kind === 'recency' && f.entity === entity),
    ),
    usesLabels: labelDelays.length > 0,
    labelDelayDays: labelDelays.length > 0 ? Math.min(...labelDelays) : undefined,
    longestSpanUs: Math.max(
      0,
      ...ranges.map((r) => r.startExclusiveUs),
      ...features.map((f) => (f.kind === 'recency' ? f.capDays * DAY_US : 0)),
    ),
  };
}

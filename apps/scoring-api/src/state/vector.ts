import {
  hoursSincePrevious,
  utcHour,
  utcWeekday,
  type EntityKind,
  type FeaturePlan,
  type PlannedFeature,
} from '@fraudops/features';

type WindowFeature = Extract<PlannedFeature, { kind: 'window' }>;

/**
 * Writes one feature vector in spec order: the amount and calendar parts from the transaction itself (at the
 * time the state took it), window features from `windowValue` (a store's aggregates, or 0 for no history) and
 * recency features from `previousUs`, the time (µs) of the entity's previous transaction — −Infinity for none
 * (the default: no history), which gives the feature's cap.
 */
export function writeVector(
  plan: FeaturePlan,
  timeUs: number,
  amount: number,
  windowValue: (feature: WindowFeature) => number,
  out: Float64Array | Float32Array,
  offset = 0,
  previousUs: (entity: EntityKind) => number = () => Number.NEGATIVE_INFINITY,
): void {
  const features = plan.features;
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    if (f.kind === 'raw') out[offset + i] = amount;
    else if (f.kind === 'calendar') {
      const part = f.part === 'weekday' ? utcWeekday(timeUs) : utcHour(timeUs);
      out[offset + i] = part >= f.min && part <= f.max ? 1 : 0;
    } else if (f.kind === 'window') out[offset + i] = windowValue(f);
    else out[offset + i] = hoursSincePrevious(timeUs, previousUs(f.entity), f.capDays);
  }
}

import { utcHour, utcWeekday, type FeaturePlan, type PlannedFeature } from '@fraudops/features';

type WindowFeature = Extract<PlannedFeature, { kind: 'window' }>;

/**
 * Writes one feature vector in spec order: the amount and calendar parts from the transaction itself (at the
 * time the state took it), window features from `windowValue` (a store's aggregates, or 0 for no history).
 */
export function writeVector(
  plan: FeaturePlan,
  timeUs: number,
  amount: number,
  windowValue: (feature: WindowFeature) => number,
  out: Float64Array | Float32Array,
  offset = 0,
): void {
  const features = plan.features;
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    if (f.kind === 'raw') out[offset + i] = amount;
    else if (f.kind === 'calendar') {
      const part = f.part === 'weekday' ? utcWeekday(timeUs) : utcHour(timeUs);
      out[offset + i] = part >= f.min && part <= f.max ? 1 : 0;
    } else if (f.kind === 'window') out[offset + i] = windowValue(f);
    else throw new Error(`the online state does not compute ${f.kind} features`);
  }
}

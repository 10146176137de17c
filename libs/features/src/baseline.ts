import { FeaturesError } from './errors.js';
import { validateFeatureSpec, type FeatureDefinition, type FeatureSpec } from './feature-spec.js';

/** Customer windows of the handbook (chapter 3.3); each gives a count and a mean-amount feature. */
const CUSTOMER_WINDOWS_DAYS = [1, 7, 30];
/** Terminal windows of the handbook, ending 7 days back because fraud labels arrive after that delay. */
const TERMINAL_WINDOWS_DAYS = [1, 7, 30];
const TERMINAL_DELAY_DAYS = 7;

const customerFeatures: FeatureDefinition[] = CUSTOMER_WINDOWS_DAYS.flatMap((w): FeatureDefinition[] => [
  {
    name: `CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`,
    kind: 'window',
    entity: 'customer',
    windowDays: w,
    delayDays: 0,
    aggregate: 'count',
  },
  {
    name: `CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`,
    kind: 'window',
    entity: 'customer',
    windowDays: w,
    delayDays: 0,
    aggregate: 'mean',
  },
]);

const terminalFeatures: FeatureDefinition[] = TERMINAL_WINDOWS_DAYS.flatMap((w): FeatureDefinition[] => [
  {
    name: `TERMINAL_ID_NB_TX_${w}DAY_WINDOW`,
    kind: 'window',
    entity: 'terminal',
    windowDays: w,
    delayDays: TERMINAL_DELAY_DAYS,
    aggregate: 'count',
  },
  {
    name: `TERMINAL_ID_RISK_${w}DAY_WINDOW`,
    kind: 'window',
    entity: 'terminal',
    windowDays: w,
    delayDays: TERMINAL_DELAY_DAYS,
    aggregate: 'fraud_ratio',
  },
]);

/**
 * The 15 baseline features of the fraud handbook, named and ordered exactly as the handbook's model inputs.
 * Semantics: ../../shared/reference/simulator.md, "Baseline features".
 */
export const baselineFeatureSpec: FeatureSpec = validateFeatureSpec({
  name: 'baseline',
  version: 1,
  description: 'The 15 baseline features of the Fraud Detection Handbook (chapter 3.3).',
  features: [
    { name: 'TX_AMOUNT', kind: 'raw', column: 'tx_amount' },
    { name: 'TX_DURING_WEEKEND', kind: 'calendar', part: 'weekday', min: 5, max: 6 },
    { name: 'TX_DURING_NIGHT', kind: 'calendar', part: 'hour', min: 0, max: 6 },
    ...customerFeatures,
    ...terminalFeatures,
  ],
});

/**
 * `v2`: the baseline (unchanged, first and in its order) plus the card's habit. A compromised card shows up
 * as amounts far above the card's own mean and spread, which trees only approximate from two columns; and
 * a burst of transactions shortly after the previous one.
 */
export const v2FeatureSpec: FeatureSpec = validateFeatureSpec({
  name: 'v2',
  version: 1,
  description:
    "The 15 baseline features, the amount relative to the card mean and spread over 1/7/30 days, and the hours since the card's previous transaction.",
  features: [
    ...baselineFeatureSpec.features,
    ...CUSTOMER_WINDOWS_DAYS.flatMap((w): FeatureDefinition[] => [
      {
        name: `CUSTOMER_ID_AMOUNT_TO_MEAN_${w}DAY_WINDOW`,
        kind: 'window',
        entity: 'customer',
        windowDays: w,
        delayDays: 0,
        aggregate: 'amount_to_mean',
      },
      {
        name: `CUSTOMER_ID_AMOUNT_ZSCORE_${w}DAY_WINDOW`,
        kind: 'window',
        entity: 'customer',
        windowDays: w,
        delayDays: 0,
        aggregate: 'amount_zscore',
      },
    ]),
    { name: 'CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX', kind: 'recency', entity: 'customer', capDays: 30 },
  ],
});

/** The specs selectable by name (`--spec baseline`, `--spec v2`). */
export const builtInFeatureSpecs: Readonly<Record<string, FeatureSpec>> = {
  baseline: baselineFeatureSpec,
  v2: v2FeatureSpec,
};

/** A built-in spec by name; `FeaturesError('UNKNOWN_SPEC')` lists the known names otherwise. */
export function builtInFeatureSpec(name: string): FeatureSpec {
  const spec = builtInFeatureSpecs[name];
  if (!spec) {
    throw new FeaturesError(
      'UNKNOWN_SPEC',
      `unknown feature spec "${name}"; built-in specs: ${Object.keys(builtInFeatureSpecs).join(', ')} (or pass a .json spec file)`,
    );
  }
  return spec;
}

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
 * a burst of transactions shortly after the previous one. Version 2 adds the card's 7-day maximum amount
 * and two terminal risks that date a terminal's compromise (the simulator's lasts 28 days): the 21 days
 * before the label delay, and the week 28–35 days back, where a fraud means the compromise has ended.
 * Version 3 adds the terminal's risk over the 2 and 14 days before the label delay (a compromise that has
 * just begun; its age between the 7- and 21-day risks). Each version was chosen on the tuning folds only
 * (docs/model-quality.md, "Feature search").
 */
export const v2FeatureSpec: FeatureSpec = validateFeatureSpec({
  name: 'v2',
  version: 3,
  description:
    "The 15 baseline features, the amount relative to the card mean and spread over 1/7/30 days, the hours since the card's previous transaction, the card's 7-day maximum amount, and the terminal's known fraud ratio over 21 days, 28 to 35 days back, 2 days and 14 days.",
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
    {
      name: 'CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW',
      kind: 'window',
      entity: 'customer',
      windowDays: 7,
      delayDays: 0,
      aggregate: 'max',
      description:
        "The card's largest amount over 7 days: a compromised card's ×5 amounts stay visible after its mean has absorbed them.",
    },
    {
      name: 'TERMINAL_ID_RISK_21DAY_WINDOW',
      kind: 'window',
      entity: 'terminal',
      windowDays: 21,
      delayDays: TERMINAL_DELAY_DAYS,
      aggregate: 'fraud_ratio',
      description: 'Known frauds over the 21 days before the label delay: a terminal compromise lasts 28 days.',
    },
    {
      name: 'TERMINAL_ID_RISK_7DAY_WINDOW_28DAY_DELAY',
      kind: 'window',
      entity: 'terminal',
      windowDays: 7,
      delayDays: 28,
      aggregate: 'fraud_ratio',
      description:
        'Known frauds 28 to 35 days back: a terminal that was already compromised then has ended its 28 days, however risky its last weeks look.',
    },
    {
      name: 'TERMINAL_ID_RISK_2DAY_WINDOW',
      kind: 'window',
      entity: 'terminal',
      windowDays: 2,
      delayDays: TERMINAL_DELAY_DAYS,
      aggregate: 'fraud_ratio',
      description:
        "Known frauds over the 2 days before the label delay: a compromise that began just before the delay is a run of frauds at the end of the terminal's known history, a card's one-off fraud one among genuine transactions.",
    },
    {
      name: 'TERMINAL_ID_RISK_14DAY_WINDOW',
      kind: 'window',
      entity: 'terminal',
      windowDays: 14,
      delayDays: TERMINAL_DELAY_DAYS,
      aggregate: 'fraud_ratio',
      description:
        'Known frauds over the 14 days before the label delay: with the 7- and 21-day risks it dates a compromise that began 1 to 3 weeks before the delay.',
    },
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

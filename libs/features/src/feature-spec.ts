import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FeaturesError } from './errors.js';

/**
 * The feature spec: data, not code. Its `features` order is the model's input order. Both the SQL compiler
 * and the online state read nothing but this, so adding an entry is all it takes to add a feature.
 *
 * Time semantics (exact, shared by both paths): a window feature of `windowDays` w and `delayDays` D at a
 * transaction with time t aggregates the entity's transactions x with t − (D + w) days < x.t ≤ t − D days,
 * that come no later than the current transaction in the order (tx_datetime, transaction_id). With D = 0
 * the window therefore includes the current transaction and any earlier same-second ones, never later ones.
 * Calendar parts are taken in UTC.
 */
export type EntityKind = 'customer' | 'terminal';
export const ENTITY_KINDS: readonly EntityKind[] = ['customer', 'terminal'];

/**
 * `count` transactions; `sum`, `mean`, `max` of tx_amount; `fraud_ratio` = frauds / transactions;
 * `amount_to_mean` = the transaction's tx_amount / the window's mean; `amount_zscore` = (tx_amount − mean) /
 * population standard deviation, 0 when the window holds fewer than 2 transactions or its variance is below
 * 1e-9 × mean² (equal amounts: float residue is not spread). An empty window gives 0 for every aggregate
 * (the handbook's fillna(0)).
 */
export type WindowAggregate = 'count' | 'sum' | 'mean' | 'max' | 'fraud_ratio' | 'amount_to_mean' | 'amount_zscore';
export const WINDOW_AGGREGATES: readonly WindowAggregate[] = [
  'count',
  'sum',
  'mean',
  'max',
  'fraud_ratio',
  'amount_to_mean',
  'amount_zscore',
];

/** Below this share of mean², a window's variance counts as 0 (see `amount_zscore`). */
export const ZSCORE_MIN_RELATIVE_VARIANCE = 1e-9;

/** The transaction's own amount. */
export interface RawFeature {
  name: string;
  kind: 'raw';
  column: 'tx_amount';
  description?: string;
}

/** 1 when the UTC calendar part of tx_datetime lies in [min, max], else 0. Weekday: Monday = 0 … Sunday = 6. */
export interface CalendarFeature {
  name: string;
  kind: 'calendar';
  part: 'weekday' | 'hour';
  min: number;
  max: number;
  description?: string;
}

/** An aggregate over the same customer's (or terminal's) transactions in a delayed time window. */
export interface WindowFeature {
  name: string;
  kind: 'window';
  entity: EntityKind;
  /** Window length in whole days (≥ 1). */
  windowDays: number;
  /** How far the window ends before the transaction, in whole days (≥ 0; ≥ 1 for `fraud_ratio`). */
  delayDays: number;
  aggregate: WindowAggregate;
  description?: string;
}

/**
 * Hours since the entity's previous transaction (the one just before in (tx_datetime, transaction_id)
 * order), capped at `capDays` × 24, which is also the value when there is none within `capDays`.
 */
export interface RecencyFeature {
  name: string;
  kind: 'recency';
  entity: EntityKind;
  capDays: number;
  description?: string;
}

export type FeatureDefinition = RawFeature | CalendarFeature | WindowFeature | RecencyFeature;

export interface FeatureSpec {
  /** Short identifier, e.g. `baseline`. */
  name: string;
  /** Bumped by hand when the feature list changes; the hash below is what machines compare. */
  version: number;
  description?: string;
  features: readonly FeatureDefinition[];
}

/** Columns every feature query emits before the features; feature names may not reuse them. */
export const KEY_COLUMNS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_fraud'] as const;

/**
 * Raised when the meaning of an existing spec entry changes in code (never so far); part of the hash, so a
 * model trained under other semantics is refused by the scorer.
 */
const SEMANTICS_VERSION = 1;
const MAX_DAYS = 3650;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const name = z.string().regex(NAME_PATTERN, 'must be a SQL-safe identifier: a letter or _, then letters, digits, _');
const description = z.string().optional();
const days = (min: number) => z.number().int().min(min).max(MAX_DAYS);

const featureSchema = z.discriminatedUnion('kind', [
  z.strictObject({ name, kind: z.literal('raw'), column: z.literal('tx_amount'), description }),
  z
    .strictObject({
      name,
      kind: z.literal('calendar'),
      part: z.enum(['weekday', 'hour']),
      min: z.number().int().min(0),
      max: z.number().int().min(0),
      description,
    })
    .refine((f) => f.min <= f.max && f.max <= (f.part === 'weekday' ? 6 : 23), {
      message: 'needs 0 ≤ min ≤ max ≤ 6 for weekday, ≤ 23 for hour',
    }),
  z
    .strictObject({
      name,
      kind: z.literal('window'),
      entity: z.enum(ENTITY_KINDS as [EntityKind, ...EntityKind[]]),
      windowDays: days(1),
      delayDays: days(0),
      aggregate: z.enum(WINDOW_AGGREGATES as [WindowAggregate, ...WindowAggregate[]]),
      description,
    })
    .refine((f) => f.aggregate !== 'fraud_ratio' || f.delayDays >= 1, {
      message: 'fraud_ratio needs delayDays ≥ 1: labels are not known at transaction time',
    }),
  z.strictObject({
    name,
    kind: z.literal('recency'),
    entity: z.enum(ENTITY_KINDS as [EntityKind, ...EntityKind[]]),
    capDays: days(1),
    description,
  }),
]);

const specSchema = z.strictObject({
  name: z.string().min(1),
  version: z.number().int().min(1),
  description,
  features: z.array(featureSchema).min(1),
});

/**
 * Validates a spec (e.g. parsed from JSON) and returns it typed. Throws `FeaturesError('INVALID_SPEC')`
 * naming the feature and the problem.
 */
export function validateFeatureSpec(input: unknown): FeatureSpec {
  const parsed = specSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [first, index] = issue.path;
    const where =
      first === 'features' && typeof index === 'number'
        ? `feature #${index + 1}${featureNameAt(input, index)}`
        : issue.path.length > 0
          ? issue.path.join('.')
          : 'spec';
    const field = first === 'features' && issue.path.length > 2 ? ` field ${issue.path.slice(2).join('.')}` : '';
    throw new FeaturesError('INVALID_SPEC', `invalid feature spec: ${where}${field}: ${issue.message}`);
  }
  const spec = parsed.data as FeatureSpec;
  const seen = new Set<string>(KEY_COLUMNS);
  for (const feature of spec.features) {
    const key = feature.name.toLowerCase();
    if (seen.has(key)) {
      const reason = (KEY_COLUMNS as readonly string[]).includes(key) ? 'is a key column' : 'appears twice';
      throw new FeaturesError(
        'INVALID_SPEC',
        `invalid feature spec "${spec.name}": feature name ${feature.name} ${reason} (names are case-insensitive in SQL)`,
      );
    }
    seen.add(key);
  }
  return spec;
}

function featureNameAt(input: unknown, index: number): string {
  const features = (input as { features?: unknown })?.features;
  const entry = Array.isArray(features) ? (features[index] as { name?: unknown }) : undefined;
  return typeof entry?.name === 'string' ? ` (${entry.name})` : '';
}

/** JSON with object keys sorted at every level: the same content always serialises the same way. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The spec's content hash (sha256, hex): covers exactly what defines the input vector — every feature's
 * name and semantics, in order — and nothing cosmetic (spec name, version, descriptions, key order in JSON).
 * A model card records it; a scorer refuses a model whose hash differs from its own spec's.
 */
export function featureSpecHash(spec: FeatureSpec): string {
  const features = spec.features.map((feature) => ({ ...feature, description: undefined }));
  return createHash('sha256')
    .update(canonicalJson({ semantics: SEMANTICS_VERSION, features }))
    .digest('hex');
}

/** Names in spec order: the model's input columns. */
export function featureNames(spec: FeatureSpec): string[] {
  return spec.features.map((feature) => feature.name);
}

const AGGREGATE_WORDS: Record<WindowAggregate, string> = {
  count: 'number',
  sum: 'total tx_amount',
  mean: 'mean tx_amount',
  max: 'largest tx_amount',
  fraud_ratio: 'fraud ratio',
  amount_to_mean: 'tx_amount relative to the mean tx_amount',
  amount_zscore: 'tx_amount in standard deviations from the mean tx_amount',
};

/** One human line per feature, for `--describe` and logs. */
export function describeFeature(feature: FeatureDefinition): string {
  switch (feature.kind) {
    case 'raw':
      return `the transaction's own ${feature.column}`;
    case 'calendar':
      return `calendar: 1 when UTC ${feature.part} in [${feature.min}, ${feature.max}]${feature.part === 'weekday' ? ' (Mon=0)' : ''}`;
    case 'window': {
      const what = AGGREGATE_WORDS[feature.aggregate];
      const window =
        feature.delayDays > 0
          ? `in the ${feature.windowDays}d window ending ${feature.delayDays}d before this one`
          : `in the last ${feature.windowDays}d, up to and including this one`;
      return `${what} of the ${feature.entity}'s transactions ${window}`;
    }
    case 'recency':
      return `hours since the ${feature.entity}'s previous transaction (at most ${feature.capDays * 24})`;
  }
}

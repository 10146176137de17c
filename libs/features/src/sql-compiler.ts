import { DAY_US, EPOCH_WEEKDAY, HOUR_US } from './calendar.js';
import { FeaturesError } from './errors.js';
import { planFeatures, type FeaturePlan, type PlannedFeature, type WindowRange } from './plan.js';
import { ZSCORE_MIN_RELATIVE_VARIANCE, type EntityKind, type FeatureSpec } from './feature-spec.js';
import { DIALECT_RULES, type DialectRules, type SqlDialect } from './sql-dialect.js';

export interface CompileFeatureSqlOptions {
  /**
   * The relation to read: a table or view name, or any FROM item (`read_parquet('x.parquet')`,
   * `catalog.schema.table`). It needs the columns transaction_id, tx_datetime (TIMESTAMP, UTC), customer_id,
   * terminal_id (integers), tx_amount and, when `labelled`, tx_fraud (0/1); extra columns are ignored.
   * @defaultValue `transactions`
   */
  source?: string;
  /** Whether the source has tx_fraud; needed by fraud-ratio features. @defaultValue true */
  labelled?: boolean;
  /**
   * How the query emits the time key: `timestamp` (a TIMESTAMP column `tx_datetime`, for files) or
   * `epoch_micros` (a BIGINT column `tx_time_us`, exact and driver-neutral, for in-memory results).
   * @defaultValue `timestamp`
   */
  timeKey?: 'timestamp' | 'epoch_micros';
}

/** Column aliases of a range's aggregates inside the query. */
interface RangeColumns {
  count: string;
  sum: string;
  sumSquares: string;
  max: string;
  frauds: string;
}

const INDENT = '    ';

/**
 * Compiles a feature spec into one point-in-time-correct SQL query: one row per source transaction, ordered
 * by (tx_datetime, transaction_id), with the keys (transaction_id, tx_datetime, customer_id, terminal_id,
 * tx_fraud) then one DOUBLE column per feature, named and ordered as in the spec.
 *
 * The plan. Time is an exact BIGINT key in microseconds, so window edges are integer comparisons:
 * - a delayed window (D ≥ 1 day) is one frame `RANGE BETWEEN (D+w)·day − 1 PRECEDING AND D·day PRECEDING`,
 *   i.e. t − (D+w) < x.t ≤ t − D; every such row precedes the current one, so ties cannot matter;
 * - an undelayed window (D = 0) must stop at the current row in (tx_datetime, transaction_id) order, which a
 *   RANGE frame cannot do (it includes all same-instant peers). It is split into the strictly earlier
 *   instants, `RANGE BETWEEN w·day − 1 PRECEDING AND 1 PRECEDING`, plus the same-instant rows up to the
 *   current one, `PARTITION BY entity, time ORDER BY transaction_id ROWS UNBOUNDED PRECEDING … CURRENT ROW`.
 * Empty windows give 0 (COALESCE / CASE), as the online state does.
 */
// eslint-disable-next-line max-lines-per-function -- the SELECT's parts in SQL order (windows, aggregates, joins, COALESCE), one dialect switch each
export function compileFeatureSql(
  spec: FeatureSpec | FeaturePlan,
  dialect: SqlDialect,
  options: CompileFeatureSqlOptions = {},
): string {
  const plan = 'ranges' in spec ? spec : planFeatures(spec);
  const rules = DIALECT_RULES[dialect];
  const source = options.source ?? 'transactions';
  const labelled = options.labelled ?? true;
  if (plan.usesLabels && !labelled) {
    const names = plan.names.filter((_, i) => {
      const f = plan.features[i];
      return f.kind === 'window' && f.aggregate === 'fraud_ratio';
    });
    throw new FeaturesError(
      'LABELS_REQUIRED',
      `feature spec "${plan.spec.name}" needs fraud labels (tx_fraud) for ${names.join(', ')}, but the data is unlabelled`,
    );
  }

  const typed = [
    'CAST(transaction_id AS BIGINT) AS transaction_id',
    `${rules.epochMicros('CAST(tx_datetime AS TIMESTAMP)')} AS tx_time_us`,
    'CAST(customer_id AS BIGINT) AS customer_id',
    'CAST(terminal_id AS BIGINT) AS terminal_id',
    'CAST(tx_amount AS DOUBLE) AS tx_amount',
    ...(labelled ? ['CAST(tx_fraud AS INT) AS tx_fraud'] : []),
  ];

  const aggregates: string[] = [];
  const rangeColumns = plan.ranges.map((range) => windowAggregates(range, aggregates));
  const tieColumns = new Map<EntityKind, RangeColumns>();
  for (const entity of plan.entities) {
    const undelayed = plan.ranges.filter((r) => r.entity === entity && r.delayDays === 0);
    if (undelayed.length > 0) tieColumns.set(entity, sameInstantAggregates(entity, undelayed, aggregates));
  }
  for (const entity of new Set(plan.features.flatMap((f) => (f.kind === 'recency' ? [f.entity] : [])))) {
    aggregates.push(
      `${INDENT}-- ${entity}, the previous transaction in (tx_datetime, transaction_id) order\n${INDENT}LAG(tx_time_us) OVER (PARTITION BY ${entity}_id ORDER BY tx_time_us, transaction_id) AS ${previousColumn(entity)}`,
    );
  }

  const timeKey =
    options.timeKey === 'epoch_micros' ? 'tx_time_us' : `${rules.timestampFromMicros('tx_time_us')} AS tx_datetime`;
  const outputs = [
    'transaction_id',
    timeKey,
    'customer_id',
    'terminal_id',
    ...(labelled ? ['tx_fraud'] : []),
    ...plan.features.map(
      (feature, i) =>
        `${featureExpression(feature, plan, rangeColumns, tieColumns, rules)} AS ${rules.quoteIdentifier(plan.names[i])}`,
    ),
  ];

  const lines = [
    `-- fraudops features: spec "${plan.spec.name}" v${plan.spec.version}, sha256 ${plan.hash}, dialect ${dialect}`,
    '-- Generated by compileFeatureSql (libs/features); do not edit. Calendar features are in UTC: run with the',
    '-- session time zone set to UTC so that tx_datetime values without a zone are read as UTC.',
    'WITH typed AS (',
    '  SELECT',
    typed.map((c) => `${INDENT}${c}`).join(',\n'),
    `  FROM ${source}`,
    '),',
    'windowed AS (',
    '  SELECT',
    [`${INDENT}typed.*`, ...aggregates].join(',\n'),
    '  FROM typed',
    ')',
    'SELECT',
    outputs.map((c) => `  ${c}`).join(',\n'),
    'FROM windowed',
    'ORDER BY tx_time_us, transaction_id',
  ];
  return `${lines.join('\n')}\n`;
}

function rangeLabel(range: WindowRange): string {
  return range.delayDays === 0
    ? `${range.entity}_${range.windowDays}d_before`
    : `${range.entity}_${range.windowDays}d_delay${range.delayDays}d`;
}

/** The frame of a range: the whole window when delayed, the strictly earlier instants when not. */
function windowAggregates(range: WindowRange, out: string[]): RangeColumns {
  const label = rangeLabel(range);
  const lower = range.startExclusiveUs - 1;
  const upper = range.delayDays === 0 ? 1 : range.endInclusiveUs;
  const over = `OVER (PARTITION BY ${range.entity}_id ORDER BY tx_time_us RANGE BETWEEN ${lower} PRECEDING AND ${upper} PRECEDING)`;
  const columns: RangeColumns = {
    count: `${label}_count`,
    sum: `${label}_sum`,
    sumSquares: `${label}_sum_squares`,
    max: `${label}_max`,
    frauds: `${label}_frauds`,
  };
  const window =
    range.delayDays === 0
      ? `t - ${range.windowDays}d < x.t < t`
      : `t - ${range.windowDays + range.delayDays}d < x.t <= t - ${range.delayDays}d`;
  out.push(`${INDENT}-- ${range.entity}, ${window}\n${INDENT}COUNT(*) ${over} AS ${columns.count}`);
  if (range.needsSum) out.push(`${INDENT}SUM(tx_amount) ${over} AS ${columns.sum}`);
  if (range.needsSumSquares) out.push(`${INDENT}SUM(tx_amount * tx_amount) ${over} AS ${columns.sumSquares}`);
  if (range.needsMax) out.push(`${INDENT}MAX(tx_amount) ${over} AS ${columns.max}`);
  if (range.needsFrauds) out.push(`${INDENT}SUM(tx_fraud) ${over} AS ${columns.frauds}`);
  return columns;
}

/** Same-instant rows up to and including the current one: completes the undelayed windows of an entity. */
function sameInstantAggregates(entity: EntityKind, ranges: WindowRange[], out: string[]): RangeColumns {
  const over = `OVER (PARTITION BY ${entity}_id, tx_time_us ORDER BY transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const columns: RangeColumns = {
    count: `${entity}_same_instant_count`,
    sum: `${entity}_same_instant_sum`,
    sumSquares: `${entity}_same_instant_sum_squares`,
    max: `${entity}_same_instant_max`,
    frauds: `${entity}_same_instant_frauds`,
  };
  out.push(
    `${INDENT}-- ${entity}, x.t = t and x.transaction_id <= transaction_id\n${INDENT}COUNT(*) ${over} AS ${columns.count}`,
  );
  if (ranges.some((r) => r.needsSum)) out.push(`${INDENT}SUM(tx_amount) ${over} AS ${columns.sum}`);
  if (ranges.some((r) => r.needsSumSquares))
    out.push(`${INDENT}SUM(tx_amount * tx_amount) ${over} AS ${columns.sumSquares}`);
  if (ranges.some((r) => r.needsMax)) out.push(`${INDENT}MAX(tx_amount) ${over} AS ${columns.max}`);
  return columns;
}

function previousColumn(entity: EntityKind): string {
  return `${entity}_previous_us`;
}

function calendarPart(part: 'weekday' | 'hour', rules: DialectRules): string {
  const timeOfDay = `(((tx_time_us % ${DAY_US}) + ${DAY_US}) % ${DAY_US})`;
  if (part === 'hour') return rules.integerDivide(timeOfDay, String(HOUR_US));
  const day = rules.integerDivide(`(tx_time_us - ${timeOfDay})`, String(DAY_US));
  return `((((${day} + ${EPOCH_WEEKDAY}) % 7) + 7) % 7)`;
}

function featureExpression(
  feature: PlannedFeature,
  plan: FeaturePlan,
  rangeColumns: RangeColumns[],
  tieColumns: Map<EntityKind, RangeColumns>,
  rules: DialectRules,
): string {
  switch (feature.kind) {
    case 'raw':
      return 'tx_amount';
    case 'calendar':
      return `CAST(CASE WHEN ${calendarPart(feature.part, rules)} BETWEEN ${feature.min} AND ${feature.max} THEN 1 ELSE 0 END AS DOUBLE)`;
    case 'recency': {
      const previous = previousColumn(feature.entity);
      const capUs = feature.capDays * DAY_US;
      return `CAST(CASE WHEN ${previous} IS NULL OR tx_time_us - ${previous} >= ${capUs} THEN ${feature.capDays * 24} ELSE CAST(tx_time_us - ${previous} AS DOUBLE) / ${HOUR_US} END AS DOUBLE)`;
    }
    case 'window': {
      const range = plan.ranges[feature.range];
      const own = rangeColumns[feature.range];
      const tie = range.delayDays === 0 ? tieColumns.get(range.entity) : undefined;
      // Undelayed windows always hold the current row, so their count is ≥ 1 and their sum never NULL.
      const count = tie ? `(${own.count} + ${tie.count})` : own.count;
      const sum = tie ? `(COALESCE(${own.sum}, 0) + ${tie.sum})` : `COALESCE(${own.sum}, 0)`;
      const mean = `(${sum} / ${count})`;
      switch (feature.aggregate) {
        case 'count':
          return `CAST(${count} AS DOUBLE)`;
        case 'sum':
          return `CAST(${sum} AS DOUBLE)`;
        case 'mean':
          return tie
            ? `CAST(${sum} / ${count} AS DOUBLE)`
            : `CAST(CASE WHEN ${count} = 0 THEN 0 ELSE ${sum} / ${count} END AS DOUBLE)`;
        case 'max':
          return tie
            ? `CAST(GREATEST(COALESCE(${own.max}, ${tie.max}), ${tie.max}) AS DOUBLE)`
            : `CAST(COALESCE(${own.max}, 0) AS DOUBLE)`;
        case 'fraud_ratio':
          return `CAST(CASE WHEN ${count} = 0 THEN 0 ELSE CAST(${own.frauds} AS DOUBLE) / ${count} END AS DOUBLE)`;
        case 'amount_to_mean':
          return `CAST(CASE WHEN ${count} = 0 OR ${sum} = 0 THEN 0 ELSE tx_amount / ${mean} END AS DOUBLE)`;
        case 'amount_zscore': {
          const squares = tie
            ? `(COALESCE(${own.sumSquares}, 0) + ${tie.sumSquares})`
            : `COALESCE(${own.sumSquares}, 0)`;
          const variance = `(${squares} / ${count} - ${mean} * ${mean})`;
          return `CAST(CASE WHEN ${count} < 2 THEN 0 WHEN ${variance} <= ${ZSCORE_MIN_RELATIVE_VARIANCE} * ${mean} * ${mean} THEN 0 ELSE (tx_amount - ${mean}) / SQRT(${variance}) END AS DOUBLE)`;
        }
      }
    }
  }
}

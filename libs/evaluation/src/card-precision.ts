import { denseIds } from './dense-ids.js';
import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkBinary, checkFinite, checkSameLength, requirePositiveInteger } from './inputs.js';

/** Scores and labels with the card (customer) and day of each row. */
export interface CardDayColumns {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Card (customer) id of each row; any finite number. */
  cardIds?: ArrayLike<number>;
  /** Day of each row as a number (a day index or days since the epoch); any finite number. */
  days?: ArrayLike<number>;
}

export interface CardPrecisionDay {
  day: number;
  /** Fraud cards among the day's top k cards, divided by k. */
  precision: number;
  /** The best precision any model could reach that day: min(compromised cards, k) / k. */
  ceiling: number;
  /** Cards with a transaction that day, after removing cards detected on earlier days. */
  cards: number;
  /** Of those, cards with at least one fraud that day. */
  compromisedCards: number;
  /** Fraud cards among the top k (they are removed from later days). */
  detectedCards: number;
}

export interface CardPrecisionAtK {
  k: number;
  /** Mean of the daily precisions. */
  value: number;
  /** Mean of the daily ceilings. */
  ceiling: number;
  days: CardPrecisionDay[];
}

export interface CardPrecisionOptions {
  /** Drop cards detected on earlier days from later days (the handbook's protocol). @defaultValue true */
  removeDetected?: boolean;
  /** Cards already known compromised before the first day (e.g. from the training period). */
  alreadyDetected?: Iterable<number>;
}

/** Rows grouped by day, days ascending (a counting sort, rows keep their order within a day). */
export interface DayGroups {
  days: Float64Array;
  /** Rows of day d are `rows[starts[d] .. starts[d+1])`. */
  starts: Uint32Array;
  rows: Uint32Array;
}

export function groupByDay(days: ArrayLike<number>): DayGroups {
  const distinct = Float64Array.from(new Set(Array.from(days))).sort();
  const indexOf = new Map<number, number>();
  distinct.forEach((day, index) => indexOf.set(day, index));
  const dayIndex = new Uint32Array(days.length);
  const starts = new Uint32Array(distinct.length + 1);
  for (let row = 0; row < days.length; row++) {
    const index = indexOf.get(days[row]) as number;
    dayIndex[row] = index;
    starts[index + 1]++;
  }
  for (let d = 1; d < starts.length; d++) starts[d] += starts[d - 1];
  const next = starts.slice(0, distinct.length);
  const rows = new Uint32Array(days.length);
  for (let row = 0; row < days.length; row++) rows[next[dayIndex[row]]++] = row;
  return { days: distinct, starts, rows };
}

/** Checks that card ids and days are present, aligned and finite; returns them. */
function requireCardsAndDays(
  columns: CardDayColumns,
  metric: string,
): { cardIds: ArrayLike<number>; days: ArrayLike<number> } {
  const { cardIds, days } = columns;
  if (!cardIds || !days) {
    const missing = [!cardIds && 'cardIds (customer_id)', !days && 'days (day)'].filter(Boolean).join(' and ');
    throw new EvaluationError(EvaluationErrorCode.missingColumn, `${metric} needs ${missing} for every row`);
  }
  checkSameLength(columns.scores.length, cardIds, 'cardIds');
  checkSameLength(columns.scores.length, days, 'days');
  checkFinite(cardIds, 'cardIds');
  checkFinite(days, 'days');
  return { cardIds, days };
}

/**
 * Card precision@k (the handbook's fraud metric): for each day, each card's maximum score and label
 * over the day; cards already detected on earlier days are dropped; the k cards with the highest
 * scores are the day's alerts (ties: lower card id first) and the precision is fraud cards / k.
 * The result is the mean over days, with each day's value and ceiling.
 */
export function cardPrecisionAtK(
  columns: CardDayColumns,
  k = 100,
  options: CardPrecisionOptions = {},
): CardPrecisionAtK {
  requirePositiveInteger(k, 'k');
  const checked = checkBinary(columns.scores, columns.labels);
  const { cardIds, days } = requireCardsAndDays(columns, `card_precision_at_${k}`);
  const removeDetected = options.removeDetected ?? true;
  const knownBefore = new Set<number>(options.alreadyDetected ?? []);
  const groups = groupByDay(days);
  const perDay: CardPrecisionDay[] = [];

  // dense card indices, so that each day works on typed arrays instead of maps
  const { indexOfRow: cardOfRow, ids: cardId } = denseIds(cardIds);
  const isDetected = Uint8Array.from(cardId, (id) => (knownBefore.has(id) ? 1 : 0));
  const maxScore = new Float64Array(cardId.length).fill(Number.NEGATIVE_INFINITY);
  const maxLabel = new Uint8Array(cardId.length);

  for (let d = 0; d < groups.days.length; d++) {
    const seen: number[] = [];
    for (let at = groups.starts[d]; at < groups.starts[d + 1]; at++) {
      const row = groups.rows[at];
      const card = cardOfRow[row];
      if (isDetected[card]) continue;
      if (maxScore[card] === Number.NEGATIVE_INFINITY) seen.push(card);
      if (checked.scores[row] > maxScore[card]) maxScore[card] = checked.scores[row];
      if (checked.labels[row] === 1) maxLabel[card] = 1;
    }
    seen.sort((a, b) => maxScore[b] - maxScore[a] || cardId[a] - cardId[b]);
    let compromisedCards = 0;
    for (const card of seen) compromisedCards += maxLabel[card];
    const detectedToday = seen.slice(0, k).filter((card) => maxLabel[card] === 1);
    if (removeDetected) for (const card of detectedToday) isDetected[card] = 1;
    perDay.push({
      day: groups.days[d],
      precision: detectedToday.length / k,
      ceiling: Math.min(compromisedCards, k) / k,
      cards: seen.length,
      compromisedCards,
      detectedCards: detectedToday.length,
    });
    for (const card of seen) {
      maxScore[card] = Number.NEGATIVE_INFINITY;
      maxLabel[card] = 0;
    }
  }
  const mean = (pick: (day: CardPrecisionDay) => number) =>
    perDay.reduce((sum, day) => sum + pick(day), 0) / perDay.length;
  return { k, value: mean((day) => day.precision), ceiling: mean((day) => day.ceiling), days: perDay };
}

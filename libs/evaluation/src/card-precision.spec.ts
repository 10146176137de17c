import { cardPrecisionAtK } from './index.js';

// Three days, five cards (hand-checked below, k = 2).
const columns = {
  scores: [0.9, 0.8, 0.1, 0.7, 0.95, 0.2, 0.6, 0.85, 0.4, 0.3, 0.9, 0.05],
  labels: [1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
  cardIds: [1, 2, 3, 4, 1, 2, 3, 4, 5, 1, 2, 3],
  days: [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2],
};

describe('cardPrecisionAtK', () => {
  it('drops cards detected on earlier days and reports each day with its ceiling', () => {
    // day 0: top 2 cards are 1 (fraud) and 2 → 1/2; compromised 1 and 4 → ceiling 1
    // day 1: card 1 was detected; top 2 of {4 (fraud), 3, 5, 2} are 4 and 3 → 1/2; ceiling 1/2
    // day 2: cards 1 and 4 detected; {2, 3} have no fraud → 0; ceiling 0
    const result = cardPrecisionAtK(columns, 2);
    expect(result.days).toEqual([
      { day: 0, precision: 0.5, ceiling: 1, cards: 4, compromisedCards: 2, detectedCards: 1 },
      { day: 1, precision: 0.5, ceiling: 0.5, cards: 4, compromisedCards: 1, detectedCards: 1 },
      { day: 2, precision: 0, ceiling: 0, cards: 2, compromisedCards: 0, detectedCards: 0 },
    ]);
    expect(result.value).toBeCloseTo(1 / 3, 15);
    expect(result.ceiling).toBeCloseTo(0.5, 15);
  });

  it('keeps detected cards when asked to, and starts from cards already known compromised', () => {
    // without removal, card 1 leads day 1 (0.95) and is in day 2's top 2 (0.3 after card 2's 0.9)
    expect(cardPrecisionAtK(columns, 2, { removeDetected: false }).days.map((d) => d.precision)).toEqual([0.5, 1, 0.5]);
    // card 1 known before day 0: day 0's top 2 become 2 and 4 → 1/2
    expect(cardPrecisionAtK(columns, 2, { alreadyDetected: [1] }).days[0]).toMatchObject({
      precision: 0.5,
      cards: 3,
      compromisedCards: 1,
    });
  });

  it('divides by k even when a day has fewer cards, and breaks score ties by the lower card id', () => {
    const tied = { scores: [0.5, 0.5, 0.5], labels: [0, 1, 0], cardIds: [9, 3, 7], days: [4, 4, 4] };
    expect(cardPrecisionAtK(tied, 1).days[0].precision).toBe(1); // card 3 first
    expect(cardPrecisionAtK(tied, 10).days[0]).toMatchObject({ precision: 0.1, ceiling: 0.1 });
  });
});

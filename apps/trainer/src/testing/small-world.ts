/**
 * The CLI flags of the small simulated world the trainer's search specs share (fast): 800 cards, 1,600 terminals,
 * 70 days; training starts on day 40, so two tuning folds reach back to day 19; card precision at k = 20; seed 7.
 */
export const SMALL_WORLD: readonly string[] = [
  '--customers',
  '800',
  '--terminals',
  '1600',
  '--days',
  '70',
  '--train-start',
  '40',
  '--k',
  '20',
  '--seed',
  '7',
];

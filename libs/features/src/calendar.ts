/**
 * Calendar parts from epoch microseconds, in UTC, computed the way the compiled SQL computes them (integer
 * arithmetic on the epoch, no time-zone database), so that both paths agree to the bit.
 */
export const SECOND_US = 1_000_000;
export const HOUR_US = 3_600_000_000;
export const DAY_US = 86_400_000_000;
/** 1970-01-01 was a Thursday: weekday 3 with Monday = 0. */
export const EPOCH_WEEKDAY = 3;

/** Whole days since 1970-01-01 (negative before): floor(epochUs / DAY_US), exact for every |epochUs| < 2^53. */
export function epochDay(epochUs: number): number {
  // a division is cheaper than a floating modulo; the rare rounding at a day edge is corrected exactly
  let day = Math.floor(epochUs / DAY_US);
  const rest = epochUs - day * DAY_US;
  if (rest < 0) day--;
  else if (rest >= DAY_US) day++;
  return day;
}

/** Monday = 0 … Sunday = 6. */
export function utcWeekday(epochUs: number): number {
  return (((epochDay(epochUs) + EPOCH_WEEKDAY) % 7) + 7) % 7;
}

/** 0 … 23. */
export function utcHour(epochUs: number): number {
  return Math.floor((epochUs - epochDay(epochUs) * DAY_US) / HOUR_US);
}

/** Epoch seconds (Float64, possibly fractional) → whole epoch microseconds, the resolution of SQL timestamps. */
export function toEpochUs(epochSeconds: number): number {
  return Math.round(epochSeconds * SECOND_US);
}

/**
 * Calendar parts from epoch microseconds, in UTC, computed the way the compiled SQL computes them (integer
 * arithmetic on the epoch, no time-zone database), so that both paths agree to the bit.
 */
export const SECOND_US = 1_000_000;
export const HOUR_US = 3_600_000_000;
export const DAY_US = 86_400_000_000;
/** 1970-01-01 was a Thursday: weekday 3 with Monday = 0. */
export const EPOCH_WEEKDAY = 3;

/** Microseconds since midnight UTC (0 ≤ result < DAY_US, also before 1970). */
export function timeOfDayUs(epochUs: number): number {
  return ((epochUs % DAY_US) + DAY_US) % DAY_US;
}

/** Monday = 0 … Sunday = 6. */
export function utcWeekday(epochUs: number): number {
  const day = (epochUs - timeOfDayUs(epochUs)) / DAY_US;
  return (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
}

/** 0 … 23. */
export function utcHour(epochUs: number): number {
  return Math.floor(timeOfDayUs(epochUs) / HOUR_US);
}

/** Epoch seconds (Float64, possibly fractional) → whole epoch microseconds, the resolution of SQL timestamps. */
export function toEpochUs(epochSeconds: number): number {
  return Math.round(epochSeconds * SECOND_US);
}

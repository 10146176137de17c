import { z } from 'zod';

/** The stored form of an `AliasEvent` (both backends keep alias history as JSON). */
export const aliasEventSchema = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  alias: z.string(),
  action: z.enum(['set', 'delete']),
  version: z.number().int().positive().nullable(),
  previous: z.number().int().positive().nullable(),
  reason: z.string().optional(),
});

/** Oldest first; ties (same millisecond) keep their given order. */
export function byTime<T extends { at: string }>(events: T[]): T[] {
  return events
    .map((event, index) => ({ event, index, time: Date.parse(event.at) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ event }) => event);
}

import { z } from 'zod';

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

/**
 * A transaction id as the API accepts it — a non-negative integer or a non-empty string — in canonical
 * string form, so `12` and `"12"` name the same transaction in scoring, repeats and feedback.
 */
export const transactionIdSchema = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform((n) => String(n)),
  z
    .string()
    .min(1)
    .max(128)
    .refine((s) => s.trim() === s && !hasControlCharacter(s), 'must not have surrounding spaces or control characters'),
]);

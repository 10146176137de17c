import type { z } from 'zod';
import { ScoringError, type FieldProblem } from '../errors.js';

const MAX_DETAILS = 20;
const MAX_KEY_SHOWN = 64;

/** `transactions[3].tx_amount` from zod's `['transactions', 3, 'tx_amount']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? shorten(String(part)) : `.${shorten(String(part))}`;
  }
  return out === '' ? '(body)' : out;
}

function shorten(key: string): string {
  return key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
}

/**
 * Says what is wrong with a field without repeating what the client sent: a fraud service must not echo
 * card or customer data back into responses and logs (the reason MLflow users asked for this, #16537).
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  // Schemas (the Transaction contract) may word a rule themselves; zod's own wording is replaced below.
  const own = !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${issue.expected})`;
      return own ? issue.message : `must be of type ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? `must have at least ${String(issue.minimum)} characters`
          : `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${String(issue.maximum)} items`
        : issue.origin === 'string'
          ? `must have at most ${String(issue.maximum)} characters`
          : `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys
        .slice(0, 5)
        .map((k) => JSON.stringify(shorten(k)))
        .join(', ')}${issue.keys.length > 5 ? ', …' : ''}`;
    case 'invalid_union':
      if (issue.input === undefined) return 'is required';
      return own ? issue.message : 'does not match any accepted form';
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      // Our own refinements write messages that name the rule, never the input.
      return issue.message;
  }
}

/** Zod issues as the API's `details`, at most {@link MAX_DETAILS} of them. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  const problems = error.issues
    .slice(0, MAX_DETAILS)
    .map((issue) => ({ path: formatPath(issue.path), problem: describeIssue(issue) }));
  if (error.issues.length > MAX_DETAILS) {
    problems.push({ path: '(body)', problem: `${error.issues.length - MAX_DETAILS} more problems not shown` });
  }
  return problems;
}

/** Parses a request body with a schema; throws `INVALID_REQUEST` naming every bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  // `reportInput` only lets describeIssue tell a missing field from a wrong one; inputs never leave this file.
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const details = fieldProblems(parsed.error);
  const first = details[0];
  throw new ScoringError(
    'INVALID_REQUEST',
    `Invalid ${what}: ${first.path} ${first.problem}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}.`,
    details,
  );
}

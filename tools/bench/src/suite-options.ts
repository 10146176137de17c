import { parseArgs } from 'node:util';
import { errorMessage } from '@fraudops/core';

/** What one suite option accepts. The flag is the setting's name in kebab case (`batchConnections` → `--batch-connections`). */
export type OptionRule =
  /** An integer ≥ `min`. */
  | { type: 'integer'; min: number }
  /** A number > `above` and ≤ `max`. */
  | { type: 'number'; above: number; max?: number }
  /** A calendar day, `YYYY-MM-DD`. */
  | { type: 'date' }
  /** One of the given words. */
  | { type: 'choice'; values: readonly string[] }
  /** A setting that is on by default; `--no-<flag>` turns it off. */
  | { type: 'switch' };

type Settings = Record<string, number | string | boolean>;

/** Thrown by {@link parseSuiteOptions} for `--help`/`-h`: the message is the suite's usage, for stdout (exit 0). */
export class SuiteHelp extends Error {
  override readonly name = 'SuiteHelp';
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function flagOf(name: string, rule: OptionRule): string {
  return rule.type === 'switch' ? `no-${kebab(name)}` : kebab(name);
}

function placeholder(rule: OptionRule): string {
  if (rule.type === 'integer') return ' N';
  if (rule.type === 'number') return ' X';
  if (rule.type === 'date') return ' YYYY-MM-DD';
  if (rule.type === 'choice') return ` ${rule.values.join('|')}`;
  return '';
}

/** `--trees N --learning-rate X …`, for the messages of a suite's option errors. */
export function suiteUsage(rules: Record<string, OptionRule>): string {
  return Object.entries(rules)
    .map(([name, rule]) => `--${flagOf(name, rule)}${placeholder(rule)}`)
    .join(' ');
}

function suiteHelp(suite: string, defaults: Settings, entries: Array<[string, OptionRule]>): string {
  const lines = entries.map(([name, rule]) => {
    const flag = `--${flagOf(name, rule)}${placeholder(rule)}`;
    const meaning = rule.type === 'switch' ? `skips ${kebab(name)} (on by default)` : `${expectation(rule)}`;
    const fallback = rule.type === 'switch' ? '' : `; default ${String(defaults[name])}`;
    return `  ${flag.padEnd(32)} ${meaning}${fallback}`;
  });
  return `Usage: npm run bench -- ${suite} [--json] [options]\n\nOptions:\n${lines.join('\n')}`;
}

function checked(rule: OptionRule, text: string): number | string | undefined {
  if (rule.type === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : undefined;
  if (rule.type === 'choice') return rule.values.includes(text) ? text : undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (rule.type === 'integer') return Number.isInteger(value) && value >= rule.min ? value : undefined;
  if (rule.type === 'number') return value > rule.above && value <= (rule.max ?? Infinity) ? value : undefined;
  return undefined;
}

function expectation(rule: OptionRule): string {
  if (rule.type === 'integer') return `an integer ≥ ${rule.min}`;
  if (rule.type === 'number') return `a number > ${rule.above}${rule.max !== undefined ? ` and ≤ ${rule.max}` : ''}`;
  if (rule.type === 'date') return 'a day YYYY-MM-DD';
  if (rule.type === 'choice') return `one of ${rule.values.join(', ')}`;
  return 'no value';
}

/**
 * A suite's settings from its arguments (`node:util` `parseArgs`, strict): `defaults` overridden by the
 * options given. Unknown options, missing values and values breaking a rule throw an error naming the
 * suite, the option and what it accepts.
 */
export function parseSuiteOptions<S extends { [K in keyof S]: number | string | boolean }>(
  suite: string,
  args: string[],
  defaults: S,
  rules: { [K in keyof S]: OptionRule },
): S {
  const usage = suiteUsage(rules);
  const fail = (problem: string): never => {
    throw new Error(`${suite} suite: ${problem} (options: ${usage})`);
  };
  const entries = Object.entries(rules) as Array<[keyof S & string, OptionRule]>;
  if (args.includes('--help') || args.includes('-h')) throw new SuiteHelp(suiteHelp(suite, defaults, entries));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        entries.map(([name, rule]) => [flagOf(name, rule), { type: rule.type === 'switch' ? 'boolean' : 'string' }]),
      ),
    }).values;
  } catch (error) {
    return fail(errorMessage(error));
  }
  const settings: Settings = { ...defaults };
  for (const [name, rule] of entries) {
    const given = values[flagOf(name, rule)];
    if (given === undefined) continue;
    if (rule.type === 'switch') {
      settings[name] = false;
      continue;
    }
    const value = checked(rule, String(given));
    if (value === undefined) fail(`bad option --${flagOf(name, rule)} ${String(given)}: expected ${expectation(rule)}`);
    else settings[name] = value;
  }
  return settings as S;
}

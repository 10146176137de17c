import { parseSuiteOptions, suiteUsage, type OptionRule } from './suite-options.js';

interface Settings {
  trees: number;
  learningRate: number;
  largeStart: string;
  singleThread: boolean;
  warmup: number;
}

const DEFAULTS: Settings = { trees: 100, learningRate: 0.1, largeStart: '2018-05-29', singleThread: true, warmup: 2 };
const OPTIONS: Record<keyof Settings, OptionRule> = {
  trees: { type: 'integer', min: 1 },
  learningRate: { type: 'number', above: 0, max: 1 },
  largeStart: { type: 'date' },
  singleThread: { type: 'switch' },
  warmup: { type: 'integer', min: 0 },
};
const parse = (args: string[]) => parseSuiteOptions('toy', args, DEFAULTS, OPTIONS);

describe('parseSuiteOptions', () => {
  it('keeps the defaults and overrides what is given, in kebab-case flags', () => {
    expect(parse([])).toEqual(DEFAULTS);
    expect(
      parse([
        '--trees',
        '20',
        '--learning-rate',
        '0.3',
        '--large-start=2018-06-01',
        '--no-single-thread',
        '--warmup',
        '0',
      ]),
    ).toEqual({
      trees: 20,
      learningRate: 0.3,
      largeStart: '2018-06-01',
      singleThread: false,
      warmup: 0,
    });
  });

  it('names the suite, the option and what it accepts', () => {
    expect(() => parse(['--trees', '0'])).toThrow(
      'toy suite: bad option --trees 0: expected an integer ≥ 1 (options: ',
    );
    expect(() => parse(['--trees', '2.5'])).toThrow('bad option --trees 2.5: expected an integer ≥ 1');
    expect(() => parse(['--learning-rate', '1.5'])).toThrow(
      'bad option --learning-rate 1.5: expected a number > 0 and ≤ 1',
    );
    expect(() => parse(['--large-start', 'June'])).toThrow('bad option --large-start June: expected a day YYYY-MM-DD');
    expect(() => parse(['--rows', '5'])).toThrow(/^toy suite: .*Unknown option '--rows'/);
    expect(() => parse(['--trees'])).toThrow(/^toy suite: .*Option '--trees <value>' argument missing/);
    expect(() => parse(['extra'])).toThrow(/^toy suite: .*Unexpected argument 'extra'/);
  });

  it('lists the options for the messages', () => {
    expect(suiteUsage(OPTIONS)).toBe(
      '--trees N --learning-rate X --large-start YYYY-MM-DD --no-single-thread --warmup N',
    );
  });
});

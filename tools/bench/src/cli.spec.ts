import { runBenchCli } from './cli.js';
import type { BenchSuite } from './suite.js';
import { parseSuiteOptions } from './suite-options.js';

const suite: BenchSuite = {
  name: 'toy',
  description: 'a suite that reports fixed figures, to test the runner itself',
  run: async ({ args, log }) => {
    log('measuring');
    return {
      suite: 'toy',
      ratios: { time_vs_baseline: 1.5 },
      measurements: [
        { name: 'wall_s', subject: 'fraudops', value: 3, unit: 's' },
        { name: 'wall_s', subject: 'baseline', value: 2, unit: 's' },
      ],
      notes: [`args: ${args.join(' ')}`],
    };
  },
};

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runBenchCli(argv, [suite], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('bench runner', () => {
  it('prints a table of measurements and named ratios', async () => {
    const { code, stdout, stderr } = await run(['toy', '--rows', '10']);
    expect(code).toBe(0);
    expect(stdout).toContain('time_vs_baseline  1.5');
    expect(stdout).toMatch(/wall_s\s+baseline\s+2\s+s/);
    expect(stdout).toContain('note: args: --rows 10');
    expect(stderr).toBe('measuring\n');
  });

  it('prints the same figures as one JSON object with --json, progress on stderr only', async () => {
    const { code, stdout } = await run(['toy', '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.suite).toBe('toy');
    expect(parsed.ratios).toEqual({ time_vs_baseline: 1.5 });
    expect(parsed.measurements).toHaveLength(2);
  });

  it('rejects an unknown suite with exit code 2 and lists the known ones', async () => {
    const { code, stderr } = await run(['nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown suite "nope"');
    expect(stderr).toContain('toy');
  });

  it("prints a suite's options with what each accepts and its default for <suite> --help, exit 0", async () => {
    const withOptions: BenchSuite = {
      name: 'sized',
      description: 'a suite with options',
      run: async ({ args }) => {
        parseSuiteOptions(
          'sized',
          args,
          { rows: 10, warmup: true },
          { rows: { type: 'integer', min: 1 }, warmup: { type: 'switch' } },
        );
        throw new Error('not reached: --help stops before measuring');
      },
    };
    let stdout = '';
    const code = await runBenchCli(['sized', '--help'], [withOptions], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run bench -- sized [--json] [options]');
    expect(stdout).toMatch(/--rows N\s+an integer ≥ 1; default 10/);
    expect(stdout).toMatch(/--no-warmup\s+skips warmup \(on by default\)/);
  });
});

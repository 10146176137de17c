import { runBenchCli } from './cli.js';
import type { BenchSuite } from './suite.js';

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
});

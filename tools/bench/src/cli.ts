import { formatResult } from './report.js';
import type { BenchResult, BenchSuite } from './suite.js';
import { SuiteHelp } from './suite-options.js';

const USAGE = `Usage: npm run bench -- <suite> [--json] [suite options]

Runs one benchmark suite. Each suite measures fraudops and its baseline in the same run and prints
ratios between them (absolute times drift on shared machines; ratios measured together do not).

Options:
  --json     print the result as one JSON object on stdout (progress stays on stderr)
  --help     show this help`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs the bench command line; returns the process exit code. */
export async function runBenchCli(argv: string[], suites: BenchSuite[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const listing = suites.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n') || '  (none yet)';
  if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h') {
    io.stdout(`${USAGE}\n\nSuites:\n${listing}\n`);
    return rest.length === 0 ? 2 : 0;
  }
  const [name, ...args] = rest;
  const suite = suites.find((s) => s.name === name);
  if (!suite) {
    io.stderr(`Unknown suite "${name}". Suites:\n${listing}\n`);
    return 2;
  }
  let result: BenchResult;
  try {
    result = await suite.run({ args, log: (message) => io.stderr(`${message}\n`) });
  } catch (error) {
    if (!(error instanceof SuiteHelp)) throw error;
    io.stdout(`${error.message}\n`);
    return 0;
  }
  io.stdout(json ? `${JSON.stringify(result)}\n` : formatResult(result));
  return 0;
}

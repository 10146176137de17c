import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_SIMULATION_PARAMS,
  TransactionsError,
  fingerprintTransactions,
  simulateTransactions,
  summarizeTransactions,
  type SimulationParams,
} from '@fraudops/transactions';
import { writeTransactions } from '@fraudops/transactions-io';
import { CliError, ExitCode, type CliContext, type Output, type Progress } from '@fraudops/cli';

export interface SimulateOptions {
  out: string;
  customers: string;
  terminals: string;
  days: string;
  startDate: string;
  radius: string;
  seed: string;
  json: boolean;
}

/** What `simulate --json` prints. */
export interface SimulateResult {
  out: string;
  format: 'parquet' | 'csv';
  bytes: number;
  rows: number;
  frauds: number;
  /** Final TX_FRAUD_SCENARIO counts (a later scenario relabels an earlier one's fraud). */
  fraudsByScenario: { '1': number; '2': number; '3': number };
  /** New frauds each scenario step added, as the handbook reports them. */
  fraudsAddedByScenario: { s1: number; s2: number; s3: number };
  firstDatetime: string | null;
  lastDatetime: string | null;
  params: SimulationParams;
  /** SHA-256 of every column (fingerprintTransactions), for model cards and parity checks. */
  fingerprint: string;
  seconds: { simulate: number; write: number };
}

const d = DEFAULT_SIMULATION_PARAMS;

const HELP_AFTER = `
With the defaults this writes the fraud handbook's published dataset, bit for bit: 1,754,155 transactions,
14,681 frauds (scenario 1: 973, 2: 9,077, 3: 4,631), 2018-04-01 to 2018-09-30. The format follows the
extension (.parquet, .csv or .csv.gz). --seed shifts every internal seed, drawing a different world that is
just as reproducible.

Examples:
  $ fraudops-train simulate --out data/transactions.parquet
  $ fraudops-train simulate --out /tmp/small.csv --customers 500 --terminals 1000 --days 60
  $ fraudops-train simulate --out data/world-7.parquet --seed 7 --start-date 2024-01-01
  $ fraudops-train simulate --out data/transactions.parquet --json | jq .fraudsByScenario
  $ npm run train -- simulate --out /tmp/tx.parquet`;

/** `fraudops-train simulate`: the reference simulator, written to a Parquet or CSV file. */
export function registerSimulate(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description('Simulate card transactions (the fraud handbook generator) and write them to Parquet or CSV.')
    .option('--out <file>', 'output file: .parquet, .csv or .csv.gz', 'data/transactions.parquet')
    .option('--customers <n>', 'number of customers', String(d.customers))
    .option('--terminals <n>', 'number of terminals', String(d.terminals))
    .option('--days <n>', 'number of simulated days', String(d.days))
    .option('--start-date <date>', 'day 0, YYYY-MM-DD (UTC)', d.startDate)
    .option('--radius <r>', 'customers use terminals closer than r on the 100×100 grid', String(d.radius))
    .option('--seed <n>', 'added to every internal seed; 0 is the handbook dataset', String(d.seed))
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (options: SimulateOptions) => {
      await runSimulate(options, context.output(options.json));
    });
}

function numberFlag(value: string, flag: string, integer: boolean): number {
  const parsed = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) {
    throw new CliError(`${flag} must be ${integer ? 'an integer' : 'a number'}, got "${value}"`, ExitCode.usage);
  }
  return parsed;
}

const FLAG_OF_PARAM: Record<keyof SimulationParams, string> = {
  customers: '--customers',
  terminals: '--terminals',
  days: '--days',
  startDate: '--start-date',
  radius: '--radius',
  seed: '--seed',
};

/** Runs the command; separated from commander so tests call it with an output of their own. */
// eslint-disable-next-line max-lines-per-function -- one straight sequence (parameters, simulate, write, summary) with the progress and --json output of each step
export async function runSimulate(options: SimulateOptions, output: Output): Promise<SimulateResult> {
  const params: SimulationParams = {
    customers: numberFlag(options.customers, '--customers', true),
    terminals: numberFlag(options.terminals, '--terminals', true),
    days: numberFlag(options.days, '--days', true),
    startDate: options.startDate,
    radius: numberFlag(options.radius, '--radius', false),
    seed: numberFlag(options.seed, '--seed', true),
  };
  if (!['.parquet', '.csv', '.gz'].includes(extname(options.out).toLowerCase())) {
    throw new CliError(`--out must end in .parquet, .csv or .csv.gz, got "${options.out}"`, ExitCode.usage);
  }

  const started = performance.now();
  let bar: Progress | undefined;
  let tx;
  try {
    tx = simulateTransactions(params, {
      onProgress: ({ stage, done, total }) => {
        if (stage === 'transactions') {
          bar ??= output.progress('simulating customers', total);
          bar.update(done);
          return;
        }
        bar?.stop();
        bar = undefined;
        if (done === 0)
          output.status(
            `${stage === 'profiles' ? 'drawing customer and terminal profiles' : stage === 'sort' ? 'sorting by time' : 'adding fraud scenarios'}…`,
          );
      },
    });
  } catch (error) {
    bar?.stop();
    if (error instanceof TransactionsError && error.code === 'INVALID_PARAMETER') {
      const param = (Object.keys(FLAG_OF_PARAM) as Array<keyof SimulationParams>).find((p) =>
        error.message.startsWith(`${p} `),
      );
      throw new CliError(
        param ? `${FLAG_OF_PARAM[param]}: ${error.message.slice(param.length + 1)}` : error.message,
        ExitCode.usage,
      );
    }
    throw error;
  }
  const simulated = performance.now();

  output.status(`writing ${options.out}…`);
  const written = await writeTransactions(options.out, tx);
  const finished = performance.now();

  const summary = summarizeTransactions(tx);
  const counts = summary.scenarioCounts ?? {};
  const result: SimulateResult = {
    out: written.path,
    format: written.format,
    bytes: written.bytes,
    rows: summary.rows,
    frauds: summary.frauds ?? 0,
    fraudsByScenario: { '1': counts[1] ?? 0, '2': counts[2] ?? 0, '3': counts[3] ?? 0 },
    fraudsAddedByScenario: tx.metadata.fraudsAddedByScenario,
    firstDatetime: summary.firstDatetime ?? null,
    lastDatetime: summary.lastDatetime ?? null,
    params: tx.metadata.params,
    fingerprint: fingerprintTransactions(tx),
    seconds: { simulate: (simulated - started) / 1000, write: (finished - simulated) / 1000 },
  };
  printSummary(result, output);
  output.result(result);
  return result;
}

function printSummary(result: SimulateResult, output: Output): void {
  const n = (value: number) => value.toLocaleString('en-US');
  const rate = result.rows > 0 ? ` (${((100 * result.frauds) / result.rows).toFixed(3)}%)` : '';
  const handbook = result.params.seed === 0 ? ' (the handbook dataset)' : '';
  const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace('.000Z', ' UTC') : '—');
  output.line(`wrote ${result.out} (${result.format}, ${(result.bytes / 2 ** 20).toFixed(1)} MiB)`);
  output.line(`  rows          ${n(result.rows)}`);
  output.line(`  frauds        ${n(result.frauds)}${rate}`);
  const scenarios = [
    [n(result.fraudsByScenario['1']), 'amount above 220'],
    [n(result.fraudsByScenario['2']), 'compromised terminals (28 days)'],
    [n(result.fraudsByScenario['3']), 'compromised cards (14 days, amounts ×5)'],
  ];
  const width = Math.max(...scenarios.map(([count]) => count.length));
  scenarios.forEach(([count, what], i) => output.line(`    scenario ${i + 1}  ${count.padStart(width)}  ${what}`));
  output.line(`  dates         ${when(result.firstDatetime)} → ${when(result.lastDatetime)}`);
  output.line(
    `  world         ${n(result.params.customers)} customers, ${n(result.params.terminals)} terminals, radius ${result.params.radius}, seed ${result.params.seed}${handbook}`,
  );
  output.line(`  fingerprint   ${result.fingerprint}`);
  output.line(
    `  took          ${result.seconds.simulate.toFixed(1)} s to simulate, ${result.seconds.write.toFixed(1)} s to write`,
  );
}

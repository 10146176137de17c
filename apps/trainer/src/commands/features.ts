import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  FeaturesError,
  SQL_DIALECTS,
  builtInFeatureSpec,
  compileFeatureSql,
  describeFeature,
  planFeatures,
  validateFeatureSpec,
  type FeatureSpec,
  type SqlDialect,
} from '@fraudops/features';
import { DuckDbSqlEngine, fileFormatOf } from '@fraudops/features-sql';
import { CliError, ExitCode, toCliError, type CliContext, type Output } from '@fraudops/cli';
import { TRAINER_ERROR_ROOTS } from '../cli/error-roots.js';

export interface FeaturesOptions {
  data?: string;
  out?: string;
  spec: string;
  describe: boolean;
  sql?: string;
  json: boolean;
}

/** One feature as `--describe --json` prints it. */
export interface DescribedFeature {
  index: number;
  name: string;
  kind: string;
  entity?: string;
  windowDays?: number;
  delayDays?: number;
  aggregate?: string;
  meaning: string;
}

export interface DescribeResult {
  name: string;
  version: number;
  hash: string;
  description?: string;
  features: DescribedFeature[];
}

/** What `features --json` prints after writing a file. */
export interface FeaturesResult {
  data: string;
  out: string;
  format: 'parquet' | 'csv';
  bytes: number;
  rows: number;
  /** null when the data has no tx_fraud column. */
  frauds: number | null;
  firstDatetime: string | null;
  lastDatetime: string | null;
  spec: { name: string; version: number; hash: string; features: string[] };
  seconds: number;
}

const HELP_AFTER = `
Computes the features of a feature spec for every transaction of a Parquet or CSV file with DuckDB, point in
time correct (each row sees only transactions up to itself, windows exact to the microsecond, same-second
ties ordered by transaction_id), and writes keys (transaction_id, tx_datetime, customer_id, terminal_id,
tx_fraud) then one column per feature, named and ordered as in the spec (the model's input order).

The input needs transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, and tx_fraud for the
terminal-risk features; tx_datetime may be a timestamp, an ISO 8601 string or epoch seconds (UTC).
--spec takes a built-in name (baseline: the fraud handbook's 15 features) or a JSON spec file.

Examples:
  $ fraudops-train features --data data/transactions.parquet --out data/features.parquet
  $ fraudops-train features --data /tmp/tx.csv --out /tmp/features.csv --json | jq .rows
  $ fraudops-train features --describe
  $ fraudops-train features --describe --spec my-spec.json --json
  $ fraudops-train features --sql spark > baseline.spark.sql     # the same plan for a Databricks SQL warehouse
  $ npm run train -- features --data /tmp/tx.parquet --out /tmp/features.parquet`;

/** `fraudops-train features`: the offline feature pipeline, and a look at the spec. */
export function registerFeatures(program: Command, context: CliContext): void {
  program
    .command('features')
    .description('Compute the feature spec over a transactions file with DuckDB and write a feature file.')
    .option('--data <file>', 'transactions file: .parquet, .csv or .csv.gz')
    .option('--out <file>', 'feature file to write: .parquet, .csv or .csv.gz')
    .option('--spec <name|file.json>', 'built-in spec name or a JSON spec file', 'baseline')
    .option('--describe', 'print the spec (names, windows, delays, hash) and exit', false)
    .option(
      '--sql <dialect>',
      `print the compiled SQL for ${SQL_DIALECTS.join(' or ')} (source table: transactions) and exit`,
    )
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (options: FeaturesOptions) => {
      await runFeatures(options, context.output(options.json));
    });
}

/** A features error with the shared table's exit code; an unknown spec names the flag it came from. */
function asCliError(error: unknown): unknown {
  const flag = error instanceof FeaturesError && error.code === 'UNKNOWN_SPEC' ? '--spec: ' : '';
  return toCliError(error, TRAINER_ERROR_ROOTS, (message) => `${flag}${message}`);
}

async function loadSpec(spec: string): Promise<FeatureSpec> {
  if (!spec.toLowerCase().endsWith('.json')) return builtInFeatureSpec(spec);
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch {
    throw new CliError(`--spec: cannot read ${spec}`, ExitCode.notFound);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--spec: ${spec} is not valid JSON (${(error as Error).message})`, ExitCode.invalidData);
  }
  return validateFeatureSpec(parsed);
}

/** Runs the command; separated from commander so tests call it with an output of their own. */
export async function runFeatures(
  options: FeaturesOptions,
  output: Output,
): Promise<DescribeResult | FeaturesResult | { dialect: SqlDialect; sql: string }> {
  try {
    const spec = await loadSpec(options.spec);
    if (options.describe) return describe(spec, output);
    if (options.sql !== undefined) {
      const dialect = options.sql as SqlDialect;
      if (!SQL_DIALECTS.includes(dialect)) {
        throw new CliError(`--sql must be one of ${SQL_DIALECTS.join(', ')}, got "${options.sql}"`, ExitCode.usage);
      }
      const sql = compileFeatureSql(spec, dialect);
      output.line(sql.trimEnd());
      output.result({ dialect, sql });
      return { dialect, sql };
    }
    return await writeFeatures(spec, options, output);
  } catch (error) {
    throw asCliError(error);
  }
}

function describe(spec: FeatureSpec, output: Output): DescribeResult {
  const plan = planFeatures(spec);
  const result: DescribeResult = {
    name: spec.name,
    version: spec.version,
    hash: plan.hash,
    description: spec.description,
    features: spec.features.map((feature, i) => ({
      index: i,
      name: feature.name,
      kind: feature.kind,
      ...(feature.kind === 'window'
        ? {
            entity: feature.entity,
            windowDays: feature.windowDays,
            delayDays: feature.delayDays,
            aggregate: feature.aggregate,
          }
        : {}),
      meaning: describeFeature(feature),
    })),
  };
  const width = Math.max(...spec.features.map((f) => f.name.length));
  output.line(`feature spec ${spec.name} v${spec.version}: ${spec.features.length} features`);
  output.line(`  hash   sha256 ${plan.hash}`);
  if (spec.description) output.line(`  about  ${spec.description}`);
  output.line('');
  output.line(`  ${'#'.padStart(2)}  ${'name'.padEnd(width)}  meaning`);
  for (const feature of result.features) {
    output.line(`  ${String(feature.index).padStart(2)}  ${feature.name.padEnd(width)}  ${feature.meaning}`);
  }
  output.line('');
  output.line('  Windows cover (t − (delay + window), t − delay]; with no delay they end at the transaction itself,');
  output.line('  same-second transactions ordered by transaction_id. Empty windows give 0.');
  output.result(result);
  return result;
}

async function writeFeatures(spec: FeatureSpec, options: FeaturesOptions, output: Output): Promise<FeaturesResult> {
  if (!options.data) throw new CliError('--data <file> is required (or use --describe / --sql)', ExitCode.usage);
  if (!options.out) throw new CliError('--out <file> is required: a .parquet or .csv feature file', ExitCode.usage);
  const format = fileFormatOf(options.out);
  const plan = planFeatures(spec);
  const started = performance.now();
  const engine = await DuckDbSqlEngine.open();
  try {
    output.status(`reading ${options.data}…`);
    const source = await engine.registerFile('transactions', options.data);
    const sql = compileFeatureSql(plan, 'duckdb', { source: 'transactions', labelled: source.labelled });
    const bar = output.progress(`computing ${plan.names.length} features`, 100);
    let rows: number;
    try {
      rows = await engine.copyToFile(sql, options.out, (percent) => bar.update(Math.floor(percent)));
      bar.update(100);
    } finally {
      bar.stop();
    }
    const path = `'${options.out.replace(/'/g, "''")}'`;
    const reader = format === 'parquet' ? `read_parquet(${path})` : `read_csv(${path}, header = true)`;
    const summary = await engine.query(
      `SELECT ${source.labelled ? 'SUM(tx_fraud)' : 'NULL'} AS frauds, ` +
        `strftime(MIN(tx_datetime), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(MAX(tx_datetime), '%Y-%m-%dT%H:%M:%SZ') AS last ` +
        `FROM ${reader}`,
    );
    const cell = (c: number) => summary.columns[c][0];
    const result: FeaturesResult = {
      data: options.data,
      out: options.out,
      format,
      bytes: (await stat(options.out)).size,
      rows,
      frauds: cell(0) === null ? null : Number(cell(0)),
      firstDatetime: cell(1) === null ? null : String(cell(1)),
      lastDatetime: cell(2) === null ? null : String(cell(2)),
      spec: { name: spec.name, version: spec.version, hash: plan.hash, features: plan.names },
      seconds: (performance.now() - started) / 1000,
    };
    printSummary(result, output);
    output.result(result);
    return result;
  } finally {
    await engine.close();
  }
}

function printSummary(result: FeaturesResult, output: Output): void {
  const n = (value: number) => value.toLocaleString('en-US');
  output.line(`wrote ${result.out} (${result.format}, ${(result.bytes / 2 ** 20).toFixed(1)} MiB)`);
  output.line(`  rows      ${n(result.rows)}`);
  if (result.frauds !== null) {
    const rate = result.rows > 0 ? ` (${((100 * result.frauds) / result.rows).toFixed(3)}%)` : '';
    output.line(`  frauds    ${n(result.frauds)}${rate}`);
  }
  output.line(`  dates     ${result.firstDatetime ?? '—'} → ${result.lastDatetime ?? '—'}`);
  output.line(
    `  features  ${result.spec.features.length} (spec ${result.spec.name} v${result.spec.version}, sha256 ${result.spec.hash.slice(0, 12)}…)`,
  );
  output.line(`  took      ${result.seconds.toFixed(1)} s`);
}

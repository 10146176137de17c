import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { builtInFeatureSpecs, featureSpecHash } from '@fraudops/features';
import { openRegistry, type ModelRegistry, type ModelVersion } from '@fraudops/registry';
import type { TransactionColumns } from '@fraudops/transactions';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { prepareData } from '../pipeline/data.js';
import { currentChampion } from '../pipeline/gate.js';
import { runLocalTraining } from '../pipeline/local-train.js';
import { localTrainOptions } from './train.js';
import { printTrainSummary } from './train-summary.js';
import { addTrainingFlags, applyParameterSet, numberFlag, type TrainingFlags } from './train-options.js';

interface StartFlags extends TrainingFlags {
  serve: boolean;
  port: number;
  retrain?: boolean;
  historyDays: number;
}

/** The parameter set `npm start` trains with when `--params` is not given (relative to the repository root). */
export const DEFAULT_PARAMETER_SET = 'params/tuned.json';

const EXAMPLES = `
Examples:
  $ npm start                                   # train on the handbook data if there is no champion, then serve it
  $ npm start -- --retrain                      # train again (the gate decides champion or challenger), then serve
  $ npm start -- --no-serve                     # stop after registering
  $ npm start -- --params params/other.json     # train with another parameter set (default: ${DEFAULT_PARAMETER_SET} when present)
  $ npm start -- --port 9090 --registry /srv/models`;

/**
 * The last `days` days of the data as a CSV history file for the scoring API's warm-up (its online state
 * then starts where the data ends); cached beside the data.
 */
async function historyFile(
  flags: StartFlags,
  output: Output,
): Promise<{ path: string; last: { epoch: number; customerId: number; terminalId: number; amount: number } }> {
  const options = localTrainOptions(flags);
  const data = await prepareData({ ...options, progress: (label, total) => output.progress(label, total) });
  const { columns } = data;
  const newest = columns.txDatetime[columns.length - 1];
  const from = newest - flags.historyDays * 86_400;
  let first = columns.length;
  while (first > 0 && columns.txDatetime[first - 1] > from) first--;
  const path = data.parquetPath.replace(/\.parquet$/, `.history-${flags.historyDays}d.ndjson`);
  if (!existsSync(path)) await writeHistory(path, columns, first);
  const i = columns.length - 1;
  return {
    path,
    last: {
      epoch: newest,
      customerId: columns.customerId[i],
      terminalId: columns.terminalId[i],
      amount: columns.txAmount[i],
    },
  };
}

/** Rows from `first` on as JSON lines in the API's own request format (ISO 8601 UTC datetimes, labels included). */
async function writeHistory(path: string, columns: TransactionColumns, first: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  for (let i = first; i < columns.length; i++) {
    const line = JSON.stringify({
      transaction_id: columns.transactionId[i],
      tx_datetime: new Date(columns.txDatetime[i] * 1000).toISOString().replace('.000Z', 'Z'),
      customer_id: columns.customerId[i],
      terminal_id: columns.terminalId[i],
      tx_amount: columns.txAmount[i],
      ...(columns.txFraud ? { tx_fraud: columns.txFraud[i] } : {}),
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(temporary, path);
}

function scoringApiEntry(): string {
  const entry = fileURLToPath(new URL('../../scoring-api/dist/main.js', import.meta.url));
  if (!existsSync(entry)) {
    throw new CliError(
      `the scoring API is not built (${entry} is missing): run \`npx nx build scoring-api\`, or \`npm start\`, which builds it`,
      ExitCode.notFound,
    );
  }
  return entry;
}

async function waitUntilReady(url: string, child: ReturnType<typeof spawn>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new CliError(
        `the scoring API exited with code ${child.exitCode} before it was ready (its log is above)`,
        ExitCode.runFailed,
      );
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new CliError(`the scoring API was not ready within ${timeoutMs / 1000} s (${url}/readyz)`, ExitCode.runFailed);
}

function curlExample(
  port: number,
  last: { epoch: number; customerId: number; terminalId: number; amount: number },
): string {
  const body = JSON.stringify({
    transactions: [
      {
        transaction_id: 90_000_001,
        tx_datetime: new Date((last.epoch + 60) * 1000).toISOString().replace('.000Z', 'Z'),
        customer_id: last.customerId,
        terminal_id: last.terminalId,
        tx_amount: 249.9,
      },
    ],
  });
  return `curl -s http://127.0.0.1:${port}/v1/score -H 'content-type: application/json' -d '${body}'`;
}

async function serve(flags: StartFlags, output: Output): Promise<number> {
  const entry = scoringApiEntry();
  const history = await historyFile(flags, output);
  output.status(
    `▸ starting the scoring API on port ${flags.port} (warm-up: the last ${flags.historyDays} days of the data)…`,
  );
  const child = spawn(process.execPath, [entry], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(flags.port),
      MODEL_URI: `models:/${flags.name}@champion`,
      REGISTRY: flags.registry,
      HISTORY: history.path,
      HISTORY_DAYS: String(flags.historyDays),
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const url = `http://127.0.0.1:${flags.port}`;
  await waitUntilReady(url, child, 180_000);
  output.line('');
  output.line(`fraudops is serving models:/${flags.name}@champion at ${url} (Ctrl-C stops it). Try:`);
  output.line('');
  output.line(`  ${curlExample(flags.port, history.last)}`);
  output.line('');
  output.line(`  curl -s ${url}/v1/model      # what is served, its metrics and threshold`);
  output.line(`  curl -s ${url}/metrics       # Prometheus metrics`);
  return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));
}

/**
 * Why this checkout's scoring API cannot serve `champion`, or undefined when it can: the service computes only
 * the built-in feature specs, found by the hash in the card, so a champion trained by an older checkout on a
 * since-changed spec (after a `git pull`, say) would stop the service at start-up.
 */
function unservableBecause(champion: ModelVersion): string | undefined {
  const { name, hash } = champion.card.featureSpec;
  const known = Object.values(builtInFeatureSpecs).map((spec) => featureSpecHash(spec));
  if (known.includes(hash)) return undefined;
  return `${champion.uri} (@champion) was trained on feature spec "${name}" (${hash}), which this checkout no longer computes`;
}

/**
 * After training because the champion could not be served: the new version stands in for it even when the gate
 * left it challenger (the gate cannot compare models over different specs), with the reason in the alias history.
 */
async function replaceUnservableChampion(
  registry: ModelRegistry,
  flags: StartFlags,
  stale: ModelVersion,
  trained: number,
  output: Output,
): Promise<void> {
  const current = await currentChampion(registry, flags.name);
  if (!current || current.version !== stale.version) return; // the gate promoted it already
  const replacement = await registry.getVersion(flags.name, trained);
  if (unservableBecause(replacement)) return;
  const { name, hash } = stale.card.featureSpec;
  const reason = `npm start: v${stale.version} was trained on feature spec ${name}#${hash}, which this checkout no longer computes; v${trained} replaces it`;
  await registry.setAlias(flags.name, 'champion', trained, { reason });
  output.line(`champion    ${replacement.uri} replaces ${stale.uri} (its feature spec is no longer computed here)`);
}

/** `npm start`: train a champion on the embedded defaults unless one exists, say where its report is, serve it. */
export async function runStart(flags: StartFlags, output: Output): Promise<number> {
  const registry = openRegistry(flags.registry);
  let current = flags.retrain ? undefined : await currentChampion(registry, flags.name);
  const why = current && unservableBecause(current);
  const stale = why ? current : undefined;
  if (why) {
    output.line(`${why}: training a new champion`);
    current = undefined;
  }
  if (current) {
    output.line(`reusing ${current.uri} (@champion, registered ${current.card.created}; --retrain trains a new one)`);
  } else {
    const summary = await runLocalTraining(localTrainOptions(flags), output, registry);
    printTrainSummary(summary, output);
    if (stale && summary.model.version !== null)
      await replaceUnservableChampion(registry, flags, stale, summary.model.version, output);
    current = await currentChampion(registry, flags.name);
  }
  if (current && registry.location.startsWith('file:')) {
    output.line(
      `report      ${fileURLToPath(new URL(`${flags.name}/versions/${current.version}/report.html`, `${registry.location}/`))}`,
    );
  }
  if (!flags.serve) return ExitCode.ok;
  return serve(flags, output);
}

export function registerStart(program: Command, context: CliContext): void {
  const command = program
    .command('start')
    .description(
      'The main job (what `npm start` runs): train a champion on the embedded defaults if there is none, then serve it.',
    );
  addTrainingFlags(command)
    .option('--retrain', 'train even when a champion exists')
    .option('--no-serve', 'stop after training/registering')
    .option('--port <n>', 'scoring API port', numberFlag('--port', { integer: true, min: 1, max: 65535 }), 8080)
    .option(
      '--history-days <n>',
      'days of history replayed into the online state before serving',
      numberFlag('--history-days', { integer: true, min: 1 }),
      37,
    )
    .addHelpText('after', EXAMPLES)
    .action(async (raw: StartFlags) => {
      // The committed parameter set (chosen by `tune` on folds before the test window) unless --params names another.
      if (raw.params === undefined && existsSync(DEFAULT_PARAMETER_SET)) raw.params = DEFAULT_PARAMETER_SET;
      const flags = applyParameterSet(raw, command);
      const code = await runStart(flags, context.output(Boolean(flags.json)));
      if (code !== 0) throw new CliError(`the scoring API stopped with exit code ${code}`, ExitCode.runFailed);
    });
}

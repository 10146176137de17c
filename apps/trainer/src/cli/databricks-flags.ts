import { Option, type Command } from 'commander';
import { CliError, ExitCode } from '@fraudops/cli';

// Flags of the Databricks commands (`train --backend databricks`, `deploy-job`, `runs …`), declared once.
// This file stays free of the Databricks client so that `train` can register them without loading it.

const GROUP = 'Databricks backend (--backend databricks):';

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1.5h`, `500ms` (a bare number is seconds) → milliseconds, naming the flag otherwise. */
export function durationFlag(flag: string) {
  return (text: string): number => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
    if (!match) throw new CliError(`${flag} must be a duration like 90s, 30m or 2h, got "${text}"`, ExitCode.usage);
    return Math.round(Number(match[1]) * UNITS_MS[match[2] ?? 's']);
  };
}

function positiveInteger(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
      throw new CliError(`${flag} must be a positive integer, got "${text}"`, ExitCode.usage);
    }
    return value;
  };
}

/** A run id argument (`runs attach <run-id>`). */
export const runIdArgument = positiveInteger('<run-id>');

export type InterruptAction = 'ask' | 'cancel' | 'detach';

/** Where the workspace and the SQL warehouse are; credentials come from DATABRICKS_* or ~/.databrickscfg. */
export interface ConnectionFlags {
  profile?: string;
  warehouseId?: string;
  sqlHost?: string;
  sqlInsecure?: boolean;
}

export interface JobFlags {
  jobName: string;
  jobId?: number;
}

export interface WaitFlags {
  /** Milliseconds. */
  timeout: number;
  /** Milliseconds between polls; the official cadence (1 s, 2 s, … 10 s) when absent. */
  pollInterval?: number;
  onInterrupt: InterruptAction;
}

/** The flags `train --backend databricks` adds to the training flags. */
export interface DatabricksTrainFlags extends ConnectionFlags, JobFlags, WaitFlags {
  sourceTable?: string;
  featureTable?: string;
  volume?: string;
  input: 'auto' | 'tables' | 'files';
  wait: boolean;
  idempotencyToken?: string;
  gitCommit?: string;
  pinCommit?: boolean;
  xgbParams?: Record<string, unknown>;
  reportMd?: string;
}

export const DEFAULT_JOB_NAME = 'fraudops-train';

const grouped = (option: Option) => option.helpGroup(GROUP);

/** `--profile`: the workspace and credentials (else DATABRICKS_* variables, else [DEFAULT] of ~/.databrickscfg). */
export function addProfileFlag(command: Command, group = true): Command {
  const option = new Option(
    '--profile <name>',
    'profile of ~/.databrickscfg (default: DATABRICKS_HOST and DATABRICKS_TOKEN, or [DEFAULT])',
  );
  return command.addOption(group ? grouped(option) : option);
}

/** `--profile` and the SQL warehouse flags. */
export function addConnectionFlags(command: Command, group = true): Command {
  const add = (option: Option) => command.addOption(group ? grouped(option) : option);
  addProfileFlag(command, group);
  add(new Option('--warehouse-id <id>', 'SQL warehouse that computes the features (default: DATABRICKS_WAREHOUSE_ID)'));
  add(
    new Option(
      '--sql-host <url>',
      "the warehouse's https://host:port when it is not the workspace's (the local emulator)",
    ),
  );
  add(new Option('--sql-insecure', "do not verify the warehouse's TLS certificate (only for the local emulator)"));
  return command;
}

export function addJobFlags(command: Command, group = true): Command {
  const add = (option: Option) => command.addOption(group ? grouped(option) : option);
  add(new Option('--job-name <name>', 'the training job, found by name').default(DEFAULT_JOB_NAME));
  add(
    new Option('--job-id <id>', 'the training job by id (instead of --job-name)').argParser(
      positiveInteger('--job-id'),
    ),
  );
  return command;
}

export function addWaitFlags(command: Command, group = true): Command {
  const add = (option: Option) => command.addOption(group ? grouped(option) : option);
  add(
    new Option(
      '--timeout <duration>',
      'stop waiting after this long (the run goes on; exit 9; re-attach with runs attach)',
    )
      .argParser(durationFlag('--timeout'))
      .default(12 * 3_600_000, '12h'),
  );
  add(
    new Option(
      '--poll-interval <duration>',
      'time between status polls (default: 1 s, 2 s, … 10 s like the official SDKs)',
    ).argParser(durationFlag('--poll-interval')),
  );
  add(
    new Option(
      '--on-interrupt <action>',
      'Ctrl-C while waiting: ask (TTY: a y/N question; otherwise a second Ctrl-C cancels), cancel the run, or detach',
    )
      .choices(['ask', 'cancel', 'detach'])
      .default('ask'),
  );
  return command;
}

function jsonObject(flag: string) {
  return (text: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${flag} must be a JSON object: ${(error as Error).message}`, ExitCode.usage);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new CliError(`${flag} must be a JSON object, got ${text}`, ExitCode.usage);
    return value as Record<string, unknown>;
  };
}

/** `--source-table` and `--volume`: where a launch reads the transactions and keeps its run's files. */
export function addSourceFlags(command: Command): Command {
  const add = (option: Option) => command.addOption(grouped(option));
  add(
    new Option(
      '--source-table <table>',
      'transactions (Delta) table: transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud',
    ),
  );
  add(new Option('--volume <path>', 'volume folder for run inputs and outputs, e.g. /Volumes/main/fraud/runs'));
  return command;
}

/** `--source-table` and `--volume` given and well-formed (exit 2 naming the flag otherwise). */
export function checkSourceFlags(
  flags: { sourceTable?: string; volume?: string },
  backend: string,
): { sourceTable: string; volume: string } {
  if (!flags.sourceTable)
    throw new CliError(
      `${backend} needs --source-table <catalog.schema.table> (the transactions on the warehouse)`,
      ExitCode.usage,
    );
  if (!flags.volume || !/^\/Volumes\/[^/]+\/[^/]+\/[^/]+/.test(flags.volume)) {
    throw new CliError(
      `${backend} needs --volume /Volumes/<catalog>/<schema>/<volume>[/folder] for the run's inputs and outputs${flags.volume ? `, got "${flags.volume}"` : ''}`,
      ExitCode.usage,
    );
  }
  return { sourceTable: flags.sourceTable, volume: flags.volume };
}

/** Registers the Databricks flags of `train` (they apply with --backend databricks only). */
export function addDatabricksTrainingFlags(command: Command): Command {
  const add = (option: Option) => command.addOption(grouped(option));
  addSourceFlags(command);
  add(
    new Option(
      '--feature-table <table>',
      'feature table to write (views <table>_train, _validation, _test beside it); default: <source schema>.fraudops_features_<key of the inputs>',
    ),
  );
  add(
    new Option(
      '--input <mode>',
      "how the job reads the features: tables (Spark reads the views), files (CSV exported into the run's folder; no Spark needed), auto (files on the http:// emulator, else tables)",
    )
      .choices(['auto', 'tables', 'files'])
      .default('auto'),
  );
  add(new Option('--no-wait', 'start the run, print its id and URL, and return (attach later with runs attach)'));
  add(
    new Option(
      '--idempotency-token <token>',
      'same token → the same run, never a second one (≤ 64 chars; default: new per launch)',
    ),
  );
  add(
    new Option('--git-commit <sha>', 'commit recorded for the run and the model card (default: HEAD of this checkout)'),
  );
  add(
    new Option(
      '--pin-commit',
      "run the job's definition once with its code at --git-commit (runs/submit) instead of run-now, so a launch from another commit cannot change the code this run executes (CI uses it; the job's code must come from Git)",
    ),
  );
  add(new Option('--report-md <file>', 'also append the Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)'));
  add(
    new Option('--xgb-params <json>', 'extra XGBoost parameters, e.g. {"max_bin":128}').argParser(
      jsonObject('--xgb-params'),
    ),
  );
  addConnectionFlags(command);
  addJobFlags(command);
  addWaitFlags(command);
  return command;
}

/** The flags `tune --backend databricks` adds. */
export interface DatabricksTuneFlags extends ConnectionFlags, WaitFlags {
  sourceTable?: string;
  volume?: string;
  clusterId?: string;
  jobNode: string;
  jobFiles?: string;
  idempotencyToken?: string;
}

/** Registers the Databricks flags of `tune` (they apply with --backend databricks only). */
export function addDatabricksTuneFlags(command: Command): Command {
  const add = (option: Option) => command.addOption(grouped(option));
  addSourceFlags(command);
  add(
    new Option(
      '--cluster-id <id>',
      'all-purpose cluster the search runs on (it needs Node.js 20+ on its PATH, or --job-node)',
    ),
  );
  add(new Option('--job-node <command>', 'the Node.js executable on the cluster').default('node'));
  add(
    new Option(
      '--job-files <dir>',
      "folder holding the job's tune.py and tune-job.mjs (default: tune-job/ beside this CLI, made by nx run trainer:build-tune-job)",
    ),
  );
  add(
    new Option(
      '--idempotency-token <token>',
      'same token → the same run, never a second one (≤ 64 chars; default: new per launch)',
    ),
  );
  addConnectionFlags(command);
  addWaitFlags(command);
  return command;
}

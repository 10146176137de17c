import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabricksSqlEngine } from '@fraudops/databricks-sql';
import { resolveSimulationParams, simulateTransactions, type TransactionColumns } from '@fraudops/transactions';
import { writeTransactions } from '@fraudops/transactions-io';

// What the end-to-end specs of the Databricks backends share: the workspace emulator in its own process, the
// bundled CLI in its own processes with the emulator's credentials, and a simulated source table in the
// emulator's SQL warehouse.

/** The emulator's first stdout line with `--json`. */
export interface StartedEmulator {
  url: string;
  token: string;
  volumesRoot: string;
  clusters?: string[];
  sql: { host: string; port: number; path: string; warehouseId: string };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the built emulator (`emulatorMain`) on ephemeral ports with its workspace under `dir`, plus `extraArgs`,
 * and resolves once it has printed where it listens.
 */
export async function startEmulator(
  emulatorMain: string,
  dir: string,
  extraArgs: string[],
): Promise<{ emulator: ChildProcess; started: StartedEmulator }> {
  if (!existsSync(emulatorMain))
    throw new Error(`${emulatorMain} is missing: run through Nx (nx test trainer builds the emulator first).`);
  const emulator = spawn(
    process.execPath,
    [
      emulatorMain,
      ...['--port', '0', '--sql-port', '0', '--no-seed', '--json', '--tick-ms', '5'],
      ...['--data-dir', join(dir, 'workspace'), ...extraArgs],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const firstLine = await new Promise<string>((resolveLine, reject) => {
    createInterface({ input: emulator.stdout as NodeJS.ReadableStream }).once('line', resolveLine);
    emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
  return { emulator, started: JSON.parse(firstLine) as StartedEmulator };
}

/** Stops the emulator (if it still runs) and waits for it to exit. */
export async function stopEmulator(emulator: ChildProcess | undefined): Promise<void> {
  if (!emulator || emulator.exitCode !== null) return;
  const exited = new Promise((r) => emulator.once('exit', r));
  emulator.kill('SIGTERM');
  await exited;
}

/**
 * The CLI's environment: this one without a profile or OAuth client of the developer's, a HOME under `dir`, and
 * the emulator's host, token and warehouse.
 */
export function emulatorCliEnv(dir: string, started: StartedEmulator): NodeJS.ProcessEnv {
  const {
    DATABRICKS_CONFIG_PROFILE: _p,
    DATABRICKS_CLIENT_ID: _i,
    DATABRICKS_CLIENT_SECRET: _s,
    ...rest
  } = process.env;
  return {
    ...rest,
    HOME: join(dir, 'home'),
    DATABRICKS_HOST: started.url,
    DATABRICKS_TOKEN: started.token,
    DATABRICKS_WAREHOUSE_ID: started.sql.warehouseId,
  };
}

/** Starts the bundled CLI `cli` in `cwd`; `onStderrLine` sees its progress as it comes. */
export function spawnCli(
  cli: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  onStderrLine?: (line: string, child: ChildProcess) => void,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderr += `${line}\n`;
    onStderrLine?.(line, child);
  });
  const done = new Promise<CliResult>((resolveDone) =>
    child.once('close', (code) => resolveDone({ code, stdout, stderr })),
  );
  return { child, done };
}

/**
 * A small simulated world (250 cards, 500 terminals, 42 days) written to `parquet` and loaded into the emulator's
 * warehouse as `table` (DuckDB behind the emulator reads the Parquet file).
 */
export async function loadSimulatedTable(
  started: StartedEmulator,
  parquet: string,
  table: string,
): Promise<TransactionColumns> {
  const columns = simulateTransactions(resolveSimulationParams({ customers: 250, terminals: 500, days: 42 }));
  await writeTransactions(parquet, columns);
  const engine = new DatabricksSqlEngine({
    host: `https://${started.sql.host}:${started.sql.port}`,
    httpPath: started.sql.path,
    token: started.token,
    checkServerCertificate: false,
  });
  try {
    await engine.query(`CREATE SCHEMA IF NOT EXISTS ${table.split('.')[0]}`);
    await engine.query(`CREATE TABLE ${table} AS SELECT * FROM read_parquet('${parquet}')`);
  } finally {
    await engine.close();
  }
  return columns;
}

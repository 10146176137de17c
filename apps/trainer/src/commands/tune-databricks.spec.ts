import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabricksClient } from '@fraudops/databricks';
import { bundleTrainerCli, bundleTuneJob } from '../testing/cli-bundle.js';
import {
  emulatorCliEnv,
  loadSimulatedTable,
  spawnCli as spawnBundledCli,
  startEmulator,
  stopEmulator,
  type CliResult,
  type StartedEmulator,
} from '../testing/emulator-cli.js';
import type { ParameterSet } from '../pipeline/parameter-set.js';
import type { Trial } from '../pipeline/tune.js';

// `tune --backend databricks` end to end against the workspace emulator (its own process, real HTTP on ephemeral
// ports, its SQL warehouse behind the real @databricks/sql driver) with the real CLI in its own processes
// (src/main.ts and the job's src/tune-job.ts bundled here by esbuild): per-fold split tables on the warehouse →
// fold CSVs and the job's files in a volume → runs/submit of databricks/tune.py on an existing cluster, which
// starts the bundled search with Node.js → tune-result.json → the parameter set. The same search run locally on
// the same transactions must give the same trials and the same winner: the same code scores both, on feature
// vectors the parity tests hold equal, so the scores are compared exactly.

// Each test drives whole searches through separate processes (a warehouse, a job run of several trainings); on
// a loaded machine one takes minutes, so the per-test limit is a generous deadline, not a budget.
jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../../../..');
const EMULATOR = join(ROOT, 'tools/databricks-emulator/dist/main.js');
// Inside the workspace, so that the CLI bundle's external npm packages resolve from its node_modules.
const BUNDLE_DIR = join(ROOT, 'apps/trainer/test-output', `tune-dbx-${process.pid}`);
const CLI = join(BUNDLE_DIR, 'main.mjs');
const CLUSTER = '0101-120000-tunetest';
const VOLUME = '/Volumes/main/fraud/tune';
const SOURCE = 'fraud.transactions';
// Training starts on day 28; fold 0 tests on days 28–34, fold 1 on days 21–27 and trains from day 7.
const SEARCH = [
  '--spec',
  'baseline',
  '--train-start',
  '28',
  '--train-days',
  '7',
  '--delay-days',
  '7',
  '--test-days',
  '7',
  '--folds',
  '2',
  '--k',
  '20',
  '--seed',
  '11',
];

interface TuneJson {
  parameterSet: ParameterSet;
  stopped: string;
  trials: Trial[];
  databricks?: { runId: number; state: string; runDir: string; clusterId: string };
}

let dir: string;
let emulator: ChildProcess;
let started: StartedEmulator;
let client: DatabricksClient;
let parquet: string;

const spawnCli = (args: string[], onStderrLine?: (line: string, child: ChildProcess) => void) =>
  spawnBundledCli(CLI, dir, emulatorCliEnv(dir, started), args, onStderrLine);

/** `tune --backend databricks` with the emulator's warehouse and cluster, the job's Node being this one. */
function databricksArgs(extra: string[]): string[] {
  return [
    'tune',
    '--backend',
    'databricks',
    '--source-table',
    SOURCE,
    '--volume',
    VOLUME,
    '--sql-host',
    `https://${started.sql.host}:${started.sql.port}`,
    '--sql-insecure',
    '--cluster-id',
    CLUSTER,
    '--job-node',
    process.execPath,
    '--poll-interval',
    '100ms',
    ...SEARCH,
    ...extra,
  ];
}

/** A long search (200 trials) sent Ctrl-C once its first trial is done, with `--on-interrupt <action>`. */
async function interruptAfterFirstTrial(
  action: 'cancel' | 'detach',
): Promise<{ interrupted: boolean; result: CliResult }> {
  let interrupted = false;
  const { done } = spawnCli(databricksArgs(['--trials', '200', '--on-interrupt', action]), (line, child) => {
    if (!interrupted && /trial \d+ done/.test(line)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const result = await done;
  return { interrupted, result };
}

const json = (r: CliResult): TuneJson => JSON.parse(r.stdout) as TuneJson;
/** A trial without its wall time (the one thing two runs of the same search do not share). */
const scored = ({ seconds: _seconds, ...rest }: Trial) => rest;

beforeAll(async () => {
  await bundleTrainerCli(ROOT, CLI);
  await bundleTuneJob(ROOT, join(BUNDLE_DIR, 'tune-job'));
  dir = mkdtempSync(join(tmpdir(), 'trainer-tune-databricks-'));
  mkdirSync(join(dir, 'home'));
  ({ emulator, started } = await startEmulator(EMULATOR, dir, ['--cluster', CLUSTER]));
  client = DatabricksClient.fromEnvironment({ host: started.url, token: started.token, env: {} });

  // A small simulated world, in a Parquet file (the local search reads it) and in the warehouse (the job's).
  parquet = join(dir, 'transactions.parquet');
  await loadSimulatedTable(started, parquet, SOURCE);
}, 180_000);

afterAll(async () => {
  await stopEmulator(emulator);
  if (dir) rmSync(dir, { recursive: true, force: true });
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
});

describe('fraudops-train tune --backend databricks', () => {
  it('runs the same search as a job: the same trials, scores and winner as the local search, written as the same parameter set', async () => {
    const localOut = join(dir, 'local.json');
    const local = await spawnCli(['tune', '--data', parquet, ...SEARCH, '--trials', '3', '--out', localOut, '--json'])
      .done;
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);

    const remoteOut = join(dir, 'databricks.json');
    const lines: string[] = [];
    const remote = await spawnCli(databricksArgs(['--trials', '3', '--out', remoteOut]), (line) => lines.push(line))
      .done;
    expect(remote.code).toBe(0);
    // progress while the run goes on: the run's states, then a line per finished trial
    expect(lines.some((l) => /^\s+\d+s\s+RUNNING/.test(l))).toBe(true);
    expect(lines.some((l) => /trial \d done \(\d\/3\): AP 0\.\d{4}/.test(l))).toBe(true);
    expect(lines.some((l) => /repeat this command with --idempotency-token tune-[0-9a-f]{16}$/.test(l))).toBe(true);
    expect(remote.stdout).toMatch(/winner trial \d/);
    expect(remote.stdout).toContain(`parameter set "tuned" written to ${remoteOut}`);

    const token = ['--idempotency-token', `tune-${process.pid}`];
    const again = json(await spawnCli(databricksArgs(['--trials', '3', '--out', remoteOut, '--json', ...token])).done);
    const expected = json(local);
    expect(again.databricks).toMatchObject({ state: 'TERMINATED/SUCCESS', clusterId: CLUSTER });
    expect(again.trials).toHaveLength(3);
    expect(again.trials.map(scored)).toEqual(expected.trials.map(scored));
    expect(again.trials[1].params).not.toEqual(again.trials[0].params);
    expect(again.trials.every((t) => t.folds.every((f) => f.average_precision > 0 && f.rounds > 0))).toBe(true);

    // the parameter set files: the same winner, parameters and fold scores; only the creation time differs
    const written = (path: string) => {
      const set = JSON.parse(readFileSync(path, 'utf8')) as ParameterSet;
      if (!set.selection) throw new Error(`${path} has no selection`);
      return { ...set, selection: { ...set.selection, created: undefined } };
    };
    expect(written(remoteOut)).toEqual(written(localOut));
    expect(written(remoteOut).selection.folds.map((f) => [f.trainStart, f.test])).toEqual([
      ['2018-04-15', ['2018-04-29', '2018-05-05']],
      ['2018-04-08', ['2018-04-22', '2018-04-28']],
    ]);

    // what the run read and wrote is in its launch folder
    const runDir = join(started.volumesRoot, (again.databricks?.runDir ?? '').replace(/^\/Volumes\//, ''));
    expect(readFileSync(join(runDir, 'inputs/fold-1-test.csv'), 'utf8').split('\n')[0]).toMatch(
      /^transaction_id,customer_id,day,amount,tx_fraud,[A-Z_]+/,
    );
    const result = JSON.parse(readFileSync(join(runDir, 'tune-result.json'), 'utf8')) as { node: string };
    expect(result.node).toBe(process.version);

    // the same --idempotency-token finds the launch and its run again: nothing is recomputed or re-run
    const repeat = await spawnCli(databricksArgs(['--trials', '3', '--out', remoteOut, ...token])).done;
    expect(repeat.code).toBe(0);
    expect(repeat.stderr).toContain('was prepared before (same --idempotency-token)');
    expect(repeat.stderr).not.toContain('computing 15 features');
    expect(repeat.stdout).toContain(`databricks run ${again.databricks?.runId} TERMINATED/SUCCESS`);
    expect(written(remoteOut)).toEqual(written(localOut));

    // runs attach finishes training launches only, and says how to wait for a search again
    const attach = await spawnCli(['runs', 'attach', String(again.databricks?.runId)]).done;
    expect(attach.code).toBe(4);
    expect(attach.stderr).toContain('is a tune --backend databricks search, not a training launch');
  });

  it('names an unknown cluster (exit 4) and starts no run', async () => {
    const args = databricksArgs(['--trials', '1']);
    args[args.indexOf(CLUSTER)] = '0101-999999-nosuchcl';
    const result = await spawnCli(args).done;
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('--cluster-id 0101-999999-nosuchcl: no such cluster');
    expect(result.stderr).toContain('Cluster 0101-999999-nosuchcl does not exist');
  });

  it("reports a failed run with the task's error (exit 7)", async () => {
    const args = databricksArgs(['--trials', '1']);
    args[args.indexOf(process.execPath)] = join(dir, 'no-such-node');
    const result = await spawnCli(args).done;
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/run \d+ ended TERMINATED\/FAILED/);
    expect(result.stderr).toContain(`TuneJobError: cannot start ${join(dir, 'no-such-node')}`);
  });

  it('cancels the run on Ctrl-C with --on-interrupt cancel (exit 130, the run ends CANCELED)', async () => {
    const { interrupted, result } = await interruptAfterFirstTrial('cancel');
    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    const runId = Number(/run (\d+) was cancelled/.exec(result.stderr)?.[1]);
    const run = await client.jobs.getRun(runId);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
  });

  it('on Ctrl-C with --on-interrupt detach leaves the run going and says to repeat tune with its token (not runs attach)', async () => {
    const { interrupted, result } = await interruptAfterFirstTrial('detach');
    expect(interrupted).toBe(true);
    expect(result.code).toBe(130);
    const runId = Number(/run (\d+) goes on/.exec(result.stderr)?.[1]);
    const token = /--idempotency-token (tune-[0-9a-f]+)/.exec(result.stderr)?.[1];
    expect(result.stderr).toContain(`wait again: repeat this command with --idempotency-token ${token}`);
    expect(result.stderr).not.toContain('runs attach');
    expect((await client.jobs.getRun(runId)).state?.life_cycle_state).not.toBe('TERMINATED');
    await client.jobs.cancelRun(runId);
  });
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { collect, DatabricksClient, isTerminal } from '@fraudops/databricks';
import { OnnxScorer } from '@fraudops/modeling';
import { openRegistry } from '@fraudops/registry';
import { bundleTrainerCli } from '../testing/cli-bundle.js';
import {
  emulatorCliEnv,
  loadSimulatedTable,
  spawnCli as spawnBundledCli,
  startEmulator,
  stopEmulator,
  type CliResult,
  type StartedEmulator,
} from '../testing/emulator-cli.js';
import {
  resolveSimulationParams,
  simulateTransactions,
  timeSplit,
  type TransactionColumns,
} from '@fraudops/transactions';

// End to end against the workspace emulator (its own process, built by `nx test trainer`'s dependency on
// databricks-emulator:build) with the real CLI in its own processes (src/main.ts bundled here by esbuild, so a
// concurrent `nx build trainer` cannot pull dist/ from under the test; npm packages stay external):
// deploy-job → train --backend databricks (features on the emulator's SQL warehouse, CSV inputs in a volume,
// train.py run by the job runner from a pinned Git commit with Debian's XGBoost) → ONNX parity → evaluation,
// gate, registration in Unity Catalog → OnnxScorer loads models:/fraud-detector@champion. Then a failing task,
// a run that outlives --timeout and is re-attached, and cancelled runs (Ctrl-C twice without a terminal; Ctrl-C and a
// question on a pseudo-terminal; runs cancel).

// Each test drives whole training runs (a warehouse, an XGBoost job run, registration) through separate
// processes; on a loaded machine one takes minutes, so the per-test limit is a generous deadline, not a budget.
jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../../../..');
const EMULATOR = join(ROOT, 'tools/databricks-emulator/dist/main.js');
// Inside the workspace, so that the bundle's external npm packages resolve from its node_modules.
const BUNDLE_DIR = join(ROOT, 'apps/trainer/test-output', `e2e-cli-${process.pid}`);
const CLI = join(BUNDLE_DIR, 'main.mjs');
const GIT_URL = 'https://github.com/acme/fraudops.git';
const VOLUME = '/Volumes/main/fraud/runs';
const SOURCE = 'fraud.transactions';
const REGISTRY = 'databricks-uc://main.fraud?volume=models';
const SPLIT = ['--train-start', '20', '--train-days', '7', '--delay-days', '7', '--test-days', '7'];
const FAST = [
  '--n-estimators',
  '30',
  '--bootstrap',
  '20',
  '--k',
  '20',
  '--threshold-policy',
  'budget:20',
  '--poll-interval',
  '100ms',
];

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();

let dir: string;
let emulator: ChildProcess;
let started: StartedEmulator;
let commit: string;
let client: DatabricksClient;
let columns: TransactionColumns;
/** The successful launch of the first training test, re-used by the cancellation test. */
let firstLaunch: { runId: number; runDir: string };

const env = () => emulatorCliEnv(dir, started);

const warehouse = () => ['--sql-host', `https://${started.sql.host}:${started.sql.port}`, '--sql-insecure'];

/** Starts the CLI; `onStderrLine` sees its progress as it comes. */
const spawnCli = (args: string[], onStderrLine?: (line: string, child: ChildProcess) => void) =>
  spawnBundledCli(CLI, dir, env(), args, onStderrLine);

/** The `run: |` script of the step named `name` in a workflow (the lines indented under `run: |`). */
function stepScript(workflow: string, name: string): string {
  const lines = workflow.split('\n');
  const at = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  const run = lines.findIndex((l, i) => i > at && /^\s+run: \|$/.test(l));
  if (at < 0 || run < 0) throw new Error(`no step "${name}" with a run: | script`);
  const indent = lines[run].length - lines[run].trimStart().length + 2;
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
    body.push(line.slice(indent));
  }
  return body.join('\n');
}

const cli = (args: string[]) => spawnCli(args).done;
const json = <T = Record<string, unknown>>(r: CliResult): T => JSON.parse(r.stdout) as T;
const localPath = (volumePath: string) => join(started.volumesRoot, volumePath.replace(/^\/Volumes\//, ''));

function train(extra: string[]): Promise<CliResult> {
  return cli([
    'train',
    '--backend',
    'databricks',
    '--source-table',
    SOURCE,
    '--volume',
    VOLUME,
    ...warehouse(),
    '--registry',
    REGISTRY,
    '--git-commit',
    commit,
    ...SPLIT,
    ...FAST,
    ...extra,
  ]);
}

beforeAll(async () => {
  await bundleTrainerCli(ROOT, CLI);
  dir = mkdtempSync(join(tmpdir(), 'trainer-databricks-'));
  mkdirSync(join(dir, 'home'));
  // The remote the job checks out: this checkout's train.py, committed to a bare repository.
  const bare = join(dir, 'remote.git');
  const work = join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'clone', '--quiet', bare, work);
  mkdirSync(join(work, 'apps/trainer/databricks'), { recursive: true });
  copyFileSync(join(ROOT, 'apps/trainer/databricks/train.py'), join(work, 'apps/trainer/databricks/train.py'));
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'train.py');
  git(work, 'push', '--quiet', 'origin', 'main');
  commit = git(work, 'rev-parse', 'HEAD');

  ({ emulator, started } = await startEmulator(EMULATOR, dir, ['--git-remote', `${GIT_URL}=${bare}`]));
  client = DatabricksClient.fromEnvironment({ host: started.url, token: started.token, env: {} });

  // A small simulated world, loaded into the warehouse (DuckDB behind the emulator reads the Parquet file).
  columns = await loadSimulatedTable(started, join(dir, 'transactions.parquet'), SOURCE);
}, 120_000);

afterAll(async () => {
  await stopEmulator(emulator);
  if (dir) rmSync(dir, { recursive: true, force: true });
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
});

describe('fraudops-train deploy-job', () => {
  it('creates the job pinned to a commit, then resets the same job (idempotent by name)', async () => {
    const args = ['deploy-job', '--git-url', GIT_URL, '--git-commit', commit, '--json'];
    const first = await cli(args);
    expect(first.code).toBe(0);
    const created = json<{ jobId: number; action: string; url: string }>(first);
    expect(created).toMatchObject({ action: 'created', url: `${started.url}/jobs/${created.jobId}` });
    const second = json<{ jobId: number; action: string }>(await cli(args));
    expect(second).toMatchObject({ action: 'reset', jobId: created.jobId });

    const job = await client.jobs.get(created.jobId);
    expect(job.settings.git_source).toEqual({ git_url: GIT_URL, git_provider: 'gitHub', git_commit: commit });
    expect(job.settings.tasks?.[0].spark_python_task).toMatchObject({
      python_file: 'apps/trainer/databricks/train.py',
      source: 'GIT',
    });
    expect(job.settings.tasks?.[0].environment_key).toBe('train');
    const names: string[] = [];
    for await (const j of client.jobs.list({ name: 'fraudops-train' })) names.push(String(j.job_id));
    expect(names).toEqual([String(created.jobId)]);
  });
});

describe('fraudops-train train --backend databricks', () => {
  it('computes features on the warehouse, runs train.py as a job, converts, evaluates and registers the champion', async () => {
    const result = await train(['--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = json<{
      model: { name: string; version: number; uri: string; algorithm: string; rounds: number };
      alias: string;
      metrics: Record<string, { value: number }>;
      parity: { maxAbsDifference: number; rows: number };
      data: { test: { rows: number; frauds: number } };
      databricks: { runId: number; input: string; runDir: string; state: string; url: string };
      gate: { applied: boolean };
    }>(result);
    expect(summary.databricks).toMatchObject({ input: 'files', state: 'TERMINATED/SUCCESS' });
    firstLaunch = summary.databricks;
    expect(summary.databricks.url).toContain(`/run/${summary.databricks.runId}`);
    expect(summary.model).toMatchObject({ name: 'fraud-detector', version: 1, algorithm: 'xgboost' });
    expect(summary.model.rounds).toBeGreaterThan(0);
    expect(summary.alias).toBe('champion');
    expect(summary.gate.applied).toBe(false);
    expect(summary.parity.maxAbsDifference).toBeLessThanOrEqual(1e-6);
    expect(summary.metrics['auc_roc'].value).toBeGreaterThan(0.6);

    // The test window is the handbook's: days 34–40 without the cards known compromised by then —
    // exactly the rows the local split keeps, and the rows the run predicted.
    const local = timeSplit(columns, { trainStart: 20, trainDays: 7, delayDays: 7, testDays: 7 });
    const expectedIds = Array.from(local.test, (row) => columns.transactionId[row]).sort((a, b) => a - b);
    const predictions = readFileSync(localPath(`${summary.databricks.runDir}/predictions.csv`), 'utf8')
      .trim()
      .split('\n');
    expect(predictions[0]).toBe('transaction_id,customer_id,tx_datetime,amount,label,score');
    const predictedIds = predictions
      .slice(1)
      .map((line) => Number(line.split(',')[0]))
      .sort((a, b) => a - b);
    expect(predictedIds).toEqual(expectedIds);
    expect(summary.parity.rows).toBe(expectedIds.length);
    expect(summary.data.test.rows).toBe(expectedIds.length);

    // The run recorded the pinned commit; the model card names it; the scorer loads the champion.
    const runMetrics = JSON.parse(
      readFileSync(localPath(`${summary.databricks.runDir}/metrics.json`), 'utf8'),
    ) as Record<string, unknown>;
    expect(runMetrics['git_commit']).toBe(commit);
    const registry = openRegistry(REGISTRY, { databricks: client });
    const champion = await registry.loadModel('models:/fraud-detector@champion');
    expect(champion.version).toBe(1);
    expect(champion.card.gitSha).toBe(commit);
    expect(champion.card.model.algorithm).toBe('xgboost');
    expect(champion.card.featureSpec.features).toHaveLength(15);
    const scorer = await OnnxScorer.load(champion.onnx, {
      featureSpecHash: champion.card.featureSpec.hash,
      featureCount: 15,
    });
    try {
      const { probability } = await scorer.score(new Float32Array(15 * 2));
      expect(probability).toHaveLength(2);
      expect(probability[0]).toBeGreaterThan(0);
      expect(probability[0]).toBeLessThan(1);
    } finally {
      await scorer.release();
    }
  });

  it("--no-wait returns the run; the same --idempotency-token finds it again; attach prints a failed task's error and traceback (exit 7)", async () => {
    const token = `failing-${process.pid}`;
    const failing = ['--no-wait', '--idempotency-token', token, '--xgb-params', '{"max_depth": -1}'];
    const launched = await train([...failing, '--json']);
    expect(launched.code).toBe(0);
    const { databricks, attach } = json<{ databricks: { runId: number; url: string }; attach: string }>(launched);
    expect(attach).toBe(`fraudops-train runs attach ${databricks.runId}`);
    expect(databricks.url).toContain(`/run/${databricks.runId}`);

    const repeated = await train(failing);
    expect(repeated.code).toBe(0);
    expect(repeated.stderr).toContain('was prepared before (same --idempotency-token): re-using its inputs');
    expect(repeated.stderr).not.toContain('computing 15 features');
    expect(repeated.stdout).toContain(`run         ${databricks.runId} started`);

    const attached = await cli([
      'runs',
      'attach',
      String(databricks.runId),
      ...warehouse(),
      '--poll-interval',
      '100ms',
    ]);
    expect(attached.code).toBe(7);
    expect(attached.stderr).toMatch(new RegExp(`run ${databricks.runId} ended TERMINATED/FAILED`));
    expect(attached.stderr).toContain('Traceback (most recent call last):');
    expect(attached.stderr).toContain('XGBoostError: value -1 for Parameter max_depth');
    expect(attached.stderr).toMatch(/error: Databricks run \d+ did not succeed/);
  });

  it('stops waiting at --timeout (exit 9, the run goes on) and runs attach finishes the launch', async () => {
    const waited = await train(['--timeout', '1ms']);
    expect(waited.code).toBe(9);
    const runId = Number(/runs attach (\d+)/.exec(waited.stderr)?.[1]);
    expect(runId).toBeGreaterThan(0);

    const report = join(dir, 'step-summary.md');
    const attached = await cli([
      'runs',
      'attach',
      String(runId),
      ...warehouse(),
      '--poll-interval',
      '100ms',
      '--report-md',
      report,
      '--json',
    ]);
    expect(attached.stderr).toBe('');
    expect(attached.code).toBe(0);
    const summary = json<{
      model: { version: number };
      alias: string;
      gate: { applied: boolean; rules: unknown[] };
      databricks: { runId: number };
    }>(attached);
    expect(summary.databricks.runId).toBe(runId);
    expect(summary.model.version).toBe(2);
    expect(summary.gate.applied).toBe(true);
    expect(summary.gate.rules).toHaveLength(3);
    const aliases = await openRegistry(REGISTRY, { databricks: client }).aliases('fraud-detector');
    expect(aliases[summary.alias]).toBe(2);
    const markdown = readFileSync(report, 'utf8');
    expect(markdown).toContain(`# fraudops training on Databricks\n\n[run ${runId}](`);
    expect(markdown).toContain(`registered \`models:/fraud-detector/2\` as **@${summary.alias}**`);
    expect(markdown).toMatch(/### Promotion gate: (✅ pass|❌ fail)/);
    expect(markdown).toContain('### Metrics');
  });

  it('cancels a run on a second Ctrl-C (no terminal), asks on a terminal, and runs cancel stops a run', async () => {
    // Runs of the job on the first launch's inputs, with so many rounds (no early stopping) that only a
    // cancellation ends them.
    const manifest = JSON.parse(readFileSync(localPath(`${firstLaunch.runDir}/launch.json`), 'utf8')) as {
      parameters: Record<string, string>;
    };
    const long = {
      ...manifest.parameters,
      num_boost_round: '500000',
      early_stopping_rounds: '0',
      validation_table: '',
    };
    const jobId = (await client.jobs.getRun(firstLaunch.runId)).job_id as number;

    // Ctrl-C twice while `runs attach` waits: the first says what the second does, the second cancels.
    const first = await client.jobs.runNow({ job_id: jobId, job_parameters: long });
    let interrupts = 0;
    const attach = spawnCli(
      ['runs', 'attach', String(first.run_id), ...warehouse(), '--poll-interval', '100ms'],
      (line, child) => {
        if (
          (interrupts === 0 && line.includes(`run ${first.run_id}: http`)) ||
          (interrupts === 1 && line.includes('Interrupt again'))
        ) {
          interrupts++;
          child.kill('SIGINT');
        }
      },
    );
    const interrupted = await attach.done;
    expect(interrupted.stderr).toContain('Interrupt again to CANCEL it');
    expect(interrupted.stderr).toMatch(
      new RegExp(`error: interrupted: run ${first.run_id} was cancelled \\(TERMINATED/CANCELED`),
    );
    expect(interrupted.code).toBe(130);
    expect((await client.jobs.getRun(first.run_id)).state.result_state).toBe('CANCELED');

    // On a terminal (a pseudo-terminal from `script`), Ctrl-C asks; "n" stops waiting and leaves the run going.
    const second = await client.jobs.runNow({ job_id: jobId, job_parameters: long });
    const quoted = [
      process.execPath,
      CLI,
      'runs',
      'attach',
      String(second.run_id),
      ...warehouse(),
      '--poll-interval',
      '100ms',
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const tty = spawn('script', ['-q', '-e', '-c', quoted, '/dev/null'], {
      cwd: dir,
      env: env(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let screen = '';
    let step = 0;
    tty.stdout?.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (step === 0 && screen.includes(`run ${second.run_id}: http`)) {
        step = 1;
        tty.stdin?.write('\x03'); // Ctrl-C typed on the terminal
      } else if (step === 1 && screen.includes(`Cancel run ${second.run_id} on Databricks? [y/N]`)) {
        step = 2;
        tty.stdin?.write('n\r');
      }
    });
    const ttyCode = await new Promise<number | null>((r) => tty.once('close', r));
    expect(screen).toContain(
      `error: interrupted: stopped waiting; run ${second.run_id} goes on. re-attach with: fraudops-train runs attach ${second.run_id}`,
    );
    expect(ttyCode).toBe(130);
    // "Goes on": not over — it may still be PENDING (its Git checkout) when the launcher detached this early.
    expect(['PENDING', 'RUNNING']).toContain((await client.jobs.getRun(second.run_id)).state.life_cycle_state);

    // runs cancel stops it; attaching to it then reports the cancellation (exit 7).
    const cancelled = await cli(['runs', 'cancel', String(second.run_id), '--poll-interval', '100ms', '--json']);
    expect(cancelled.code).toBe(0);
    expect(json(cancelled)).toMatchObject({
      runId: second.run_id,
      cancelled: true,
      state: { result_state: 'CANCELED' },
    });
    const again = await cli(['runs', 'attach', String(second.run_id), ...warehouse()]);
    expect(again.code).toBe(7);
    expect(again.stderr).toContain(`run ${second.run_id} ended TERMINATED/CANCELED`);

    const listed = json<{ runs: Array<{ runId: number; state: { result_state?: string } }> }>(
      await cli(['runs', 'list', '--json']),
    );
    expect(listed.runs.find((r) => r.runId === first.run_id)?.state.result_state).toBe('CANCELED');
    expect(listed.runs.find((r) => r.runId === second.run_id)?.state.result_state).toBe('CANCELED');
    expect(listed.runs.find((r) => r.runId === firstLaunch.runId)?.state.result_state).toBe('SUCCESS');
  });

  it('cancelling the train workflow cancels the Databricks run; re-running the attempt re-attaches to the same run', async () => {
    // The "Train" step of .github/workflows/train.yml as the runner runs it: its script in a file, `bash -eo
    // pipefail`, the step's environment. Only the CLI path (the test's bundle) and flags for this small world and an
    // endless run are changed.
    const script = stepScript(
      readFileSync(join(ROOT, '.github/workflows/train.yml'), 'utf8'),
      'Train, evaluate, gate and register',
    );
    expect(script).toContain('exec node apps/trainer/dist/main.js train --backend databricks');
    const endless = [
      '--train-days',
      '7',
      '--delay-days',
      '7',
      '--test-days',
      '7',
      ...FAST,
      '--n-estimators',
      '500000',
      '--early-stopping-rounds',
      '500000',
      ...warehouse(),
    ];
    const stepFile = join(dir, 'train-step.sh');
    writeFileSync(
      stepFile,
      `${script.replace('node apps/trainer/dist/main.js', `node '${CLI}'`).trimEnd()} ${endless.map((a) => `'${a}'`).join(' ')}\n`,
    );
    const stepEnv = (attempt: number) => ({
      ...env(),
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_SHA: commit,
      GITHUB_STEP_SUMMARY: join(dir, `summary-${attempt}.md`),
      SOURCE_TABLE: SOURCE,
      VOLUME,
      REGISTRY,
      TABLE: '',
      TRAIN_START: '20',
      DRY_RUN: '',
    });
    const steps: ChildProcess[] = [];
    const runStep = (attempt: number, onStderrLine?: (line: string, child: ChildProcess) => void) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', stepFile], {
        cwd: dir,
        env: stepEnv(attempt),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      steps.push(child);
      let stderr = '';
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
        stderr += `${line}\n`;
        onStderrLine?.(line, child);
      });
      return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
        child.once('close', (code, signal) => done({ code, signal, stderr })),
      );
    };

    // Cancel as the runner does: SIGINT to the step's process once the run is going, SIGTERM 7.5 s later if it
    // is still there.
    let runId = 0;
    let terminate: NodeJS.Timeout | undefined;
    try {
      const cancelled = await runStep(1, (line, child) => {
        const launched = /run (\d+): http/.exec(line);
        if (launched && runId === 0) {
          runId = Number(launched[1]);
          child.kill('SIGINT');
          terminate = setTimeout(() => child.kill('SIGTERM'), 7500);
        }
      });
      clearTimeout(terminate);
      expect(runId).toBeGreaterThan(0);
      expect(cancelled.stderr).toMatch(new RegExp(`interrupted: run ${runId} was cancelled`));
      expect(cancelled.code).toBe(130);
      const seen = (await (
        await fetch(`${started.url}/__emulator/requests`, { headers: { authorization: `Bearer ${started.token}` } })
      ).json()) as {
        requests: Array<{ method: string; path: string; status: number }>;
      };
      expect(seen.requests).toContainEqual({ method: 'POST', path: '/api/2.2/jobs/runs/cancel', status: 200 });
      expect((await client.jobs.getRun(runId)).state.result_state).toBe('CANCELED');

      // "Re-run" of the workflow: attempt 2 has the same run id, so the same idempotency token finds the same run.
      const rerun = await runStep(2);
      expect(rerun.stderr).toContain('was prepared before (same --idempotency-token): re-using its inputs');
      expect(rerun.stderr).toContain(`run ${runId} ended TERMINATED/CANCELED`);
      expect(rerun.code).toBe(7); // the run did not succeed
    } finally {
      // a failed expectation must not leave an endless run or a waiting CLI behind (the emulator could not stop)
      clearTimeout(terminate);
      for (const child of steps) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (runId > 0 && !isTerminal(await client.jobs.getRun(runId))) await client.jobs.cancelRun(runId);
    }
  }, 900_000);

  it('refuses local-only flags and a missing --source-table with exit 2', async () => {
    const local = await cli([
      'train',
      '--backend',
      'databricks',
      '--data',
      'x.csv',
      '--source-table',
      SOURCE,
      '--volume',
      VOLUME,
    ]);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--data does not apply to --backend databricks');
    const missing = await cli(['train', '--backend', 'databricks', '--volume', VOLUME]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --source-table');
  });
});

describe('runs record the code they ran', () => {
  it('two launches pinned to different commits run concurrently, each executing and recording its own commit', async () => {
    // Two commits of the repository whose train.py also leaves a marker naming its commit in the run's folder.
    const work = join(dir, 'work');
    const script = join(work, 'apps/trainer/databricks/train.py');
    const original = readFileSync(join(ROOT, 'apps/trainer/databricks/train.py'), 'utf8');
    const commits: Record<string, string> = {};
    for (const label of ['A', 'B']) {
      const marker = `import sys as _s\nopen(_s.argv[_s.argv.index("--output-dir") + 1] + "/code-marker.txt", "w").write("${label}")\n`;
      // after `from __future__ import annotations`, which must stay the file's first statement
      const future = 'from __future__ import annotations\n';
      expect(original).toContain(future);
      writeFileSync(script, original.replace(future, future + marker));
      git(work, 'commit', '--quiet', '--all', '-m', `train.py marked ${label}`);
      commits[label] = git(work, 'rev-parse', 'HEAD');
    }
    git(work, 'push', '--quiet', 'origin', 'main');
    // The job as deployed names another commit still; each launch pins its own.
    const launches = await Promise.all(
      (['A', 'B'] as const).map((label) =>
        // (each its own feature table: two CREATE OR REPLACE of one table at once conflict, here as on Delta)
        cli([
          'train',
          '--backend',
          'databricks',
          '--source-table',
          SOURCE,
          '--feature-table',
          `fraud.pinned_features_${label.toLowerCase()}`,
          '--volume',
          VOLUME,
          ...warehouse(),
          '--registry',
          REGISTRY,
          '--name',
          'pinned-detector',
          '--git-commit',
          commits[label],
          '--pin-commit',
          ...SPLIT,
          ...FAST,
          '--json',
        ]),
      ),
    );
    const registry = openRegistry(REGISTRY, { databricks: client });
    for (const [i, label] of (['A', 'B'] as const).entries()) {
      const result = launches[i];
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = json<{
        model: { version: number };
        databricks: { runId: number; jobId: number | null; runDir: string };
      }>(result);
      expect(summary.databricks.jobId).toBeNull(); // a one-time run, not a run of the (shared) job
      const run = await client.jobs.getRun(summary.databricks.runId);
      expect(run.git_source).toMatchObject({
        git_url: GIT_URL,
        git_commit: commits[label],
        git_snapshot: { used_commit: commits[label] },
      });
      expect(readFileSync(localPath(`${summary.databricks.runDir}/code-marker.txt`), 'utf8')).toBe(label);
      const version = await registry.getVersion('pinned-detector', summary.model.version);
      expect(version.card.gitSha).toBe(commits[label]);
      expect(
        (await client.models.getMlflowVersion('main.fraud.pinned-detector', summary.model.version)).tags,
      ).toContainEqual({ key: 'git_commit', value: commits[label] });
    }
  }, 600_000);

  it('models set-alias and rollback move Unity Catalog aliases, with the reason in the history', async () => {
    const versions = (await collect(client.models.listVersions('main.fraud.pinned-detector')))
      .filter((v) => v.status === 'READY')
      .map((v) => v.version)
      .sort((a, b) => a - b);
    for (const v of versions)
      expect(
        (await cli(['models', 'set-alias', 'pinned-detector', 'champion', String(v), '--registry', REGISTRY])).code,
      ).toBe(0);
    const rolled = await cli([
      'models',
      'rollback',
      'pinned-detector',
      '--registry',
      REGISTRY,
      '--reason',
      'rehearsal',
      '--json',
    ]);
    expect(rolled.code).toBe(0);
    expect(json<{ event: { version: number; previous: number; reason: string } }>(rolled).event).toMatchObject({
      version: versions[0],
      previous: versions[1],
    });
    expect((await client.models.getByAlias('main.fraud.pinned-detector', 'champion')).version).toBe(versions[0]);
    const listed = json<{ models: Array<{ name: string; aliases: Record<string, number> }> }>(
      await cli(['models', 'list', '--registry', REGISTRY, '--json']),
    );
    expect(listed.models.find((m) => m.name === 'pinned-detector')?.aliases['champion']).toBe(versions[0]);
  });
});

describe('fraudops-train publish-data', () => {
  it('uploads simulated transactions to a volume and creates the table with read_files on the warehouse', async () => {
    const result = await cli([
      'publish-data',
      '--table',
      'fraud.published',
      '--volume',
      '/Volumes/main/fraud/landing',
      '--customers',
      '50',
      '--terminals',
      '100',
      '--days',
      '10',
      '--cache-dir',
      join(dir, 'publish-cache'),
      ...warehouse(),
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const published = json<{ table: string; file: string; rows: number; frauds: number }>(result);
    expect(published.file).toBe('/Volumes/main/fraud/landing/published.parquet');
    expect(existsSync(localPath(published.file))).toBe(true);
    const expected = simulateTransactions(resolveSimulationParams({ customers: 50, terminals: 100, days: 10 }));
    expect(published.rows).toBe(expected.length);
    let frauds = 0;
    for (let i = 0; i < expected.length; i++) frauds += expected.txFraud?.[i] ?? 0;
    expect(published.frauds).toBe(frauds);
    const refused = await cli(['publish-data', '--table', 'fraud.published', ...warehouse()]);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      'error: --table fraud.published has no catalog: pass --volume /Volumes/<catalog>/<schema>/<volume>\n',
    ]);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadRequest,
  DatabricksClient,
  NotFound,
  collect,
  type JobTask,
  type Run,
  type RunLifeCycleState,
} from '@fraudops/databricks';
import { DEFAULT_CLUSTER_ID, startEmulator, type Emulator } from './index.js';
import { createGitRemote, type GitRemoteFixture } from './testing/git-remote.js';

const GIT_URL = 'https://github.com/acme/jobs.git';

/** A task of a run, by position or key (failing the test when it is missing). */
function taskOf(run: Run, which: number | string) {
  const task = typeof which === 'number' ? run.tasks?.[which] : run.tasks?.find((t) => t.task_key === which);
  if (!task) throw new Error(`run ${run.run_id} has no task ${which}`);
  return task;
}

describe('Jobs API and the local job runner', () => {
  let emulator: Emulator;
  let db: DatabricksClient;
  let scripts: string;
  let remote: GitRemoteFixture;

  const script = (name: string, text: string) => {
    const path = join(scripts, name);
    writeFileSync(path, text);
    return path;
  };
  const python = (key: string, file: string, parameters: string[] = []): JobTask => ({
    task_key: key,
    spark_python_task: { python_file: file, parameters },
    environment_key: 'default',
  });
  const wait = (runId: number, onState?: (s: RunLifeCycleState) => void): Promise<Run> =>
    db.waitForRun(runId, {
      pollIntervalMs: 5,
      timeout: 30_000,
      onProgress: (r) => onState?.(r.state.life_cycle_state),
    });

  beforeAll(async () => {
    scripts = mkdtempSync(join(tmpdir(), 'emulator-scripts-'));
    remote = createGitRemote({
      'pipelines/train.py': 'import sys\nfrom lib.greeting import hello\nprint(hello(sys.argv[1]))\n',
      'lib/__init__.py': '',
      'lib/greeting.py': 'def hello(name):\n    return f"hello {name} from git"\n',
    });
    emulator = await startEmulator({ runner: { tickMs: 40 }, gitRemotes: { [GIT_URL]: remote.bare } });
    db = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(scripts, { recursive: true, force: true });
    remote.remove();
  });

  it('runs a spark_python_task through the whole life cycle with task and job parameters as argv', async () => {
    const file = script(
      'write.py',
      [
        'import os, sys, json',
        'out = sys.argv[2]',
        'os.makedirs(os.path.dirname(out), exist_ok=True)',
        'open(out, "w").write(json.dumps({"argv": sys.argv[1:], "host": os.environ["DATABRICKS_HOST"]}))',
        'print("wrote", len(sys.argv) - 1, "args")',
      ].join('\n'),
    );
    const { job_id } = await db.jobs.create({
      name: 'write-job',
      tasks: [
        python('write', file, [
          '--date={{job.parameters.date}}',
          '/Volumes/main/fraud/out/{{job.run_id}}.json',
          '{{task.name}}',
        ]),
      ],
      parameters: [{ name: 'date', default: '2024-01-01' }],
    });
    const { run_id } = await db.jobs.runNow({ job_id, job_parameters: { date: '2024-06-30' } });
    const states: RunLifeCycleState[] = [];
    const run = await wait(run_id, (s) => states.at(-1) !== s && states.push(s));
    // Polls see the states in life-cycle order (a busy machine may poll past a short one) …
    const order: RunLifeCycleState[] = ['PENDING', 'RUNNING', 'TERMINATING', 'TERMINATED'];
    expect(states.map((s) => order.indexOf(s))).toEqual([...states.map((s) => order.indexOf(s))].sort());
    expect(states.at(-1)).toBe('TERMINATED');
    // … and the durations prove each phase happened: PENDING and TERMINATING last one tick (40 ms) each.
    expect(run.setup_duration).toBeGreaterThanOrEqual(39);
    expect(run.cleanup_duration).toBeGreaterThanOrEqual(39);
    expect(run.execution_duration).toBeGreaterThan(0);
    expect(run.state).toEqual({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: '' });
    expect(run.status).toEqual({
      state: 'TERMINATED',
      termination_details: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
    });
    expect(run.job_parameters).toEqual([{ name: 'date', default: '2024-01-01', value: '2024-06-30' }]);
    expect(run.tasks?.[0]).toMatchObject({ task_key: 'write', state: { result_state: 'SUCCESS' } });

    // The task wrote to the volume's local directory; the Files API serves the same file.
    const download = await db.files.download(`/Volumes/main/fraud/out/${run_id}.json`);
    const written = JSON.parse(await new Response(download.body).text()) as {
      argv: string[];
      host: string;
    };
    expect(written).toEqual({
      argv: ['--date=2024-06-30', join(emulator.volumesRoot, 'main/fraud/out', `${run_id}.json`), 'write'],
      host: emulator.url,
    });
    const output = await db.jobs.getRunOutput(taskOf(run, 0).run_id);
    expect(output.logs).toBe('wrote 3 args\n');
    expect(output.error).toBeUndefined();
    expect(output.metadata).toMatchObject({ run_id: taskOf(run, 0).run_id, task_key: 'write', job_id });
  });

  it('runs a task on an existing cluster it knows, and refuses one that does not exist as the service does', async () => {
    const file = script('on-cluster.py', 'print("on the cluster")\n');
    const onCluster = (clusterId: string): JobTask => ({
      task_key: 'c',
      spark_python_task: { python_file: file },
      existing_cluster_id: clusterId,
    });
    const { run_id } = await db.jobs.submit({ run_name: 'on-cluster', tasks: [onCluster(DEFAULT_CLUSTER_ID)] });
    expect((await wait(run_id)).state.result_state).toBe('SUCCESS');

    const submitted = db.jobs.submit({ run_name: 'nowhere', tasks: [onCluster('0101-999999-nosuchcl')] });
    await expect(submitted).rejects.toBeInstanceOf(BadRequest);
    await expect(submitted).rejects.toMatchObject({
      status: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: 'Cluster 0101-999999-nosuchcl does not exist',
    });
    await expect(db.jobs.create({ name: 'nowhere', tasks: [onCluster('0101-999999-nosuchcl')] })).rejects.toMatchObject(
      {
        errorCode: 'INVALID_PARAMETER_VALUE',
        message: 'Cluster 0101-999999-nosuchcl does not exist',
      },
    );
  });

  it('reports a failing script with its exception, traceback and logs', async () => {
    const file = script(
      'fail.py',
      'print("checking amounts")\ndef check(x):\n    raise ValueError(f"bad amount {x}")\ncheck(-3)\n',
    );
    const { run_id } = await db.jobs.submit({ run_name: 'fails', tasks: [python('check', file)] });
    const run = await wait(run_id);
    expect(run.state).toEqual({
      life_cycle_state: 'TERMINATED',
      result_state: 'FAILED',
      state_message: 'Task check failed with message: ValueError: bad amount -3',
    });
    expect(run.status?.termination_details).toEqual({
      code: 'RUN_EXECUTION_ERROR',
      type: 'CLIENT_ERROR',
      message: 'Task check failed with message: ValueError: bad amount -3',
    });
    const output = await db.jobs.getRunOutput(run_id); // a single-task run answers for its task
    expect(output.error).toBe('ValueError: bad amount -3');
    expect(output.error_trace).toMatch(
      /^Traceback \(most recent call last\):\n {2}File ".*fail\.py", line 4, in <module>/,
    );
    expect(output.logs).toContain('checking amounts\n');
  });

  it('cancels a running task (killing its process) and times out a run that runs too long', async () => {
    const sleeper = script('sleep.py', 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n');
    const { run_id } = await db.jobs.submit({ run_name: 'cancel-me', tasks: [python('sleep', sleeper)] });
    const controller = new AbortController();
    await db
      .waitForRun(run_id, {
        pollIntervalMs: 5,
        signal: controller.signal,
        onProgress: (r) => r.state.life_cycle_state === 'RUNNING' && controller.abort(),
      })
      .catch(() => undefined);
    const started = Date.now();
    await db.jobs.cancelRun(run_id);
    const cancelled = await wait(run_id);
    expect(Date.now() - started).toBeLessThan(30_000); // the task sleeps 60 s: cancelling ended it, not the task
    expect(cancelled.state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'CANCELED',
      user_cancelled_or_timedout: true,
    });
    expect(cancelled.status?.termination_details?.code).toBe('USER_CANCELED');
    await db.jobs.cancelRun(run_id); // cancelling a finished run is a no-op

    const timed = await db.jobs.submit({ run_name: 'too-slow', timeout_seconds: 1, tasks: [python('sleep', sleeper)] });
    const timedOut = await wait(timed.run_id);
    expect(timedOut.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'TIMEDOUT' });
    expect((await db.jobs.getRunOutput(timed.run_id)).logs).toBe('sleeping\n');
  });

  it('runs a sql_task file on DuckDB with :named parameters (job parameters pushed down)', async () => {
    const sql = script(
      'daily.sql',
      [
        '-- totals per customer: the comment mentions :not_a_param',
        'CREATE OR REPLACE TABLE tx AS SELECT * FROM (VALUES (1, 10.5), (1, 4.5), (2, 99.0)) t(customer_id, amount);',
        "SELECT customer_id, sum(amount)::DOUBLE AS total, ':label' AS label FROM tx WHERE amount >= :min_amount::DOUBLE GROUP BY customer_id ORDER BY customer_id;",
      ].join('\n'),
    );
    const { job_id } = await db.jobs.create({
      name: 'sql-job',
      tasks: [
        {
          task_key: 'totals',
          sql_task: { warehouse_id: 'fraudops-local', file: { path: sql }, parameters: { min_amount: '1' } },
        },
      ],
      parameters: [{ name: 'min_amount', default: '5' }],
    });
    const run = await wait((await db.jobs.runNow({ job_id })).run_id);
    expect(run.state.result_state).toBe('SUCCESS');
    const output = await db.jobs.getRunOutput(taskOf(run, 0).run_id);
    expect(output.logs).toBe(
      [
        'statement 1: 1 row',
        'statement 2: 2 rows',
        'columns: customer_id, total, label',
        '{"customer_id":1,"total":10.5,"label":":label"}',
        '{"customer_id":2,"total":99,"label":":label"}',
      ].join('\n'),
    );
    expect(output.sql_output).toEqual({
      query_output: { query_text: sql, warehouse_id: 'fraudops-local', output_link: '' },
    });

    const broken = script('broken.sql', 'SELECT * FROM no_such_table;');
    const failed = await wait(
      (await db.jobs.submit({ tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'w', file: { path: broken } } }] }))
        .run_id,
    );
    expect(failed.state.result_state).toBe('FAILED');
    expect((await db.jobs.getRunOutput(failed.run_id)).error).toMatch(
      /^Catalog Error: Table with name no_such_table does not exist!/,
    );
  });

  it('refuses task types it cannot run with INVALID_PARAMETER_VALUE naming the task', async () => {
    const error = await db.jobs
      .create({ name: 'nb', tasks: [{ task_key: 'nb', notebook_task: { notebook_path: '/Users/me/nb' } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(error).toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message:
        'Task nb: notebook_task is not supported by the fraudops Databricks emulator, which runs spark_python_task and sql_task (file) tasks.',
    });
    await expect(
      db.jobs.submit({ tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'w', query: { query_id: 'q1' } } }] }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('sql_task.file tasks only'),
    });
  });

  it('starts one run per idempotency token', async () => {
    const file = script('ok.py', 'print("ok")\n');
    const { job_id } = await db.jobs.create({ name: 'idem', tasks: [python('ok', file)], queue: { enabled: true } });
    const first = await db.jobs.runNow({ job_id, idempotency_token: 'release-42' });
    const second = await db.jobs.runNow({ job_id, idempotency_token: 'release-42' });
    expect(second.run_id).toBe(first.run_id);
    expect((await collect(db.jobs.listRuns({ jobId: job_id }))).map((r) => r.run_id)).toEqual([first.run_id]);
    await wait(first.run_id);
  });

  it('runs tasks in dependency order and marks downstream tasks UPSTREAM_FAILED', async () => {
    const ok = script('a.py', 'print("a")\n');
    const bad = script('b.py', 'import sys\nsys.exit(3)\n');
    const { run_id } = await db.jobs.submit({
      tasks: [
        { ...python('c', ok), depends_on: [{ task_key: 'b' }] },
        python('a', ok),
        { ...python('b', bad), depends_on: [{ task_key: 'a' }] },
      ],
    });
    const run = await wait(run_id);
    const byKey = Object.fromEntries((run.tasks ?? []).map((t) => [t.task_key, t.state.result_state]));
    expect(byKey).toEqual({ a: 'SUCCESS', b: 'FAILED', c: 'UPSTREAM_FAILED' });
    expect(run.state.state_message).toBe('Task b failed with message: The process exited with code 3.');
    await expect(db.jobs.getRunOutput(run_id)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(/^Retrieving the output of runs with multiple tasks is not supported/),
    });
    const a = taskOf(run, 'a');
    expect((await db.jobs.getRunOutput(a.run_id)).logs).toBe('a\n');
    expect((await db.jobs.getRun(a.run_id)).task_key).toBe('a');
  });

  it('skips a run over the concurrency limit, or queues it when queueing is on', async () => {
    const slow = script('slow.py', 'import time\ntime.sleep(0.4)\n');
    const skipJob = await db.jobs.create({
      name: 'skip',
      tasks: [python('s', slow)],
      max_concurrent_runs: 1,
      queue: { enabled: false },
    });
    const r1 = await db.jobs.runNow({ job_id: skipJob.job_id });
    const r2 = await db.jobs.runNow({ job_id: skipJob.job_id });
    const skipped = await wait(r2.run_id);
    expect(skipped.state).toEqual({
      life_cycle_state: 'SKIPPED',
      result_state: 'MAXIMUM_CONCURRENT_RUNS_REACHED',
      state_message: 'Skipping this run because the limit of 1 maximum concurrent runs has been reached.',
    });
    expect((await wait(r1.run_id)).state.result_state).toBe('SUCCESS');

    const queueJob = await db.jobs.create({ name: 'queue', tasks: [python('s', slow)], queue: { enabled: true } });
    const q1 = await db.jobs.runNow({ job_id: queueJob.job_id });
    const q2 = await db.jobs.runNow({ job_id: queueJob.job_id });
    const states: RunLifeCycleState[] = [];
    const second = await wait(q2.run_id, (s) => states.at(-1) !== s && states.push(s));
    expect(states[0]).toBe('QUEUED');
    expect(second.state.result_state).toBe('SUCCESS');
    const first = await db.jobs.getRun(q1.run_id);
    expect(first.end_time).toBeLessThanOrEqual(taskOf(second, 0).start_time ?? 0);
  });

  it('runs a file from the job git_source at the pinned branch, with the checkout root importable', async () => {
    const { run_id } = await db.jobs.submit({
      git_source: { git_url: GIT_URL, git_provider: 'gitHub', git_branch: 'main' },
      tasks: [
        {
          task_key: 'train',
          spark_python_task: { python_file: 'pipelines/train.py', source: 'GIT', parameters: ['{{job.run_id}}'] },
        },
      ],
    });
    const run = await wait(run_id);
    expect(run.state.result_state).toBe('SUCCESS');
    expect((await db.jobs.getRunOutput(run_id)).logs).toBe(`hello ${run_id} from git\n`);
  });

  it('runs a file from a Git folder by its workspace path', async () => {
    await db.workspace.mkdirs('/Repos/ci');
    await db.repos.create({ url: GIT_URL, provider: 'gitHub', path: '/Repos/ci/jobs-repo' });
    const { run_id } = await db.jobs.submit({
      tasks: [python('train', '/Workspace/Repos/ci/jobs-repo/pipelines/train.py', ['folder'])],
    });
    await wait(run_id);
    expect((await db.jobs.getRunOutput(run_id)).logs).toBe('hello folder from git\n');
    // running it wrote no bytecode into the folder, which would make it dirty
    await db.repos.update((await db.repos.getByPath('/Repos/ci/jobs-repo')).id, { branch: 'main' });
  });

  it('fails a task whose file is missing or whose reference is unknown, saying which', async () => {
    const { run_id } = await db.jobs.submit({ tasks: [python('x', '/Repos/ci/nowhere/x.py')] });
    const run = await wait(run_id);
    expect(run.state.result_state).toBe('FAILED');
    expect((await db.jobs.getRunOutput(run_id)).error).toBe(
      `Cannot find the file /Repos/ci/nowhere/x.py (looked at ${join(emulator.workspaceRoot, 'Repos/ci/nowhere/x.py')}).`,
    );
    const ref = await wait(
      (await db.jobs.submit({ tasks: [python('y', script('y.py', ''), ['{{job.parameters.nope}}'])] })).run_id,
    );
    expect(ref.state.state_message).toMatch(
      /^Task y failed with message: Unknown dynamic value reference \{\{job\.parameters\.nope\}\}/,
    );
  });

  it('creates, lists, resets, updates and deletes jobs; missing jobs and runs are NotFound', async () => {
    const file = script('noop.py', '');
    const { job_id } = await db.jobs.create({ name: 'crud', tasks: [python('a', file)], tags: { team: 'fraud' } });
    expect((await db.jobs.get(job_id)).settings).toMatchObject({
      name: 'crud',
      max_concurrent_runs: 1,
      tags: { team: 'fraud' },
    });
    await db.jobs.reset(job_id, { name: 'crud-2', tasks: [python('b', file)] });
    expect((await db.jobs.get(job_id)).settings.tasks?.map((t) => t.task_key)).toEqual(['b']);
    await db.jobs.update(job_id, { timeout_seconds: 60 }, ['tags']);
    expect((await db.jobs.get(job_id)).settings).toMatchObject({ name: 'crud-2', timeout_seconds: 60 });
    expect((await collect(db.jobs.list({ name: 'crud-2' }))).map((j) => j.job_id)).toEqual([job_id]);
    await db.jobs.delete(job_id);
    await expect(db.jobs.get(job_id)).rejects.toBeInstanceOf(NotFound);
    await expect(db.jobs.getRun(999_999)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await expect(db.jobs.runNow({ job_id, job_parameters: {} })).rejects.toMatchObject({
      message: `Job ${job_id} does not exist.`,
    });
  });

  it('pages runs/list newest first with filters', async () => {
    const file = script('quick.py', '');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await db.jobs.submit({ run_name: `page-${i}`, tasks: [python('q', file)] })).run_id);
    await Promise.all(ids.map((id) => wait(id)));
    const all = await collect(db.jobs.listRuns({ pageSize: 2, completedOnly: true }));
    const mine = all.filter((r) => ids.includes(r.run_id)).map((r) => r.run_id);
    expect(mine).toEqual([...ids].reverse());
    expect(all.every((r) => ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(r.state.life_cycle_state))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});

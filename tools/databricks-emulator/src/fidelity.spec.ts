import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BadRequest, DatabricksClient, NotFound, collect, versionFilesPath, type JobTask } from '@fraudops/databricks';
import { startEmulator, type Emulator } from './index.js';
import { SIGNED_MLMODEL } from './testing/mlmodel.js';

// Where the service behaves differently from what a quick stand-in would do, and fraudops depends on it.

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('emulator fidelity', () => {
  let emulator: Emulator;
  let db: DatabricksClient;
  let scripts: string;
  const get = async (path: string) => {
    const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${emulator.token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = async (path: string, json: unknown) => {
    const response = await fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const python = (key: string, body: string): JobTask => {
    const file = join(scripts, `${key}.py`);
    writeFileSync(file, body);
    return { task_key: key, spark_python_task: { python_file: file } };
  };

  beforeAll(async () => {
    scripts = mkdtempSync(join(tmpdir(), 'fidelity-'));
    emulator = await startEmulator({ runner: { tickMs: 20 } });
    db = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
    await db.models.create({ catalog_name: 'main', schema_name: 'fraud', name: 'storage' });
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(scripts, { recursive: true, force: true });
  });

  it("keeps a version's files in its own storage under /Models, writable only while the version is pending", async () => {
    const created = await db.models.createVersion({ name: 'main.fraud.storage', source: 'models:/pending' });
    expect(created.status).toBe('PENDING_REGISTRATION');
    const root = versionFilesPath('main.fraud.storage', created.version);
    expect(root).toBe(`/Models/main/fraud/storage/${created.version}`);
    await db.files.upload(`${root}/MLmodel`, SIGNED_MLMODEL);
    await db.files.upload(`${root}/model.onnx`, Buffer.from([8, 8, 18, 4]));
    // The same bytes are in the directory storage_location names.
    expect(readFileSync(join(new URL(created.storage_location as string).pathname, 'MLmodel'), 'utf8')).toBe(
      SIGNED_MLMODEL,
    );
    expect((await collect(db.files.listDirectory(root))).map((e) => [e.name, e.path])).toEqual([
      ['MLmodel', `${root}/MLmodel`],
      ['model.onnx', `${root}/model.onnx`],
    ]);

    const ready = await db.models.finalizeVersion('main.fraud.storage', created.version);
    expect(ready.status).toBe('READY');
    await expect(db.files.upload(`${root}/model.onnx`, 'replaced', { overwrite: true })).rejects.toMatchObject({
      status: 400,
      errorCode: 'INVALID_STATE',
    });
    await expect(db.files.delete(`${root}/MLmodel`)).rejects.toMatchObject({ errorCode: 'INVALID_STATE' });
    expect(await text((await db.files.download(`${root}/MLmodel`)).body)).toBe(SIGNED_MLMODEL);
    await expect(db.files.upload('/Models/main/fraud/storage/99/MLmodel', SIGNED_MLMODEL)).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(db.files.upload('/Models/main/fraud/storage', 'x')).rejects.toBeInstanceOf(BadRequest);
  });

  it('refuses to finalize a version whose MLmodel lacks a signature with inputs and outputs', async () => {
    const attempt = async (mlmodel: string | undefined) => {
      const { version } = await db.models.createVersion({ name: 'main.fraud.storage', source: 'x' });
      if (mlmodel !== undefined)
        await db.files.upload(`${versionFilesPath('main.fraud.storage', version)}/MLmodel`, mlmodel);
      return db.models.finalizeVersion('main.fraud.storage', version).then(
        () => 'finalized',
        (error: Error) => error.message,
      );
    };
    expect(await attempt(undefined)).toMatch(
      /cannot be finalized: its storage has no MLmodel file\. All models in the Unity Catalog must be logged with a model signature/,
    );
    expect(await attempt('flavors:\n  onnx: {data: model.onnx}\n')).toMatch(/its MLmodel has no signature/);
    expect(await attempt(SIGNED_MLMODEL.replace(/ {2}outputs: .*\n/, ''))).toMatch(
      /its MLmodel signature lacks inputs or outputs/,
    );
    expect(await attempt(SIGNED_MLMODEL.replace(/outputs: '.*'/, "outputs: '[]'"))).toMatch(/lacks inputs or outputs/);
    expect(await attempt('signature: [unclosed')).toMatch(/its MLmodel is not YAML/);
    expect(await attempt(SIGNED_MLMODEL)).toBe('finalized');
    // The refused versions stay pending: readers never see them.
    const statuses = (await collect(db.models.listVersions('main.fraud.storage'))).map((v) => v.status);
    expect(statuses.filter((s) => s === 'PENDING_REGISTRATION')).toHaveLength(5);
  });

  it('records MLflow tags at create and shows them through the MLflow endpoint', async () => {
    const created = await db.models.createVersion({
      name: 'main.fraud.storage',
      source: 's',
      tags: [
        { key: 'git_commit', value: 'abc1234' },
        { key: 'metric.auc_roc', value: '0.87' },
      ],
    });
    expect((await db.models.getMlflowVersion('main.fraud.storage', created.version)).tags).toEqual([
      { key: 'git_commit', value: 'abc1234' },
      { key: 'metric.auc_roc', value: '0.87' },
    ]);
    await expect(
      db.models.createVersion({ name: 'main.fraud.storage', source: 's', tags: [{ key: '', value: 'x' }] }),
    ).rejects.toBeInstanceOf(BadRequest);
  });

  it('returns aliases of a model or version only when include_aliases=true', async () => {
    const { version } = await db.models.createVersion({ name: 'main.fraud.storage', source: 's' });
    await db.files.upload(`${versionFilesPath('main.fraud.storage', version)}/MLmodel`, SIGNED_MLMODEL);
    await db.models.finalizeVersion('main.fraud.storage', version);
    await db.models.setAlias('main.fraud.storage', 'champion', Number(version));
    const plain = await get('/api/2.1/unity-catalog/models/main.fraud.storage');
    expect(plain.body['full_name']).toBe('main.fraud.storage');
    expect(plain.body).not.toHaveProperty('aliases');
    const withAliases = await get('/api/2.1/unity-catalog/models/main.fraud.storage?include_aliases=true');
    expect(withAliases.body['aliases']).toEqual([{ alias_name: 'champion', version_num: Number(version) }]);
    expect((await get(`/api/2.1/unity-catalog/models/main.fraud.storage/versions/${version}`)).body).not.toHaveProperty(
      'aliases',
    );
    expect((await db.models.get('main.fraud.storage')).aliases).toEqual([
      { alias_name: 'champion', version_num: Number(version) },
    ]);
  });

  it('queues runs of jobs created through API 2.2 by default (2.1 skips them)', async () => {
    const release = join(scripts, 'queue-release');
    const settings = {
      name: 'queued-by-default',
      max_concurrent_runs: 1,
      // The task runs until the test writes the release file: the first run is still active when the second
      // one arrives, however loaded the machine (the task gives up after 120 s, failing the test).
      tasks: [
        python(
          'held',
          `import os, time\ndeadline = time.time() + 120\nwhile not os.path.exists(${JSON.stringify(release)}):\n    if time.time() > deadline: raise SystemExit('never released')\n    time.sleep(0.01)\n`,
        ),
      ],
    };
    const v22 = await post('/api/2.2/jobs/create', settings);
    const v21 = await post('/api/2.1/jobs/create', { ...settings, name: 'skipped-by-default' });
    expect((await db.jobs.get(v22.body['job_id'] as number)).settings.queue).toEqual({ enabled: true });
    expect((await db.jobs.get(v21.body['job_id'] as number)).settings.queue).toBeUndefined();

    const wait = (runId: number) => db.waitForRun(runId, { pollIntervalMs: 5, timeout: 30_000 });
    const first = await db.jobs.runNow({ job_id: v22.body['job_id'] as number });
    const second = await db.jobs.runNow({ job_id: v22.body['job_id'] as number });
    writeFileSync(release, '');
    expect((await wait(second.run_id)).state.result_state).toBe('SUCCESS');
    expect((await wait(first.run_id)).state.result_state).toBe('SUCCESS');
    rmSync(release);
    const a = await db.jobs.runNow({ job_id: v21.body['job_id'] as number });
    const b = await db.jobs.runNow({ job_id: v21.body['job_id'] as number });
    expect((await wait(b.run_id)).state.result_state).toBe('MAXIMUM_CONCURRENT_RUNS_REACHED');
    writeFileSync(release, '');
    await wait(a.run_id);
  });

  it('keeps the last 5 MB of a task log in runs/get-output', async () => {
    const task = python(
      'loud',
      [
        'import sys',
        'print("FIRST LINE")',
        'for i in range(7000):',
        '    sys.stdout.write("%06d " % i + "x" * 1017 + "\\n")',
        'print("LAST LINE")',
      ].join('\n'),
    );
    const { run_id } = await db.jobs.submit({ run_name: 'loud', tasks: [task] });
    const run = await db.waitForRun(run_id, { pollIntervalMs: 5, timeout: 60_000 });
    const output = await db.jobs.getRunOutput(run.tasks?.[0]?.run_id as number);
    const logs = output.logs ?? '';
    expect(output.logs_truncated).toBe(true);
    expect(Buffer.byteLength(logs)).toBe(5 * 1024 * 1024);
    expect(logs.endsWith('LAST LINE\n')).toBe(true);
    expect(logs).not.toContain('FIRST LINE');
    expect(logs).toContain('006999 ');
  });

  it('merges tasks by task_key in jobs/update, and removes one with fields_to_remove', async () => {
    const a = python('a', '');
    const b = python('b', '');
    const { job_id } = await db.jobs.create({ name: 'merge', tasks: [a, b] });
    await db.jobs.update(job_id, { tasks: [{ ...b, timeout_seconds: 60 }, python('c', '')] });
    const tasks = (await db.jobs.get(job_id)).settings.tasks ?? [];
    expect(tasks.map((t) => [t.task_key, t.timeout_seconds])).toEqual([
      ['a', undefined],
      ['b', 60],
      ['c', undefined],
    ]);
    await db.jobs.update(job_id, {}, ['tasks/a']);
    expect((await db.jobs.get(job_id)).settings.tasks?.map((t) => t.task_key)).toEqual(['b', 'c']);
    await expect(db.jobs.update(job_id, {}, ['name/x'])).rejects.toBeInstanceOf(BadRequest);
  });
});

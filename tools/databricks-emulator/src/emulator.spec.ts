import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DBSQLClient } from '@databricks/sql';
import { DatabricksClient } from '@fraudops/databricks';
import { startEmulator } from './index.js';
import { createGitRemote } from './testing/git-remote.js';

describe('startEmulator', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps jobs, Git folders and models in the state file across restarts; active runs come back INTERNAL_ERROR', async () => {
    const remote = createGitRemote();
    const stateFile = join(dir, 'state.json');
    const script = join(dir, 'slow.py');
    writeFileSync(script, 'import time\ntime.sleep(30)\n');
    const first = await startEmulator({
      stateFile,
      gitRemotes: { 'https://github.com/acme/x.git': remote.bare },
      runner: { tickMs: 5 },
    });
    const db1 = DatabricksClient.fromEnvironment({ host: first.url, token: first.token, env: {} });
    const { job_id } = await db1.jobs.create({
      name: 'kept',
      tasks: [{ task_key: 't', spark_python_task: { python_file: script } }],
    });
    await db1.workspace.mkdirs('/Repos/ci');
    const repo = await db1.repos.create({
      url: 'https://github.com/acme/x.git',
      provider: 'gitHub',
      path: '/Repos/ci/x',
    });
    await db1.models.create({ catalog_name: 'main', schema_name: 'fraud', name: 'm' });
    const { run_id } = await db1.jobs.runNow({ job_id });
    await db1
      .waitForRun(run_id, { pollIntervalMs: 5, onProgress: () => undefined, timeout: 50 })
      .catch(() => undefined);
    // Simulate a crash: the state file is what a killed emulator leaves behind (flushed each change).
    const snapshot = readFileSync(stateFile, 'utf8');
    await first.close();
    writeFileSync(stateFile, snapshot);

    const second = await startEmulator({ stateFile, gitRemotes: { 'https://github.com/acme/x.git': remote.bare } });
    const db2 = DatabricksClient.fromEnvironment({ host: second.url, token: second.token, env: {} });
    expect((await db2.jobs.get(job_id)).settings.name).toBe('kept');
    expect(await db2.repos.getByPath('/Repos/ci/x')).toMatchObject({ id: repo.id, branch: 'main' });
    expect((await db2.models.get('main.fraud.m')).full_name).toBe('main.fraud.m');
    const run = await db2.jobs.getRun(run_id);
    expect(run.state).toEqual({
      life_cycle_state: 'INTERNAL_ERROR',
      state_message: 'The emulator stopped while this run was active.',
    });
    const { job_id: next } = await db2.jobs.create({
      name: 'after',
      tasks: [{ task_key: 't', spark_python_task: { python_file: script } }],
    });
    expect(next).toBeGreaterThan(run_id); // ids keep counting from where they were
    await second.close();
    remote.remove();
  });

  it('starts the SQL warehouse beside the REST API, answering the real driver with the same tokens', async () => {
    const emulator = await startEmulator({ sqlWarehouse: { warehouseId: 'wh-test' } });
    try {
      const sql = emulator.sqlWarehouse;
      if (!sql) throw new Error('no SQL warehouse');
      expect(sql).toMatchObject({ host: '127.0.0.1', path: '/sql/1.0/warehouses/wh-test', warehouseId: 'wh-test' });
      expect(sql.port).not.toBe(emulator.port);
      const client = new DBSQLClient({ logger: { log: () => undefined } });
      await client.connect({
        host: sql.host,
        port: sql.port,
        path: sql.path,
        token: emulator.token,
        customCaCert: sql.certificatePem,
        telemetryEnabled: false,
      });
      const session = await client.openSession();
      const operation = await session.executeStatement('SELECT 40 + 2 AS answer');
      expect(await operation.fetchAll()).toEqual([{ answer: 42 }]);
      await operation.close();
      await session.close();
      await client.close();
    } finally {
      await emulator.close();
    }
  });
});

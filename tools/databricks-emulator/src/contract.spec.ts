import { Readable } from 'node:stream';
import {
  DatabricksClient,
  NotFound,
  PermissionDenied,
  Unauthenticated,
  collect,
  resolveConfig,
  type JobSettings,
} from '@fraudops/databricks';
import { startEmulator, type Emulator } from './index.js';

/**
 * One contract, two workspaces: every test below runs against the emulator always, and against a real
 * workspace when DATABRICKS_HOST and credentials are set. Against a real workspace the Files and Unity
 * Catalog parts also need DATABRICKS_CONTRACT_VOLUME (`/Volumes/<catalog>/<schema>/<volume>`) and
 * DATABRICKS_CONTRACT_SCHEMA (`<catalog>.<schema>`), where the suite may create and delete things.
 */
interface Target {
  name: string;
  start(): Promise<{ db: DatabricksClient; volume?: string; schema?: string; host: string; stop: () => Promise<void> }>;
}

const env = process.env;
const realConfigured = Boolean(
  env['DATABRICKS_HOST'] &&
  (env['DATABRICKS_TOKEN'] || (env['DATABRICKS_CLIENT_ID'] && env['DATABRICKS_CLIENT_SECRET'])),
);

const emulatorTarget: Target = {
  name: 'emulator',
  start: async () => {
    const emulator: Emulator = await startEmulator();
    return {
      db: DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} }),
      volume: '/Volumes/main/contract/scratch',
      schema: 'main.contract',
      host: emulator.url,
      stop: () => emulator.close(),
    };
  },
};

const realTarget: Target = {
  name: 'real workspace',
  start: async () => {
    const db = DatabricksClient.fromEnvironment({ product: 'fraudops-contract-tests' });
    return {
      db,
      volume: env['DATABRICKS_CONTRACT_VOLUME'],
      schema: env['DATABRICKS_CONTRACT_SCHEMA'],
      host: db.config.host,
      stop: async () => undefined,
    };
  },
};

if (!realConfigured) {
  describe('contract: real workspace', () => {
    it.skip('skipped: set DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID/_SECRET) to run the contract suite against a real workspace', () =>
      undefined);
  });
  // Said out loud as well, so a CI log shows which workspaces the contract was checked against.
  console.info(
    'contract suite: real workspace skipped (DATABRICKS_HOST and credentials are not set); running against the emulator only.',
  );
}

const unique = `fraudops_contract_${Date.now().toString(36)}`;

describe.each(realConfigured ? [emulatorTarget, realTarget] : [emulatorTarget])('contract: $name', (target) => {
  let db: DatabricksClient;
  let volume: string | undefined;
  let schema: string | undefined;
  let host: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, volume, schema, host, stop } = await target.start());
  });
  afterAll(async () => stop());

  it('resolves a folder through get-status and answers NotFound for a missing path', async () => {
    expect(await db.workspace.getStatus('/Shared')).toMatchObject({ object_type: 'DIRECTORY', path: '/Shared' });
    const missing = await db.workspace.getStatus(`/Shared/${unique}/missing`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });

  it('maps the 400 for a missing job or run to NotFound', async () => {
    for (const missing of [db.jobs.get(987_654_321_012), db.jobs.getRun(987_654_321_013)]) {
      const error = await missing.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFound);
      expect(error).toMatchObject({
        status: 400,
        code: 'RESOURCE_DOES_NOT_EXIST',
        errorCode: 'INVALID_PARAMETER_VALUE',
      });
    }
  });

  it('creates, reads, lists, resets and deletes a job', async () => {
    const settings: JobSettings = {
      name: unique,
      tasks: [
        {
          task_key: 'noop',
          spark_python_task: { python_file: '/Shared/fraudops/noop.py' },
          environment_key: 'default',
        },
      ],
      environments: [{ environment_key: 'default', spec: { client: '1' } }],
      max_concurrent_runs: 1,
    };
    const { job_id } = await db.jobs.create(settings);
    try {
      const job = await db.jobs.get(job_id);
      expect(job.settings.name).toBe(unique);
      expect(job.settings.tasks?.map((t) => t.task_key)).toEqual(['noop']);
      expect((await collect(db.jobs.list({ name: unique }))).map((j) => j.job_id)).toEqual([job_id]);
      await db.jobs.reset(job_id, { ...settings, name: `${unique}_reset` });
      expect((await db.jobs.get(job_id)).settings.name).toBe(`${unique}_reset`);
      expect(Array.isArray(await collect(db.jobs.listRuns({ jobId: job_id })))).toBe(true);
    } finally {
      await db.jobs.delete(job_id);
    }
    await expect(db.jobs.get(job_id)).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a bad token with 401 or 403', async () => {
    const bad = DatabricksClient.fromEnvironment({ host, token: 'dapi-not-a-real-token', env: {} });
    const error = await bad.workspace.getStatus('/Shared').catch((e: unknown) => e);
    expect(error instanceof Unauthenticated || error instanceof PermissionDenied).toBe(true);
  });

  it('round-trips a file through a volume: upload, metadata, download, listing, delete', async () => {
    if (!volume)
      return void console.info(
        `contract (${target.name}): Files API part skipped, DATABRICKS_CONTRACT_VOLUME not set.`,
      );
    const dir = `${volume}/${unique}`;
    const path = `${dir}/hello.txt`;
    await db.files.upload(path, Readable.from(['hello ', 'volume']), { overwrite: true });
    try {
      expect(await db.files.getMetadata(path)).toMatchObject({ contentLength: 12 });
      const chunks: Buffer[] = [];
      for await (const c of (await db.files.download(path)).body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('hello volume');
      expect((await collect(db.files.listDirectory(dir))).map((e) => e.name)).toEqual(['hello.txt']);
    } finally {
      await db.files.delete(path);
      await db.files.deleteDirectory(dir);
    }
    await expect(db.files.getMetadata(path)).rejects.toBeInstanceOf(NotFound);
  });

  it('creates and deletes a Unity Catalog model; a missing version is NotFound', async () => {
    if (!schema)
      return void console.info(
        `contract (${target.name}): Unity Catalog part skipped, DATABRICKS_CONTRACT_SCHEMA not set.`,
      );
    const [catalog, schemaName] = schema.split('.');
    const model = await db.models.create({ catalog_name: catalog, schema_name: schemaName, name: unique });
    try {
      expect(model.full_name).toBe(`${schema}.${unique}`);
      expect((await db.models.get(model.full_name)).name).toBe(unique);
      await expect(db.models.getVersion(model.full_name, 99)).rejects.toBeInstanceOf(NotFound);
      await expect(db.models.getByAlias(model.full_name, 'champion')).rejects.toBeInstanceOf(NotFound);
    } finally {
      await db.models.delete(model.full_name);
    }
  });
});

describe('contract configuration', () => {
  it('reads the real workspace from the same settings the client uses', () => {
    if (!realConfigured) {
      expect(() => resolveConfig({ env: {}, homeDir: '/nonexistent-home' })).toThrow(
        /default auth: cannot configure default credentials/,
      );
      return;
    }
    expect(resolveConfig().host).toMatch(/^https?:\/\//);
  });
});

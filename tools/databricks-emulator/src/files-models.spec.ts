import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  BadRequest,
  DatabricksClient,
  NotFound,
  ResourceConflict,
  collect,
  versionFilesPath,
} from '@fraudops/databricks';
import { startEmulator, type Emulator } from './index.js';
import { SIGNED_MLMODEL } from './testing/mlmodel.js';

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('Files API over a local directory', () => {
  let emulator: Emulator;
  let db: DatabricksClient;
  let local: string;
  beforeAll(async () => {
    emulator = await startEmulator();
    db = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
    local = mkdtempSync(join(tmpdir(), 'files-'));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(local, { recursive: true, force: true });
  });

  it('uploads a stream and a file, downloads whole and by range, and reports metadata', async () => {
    await db.files.upload('/Volumes/main/fraud/raw/a b.csv', Readable.from(['id,amount\n', '1,10\n']));
    expect(readFileSync(emulator.localPath('/Volumes/main/fraud/raw/a b.csv'), 'utf8')).toBe('id,amount\n1,10\n');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    writeFileSync(join(local, 'big.bin'), big);
    await db.files.uploadFromFile(join(local, 'big.bin'), '/Volumes/main/fraud/raw/big.bin');
    await db.files.downloadToFile('/Volumes/main/fraud/raw/big.bin', join(local, 'back.bin'));
    expect(readFileSync(join(local, 'back.bin')).equals(big)).toBe(true);

    const part = await db.files.download('/Volumes/main/fraud/raw/a b.csv', { range: { start: 3, end: 8 } });
    expect(part.status).toBe(206);
    expect(await text(part.body)).toBe('amount');
    expect(await db.files.getMetadata('/Volumes/main/fraud/raw/a b.csv')).toMatchObject({
      contentLength: 15,
      contentType: 'application/octet-stream',
    });
  });

  it('refuses to overwrite unless asked, and says NotFound for missing files', async () => {
    await db.files.upload('/Volumes/main/fraud/raw/x.txt', 'one');
    await expect(db.files.upload('/Volumes/main/fraud/raw/x.txt', 'two')).rejects.toBeInstanceOf(ResourceConflict);
    await db.files.upload('/Volumes/main/fraud/raw/x.txt', 'two', { overwrite: true });
    expect(await text((await db.files.download('/Volumes/main/fraud/raw/x.txt')).body)).toBe('two');
    await db.files.delete('/Volumes/main/fraud/raw/x.txt');
    await expect(db.files.getMetadata('/Volumes/main/fraud/raw/x.txt')).rejects.toBeInstanceOf(NotFound);
    await expect(db.files.download('/Volumes/main/fraud/raw/x.txt')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'The file being accessed is not found.',
    });
    await expect(db.files.upload('/Volumes/main/too-short', 'x')).rejects.toBeInstanceOf(BadRequest);
  });

  it('creates, lists across pages and deletes directories', async () => {
    await db.files.createDirectory('/Volumes/main/fraud/listing/sub');
    for (const name of ['c.txt', 'a.txt', 'b.txt']) await db.files.upload(`/Volumes/main/fraud/listing/${name}`, name);
    const entries = await collect(db.files.listDirectory('/Volumes/main/fraud/listing', { pageSize: 2 }));
    expect(entries.map((e) => [e.path, e.is_directory, e.file_size])).toEqual([
      ['/Volumes/main/fraud/listing/a.txt', false, 5],
      ['/Volumes/main/fraud/listing/b.txt', false, 5],
      ['/Volumes/main/fraud/listing/c.txt', false, 5],
      ['/Volumes/main/fraud/listing/sub/', true, undefined],
    ]);
    expect(await db.files.directoryExists('/Volumes/main/fraud/listing/sub')).toBe(true);
    await expect(db.files.deleteDirectory('/Volumes/main/fraud/listing')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
    await db.files.deleteDirectory('/Volumes/main/fraud/listing/sub');
    expect(await db.files.directoryExists('/Volumes/main/fraud/listing/sub')).toBe(false);
    await expect(collect(db.files.listDirectory('/Volumes/main/fraud/none'))).rejects.toBeInstanceOf(NotFound);
  });
});

/** create → MLmodel into the version's own storage → finalize, as MLflow's client registers a version. */
async function registerVersion(db: DatabricksClient, name: string, extra: { run_id?: string } = {}) {
  const created = await db.models.createVersion({ name, source: 'pending', ...extra });
  await db.files.upload(`${versionFilesPath(name, created.version)}/MLmodel`, SIGNED_MLMODEL);
  return db.models.finalizeVersion(name, created.version);
}

describe('Unity Catalog models and aliases', () => {
  let emulator: Emulator;
  let db: DatabricksClient;
  beforeAll(async () => {
    emulator = await startEmulator();
    db = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
  });
  afterAll(async () => emulator.close());

  it('creates a model, registers versions, moves aliases and reads a version by alias', async () => {
    const model = await db.models.create({
      catalog_name: 'main',
      schema_name: 'fraud',
      name: 'detector',
      comment: 'card fraud',
    });
    expect(model).toMatchObject({ full_name: 'main.fraud.detector', aliases: [] });
    await expect(
      db.models.create({ catalog_name: 'main', schema_name: 'fraud', name: 'detector' }),
    ).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
    const v1 = await registerVersion(db, 'main.fraud.detector', { run_id: 'r1' });
    const v2 = await registerVersion(db, 'main.fraud.detector');
    expect([v1.version, v1.status, v2.version]).toEqual(['1', 'READY', '2']);
    expect(v1.storage_location).toMatch(/^file:\/\/.*\/uc-models\/main\.fraud\.detector\/1$/);

    expect(await db.models.setAlias('main.fraud.detector', 'champion', 1)).toEqual({
      alias_name: 'champion',
      version_num: 1,
    });
    await db.models.setAlias('main.fraud.detector', 'challenger', 2);
    expect(await db.models.getByAlias('main.fraud.detector', 'champion')).toMatchObject({
      model_name: 'detector',
      version: 1,
      run_id: 'r1',
      status: 'READY',
      aliases: [{ alias_name: 'champion', version_num: 1 }],
    });
    await db.models.setAlias('main.fraud.detector', 'champion', 2); // promotion moves the alias
    expect((await db.models.get('main.fraud.detector')).aliases).toEqual([
      { alias_name: 'challenger', version_num: 2 },
      { alias_name: 'champion', version_num: 2 },
    ]);
    await db.models.deleteAlias('main.fraud.detector', 'challenger');
    await expect(db.models.getByAlias('main.fraud.detector', 'challenger')).rejects.toBeInstanceOf(NotFound);
    expect(
      (await collect(db.models.listVersions('main.fraud.detector', { pageSize: 1 }))).map((v) => v.version),
    ).toEqual([2, 1]);
    expect((await db.models.getVersion('main.fraud.detector', 2)).aliases).toEqual([
      { alias_name: 'champion', version_num: 2 },
    ]);
  });

  it('answers NotFound for missing models and versions, and refuses reserved aliases', async () => {
    await expect(db.models.get('main.fraud.nope')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Routine or Model 'main.fraud.nope' does not exist.",
    });
    await db.models.create({ catalog_name: 'main', schema_name: 'fraud', name: 'other' });
    await expect(db.models.setAlias('main.fraud.other', 'champion', 7)).rejects.toBeInstanceOf(NotFound);
    await registerVersion(db, 'main.fraud.other');
    await expect(db.models.setAlias('main.fraud.other', 'latest', 1)).rejects.toBeInstanceOf(BadRequest);
    await expect(db.models.setAlias('main.fraud.other', 'v1', 1)).rejects.toBeInstanceOf(BadRequest);
  });
});

/**
 * End-to-end test of the registry's Unity Catalog backend (`libs/registry/src/unity-catalog.ts`) against this
 * emulator. It lives here, not in libs/registry, because a lib may not import a tool (module boundaries);
 * owned by the registry.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { collect, DatabricksClient, PermissionDenied, versionFilesPath } from '@fraudops/databricks';
import { logisticRegressionToOnnx } from '@fraudops/modeling';
import {
  openRegistry,
  RegistryError,
  UnityCatalogRegistry,
  type ModelCardDraft,
  type RegisterModelInput,
} from '@fraudops/registry';
import { startEmulator, type Emulator } from './index.js';
import { SIGNED_MLMODEL } from './testing/mlmodel.js';

const REGISTRY_URI = 'databricks-uc://main.fraud?volume=models&prefix=registry';
const VOLUME_DIR = '/Volumes/main/fraud/models/registry';
const FULL_NAME = 'main.fraud.fraud-detector';
/** A version's own storage, where its files are. */
const storage = (version: number) => versionFilesPath(FULL_NAME, version);

function cardDraft(description: string): ModelCardDraft {
  return {
    model: { algorithm: 'xgboost', producer: 'xgboost 1.7.4' },
    gitSha: '0c974d42b946b0526245ecec5bdfccd7623559fd',
    featureSpec: {
      name: 'handbook-baseline',
      hash: 'sha256:5d41402abc',
      features: ['tx_amount', 'customer_id_nb_tx_1day_window'],
    },
    trainingData: {
      fingerprint: 'sha256:0f343b09',
      train: { start: '2018-04-01', end: '2018-04-07' },
      test: { start: '2018-04-15', end: '2018-04-21' },
    },
    params: { max_depth: 6, eta: 0.1 },
    metrics: {
      average_precision: { value: 0.61, ci: { lower: 0.58, upper: 0.64, level: 0.95 } },
      card_precision_at_100: { value: 0.27 },
    },
    threshold: { value: 0.42, rule: 'budget:100', rationale: '100 alerts a day on the validation window' },
    driftBaseline: {
      version: 1,
      rows: 1000,
      bins: 10,
      score: { edges: [0.1, 0.5], proportions: [0.8, 0.15, 0.05] },
      features: { tx_amount: { edges: [20, 80], proportions: [0.3, 0.5, 0.2] } },
    },
    description,
  };
}

/** A real two-feature ONNX graph; the tag changes its bytes (metadata) and its weights. */
function onnxBytes(tag: string): Uint8Array {
  return logisticRegressionToOnnx(
    {
      kind: 'logistic_regression',
      featureCount: 2,
      weights: Float64Array.of(0.5, tag.length / 10),
      intercept: -3,
      mean: Float64Array.of(0, 0),
      scale: Float64Array.of(1, 1),
    },
    {
      featureNames: ['tx_amount', 'customer_id_nb_tx_1day_window'],
      featureSpecHash: 'sha256:5d41402abc',
      metadata: { tag },
    },
  );
}

// What MLflow sees in a version folder: MLmodel parsed as YAML (Debian's python3-yaml) and the ONNX graph's
// interface (python3-onnx), printed side by side.
const READ_AS_MLFLOW = `
import json, sys, yaml, onnx
mlmodel = yaml.safe_load(open(sys.argv[1] + "/MLmodel"))
graph = onnx.load(sys.argv[1] + "/" + mlmodel["flavors"]["onnx"]["data"]).graph
init = {t.name for t in graph.initializer}
dims = lambda v: [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]
print(json.dumps({
  "signature": [[t["name"], t["tensor-spec"]["shape"]] for side in ("inputs", "outputs") for t in json.loads(mlmodel["signature"][side])],
  "graph": [[v.name, dims(v)] for v in list(graph.input) + list(graph.output) if v.name not in init],
}))
`;

function input(tag: string, overrides: Partial<RegisterModelInput> = {}): RegisterModelInput {
  return {
    name: 'fraud-detector',
    onnx: onnxBytes(tag),
    card: cardDraft(tag),
    reports: ({ uri }) => ({ html: `<h1>${uri}</h1>`, markdown: `# ${uri} (${tag})\n` }),
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('registry: Unity Catalog backend against the emulator', () => {
  let emulator: Emulator;
  let client: DatabricksClient;
  let registry: UnityCatalogRegistry;

  beforeEach(async () => {
    emulator = await startEmulator();
    client = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
    registry = openRegistry(REGISTRY_URI, { databricks: client }) as UnityCatalogRegistry;
  });
  afterEach(() => emulator.close());

  it("registers versions as MLflow models in each version's own storage, with tags", async () => {
    expect(registry).toBeInstanceOf(UnityCatalogRegistry);
    expect(await registry.listModels()).toEqual([]);
    const first = await registry.register(input('first'));
    const second = await registry.register(input('second'));
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(second.uri).toBe('models:/fraud-detector/2');

    const uc = await client.models.getMlflowVersion(FULL_NAME, 2);
    expect(uc).toMatchObject({ status: 'READY', source: storage(2) });
    expect(uc.tags).toEqual([
      { key: 'feature_spec', value: 'handbook-baseline' },
      { key: 'feature_spec_hash', value: 'sha256:5d41402abc' },
      { key: 'git_commit', value: '0c974d42b946b0526245ecec5bdfccd7623559fd' },
      { key: 'metric.average_precision', value: '0.61' },
      { key: 'metric.card_precision_at_100', value: '0.27' },
      { key: 'threshold', value: '0.42' },
    ]);
    const local = emulator.localPath(storage(2));
    expect(local).toBe(new URL(uc.storage_location as string).pathname);
    expect((await readdir(local)).sort()).toEqual([
      'MLmodel',
      'card.json',
      'conda.yaml',
      'model.onnx',
      'python_env.yaml',
      'report.html',
      'report.md',
      'requirements.txt',
    ]);
    const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', READ_AS_MLFLOW, local]);
    const seen = JSON.parse(stdout) as { signature: unknown; graph: unknown };
    expect(seen.signature).toEqual(seen.graph);
    expect(seen.graph).toEqual([
      ['features', [-1, 2]],
      ['margin', [-1, 1]],
      ['probability', [-1, 1]],
    ]);
    expect(await readFile(`${local}/report.md`, 'utf8')).toBe('# models:/fraud-detector/2 (second)\n');
    const card = JSON.parse(await readFile(`${local}/card.json`, 'utf8'));
    expect(card).toMatchObject({ name: 'fraud-detector', version: 2, description: 'second' });
    expect(card.artifacts['model.onnx'].sha256).toBe(createHash('sha256').update(onnxBytes('second')).digest('hex'));

    const loaded = await registry.loadModel('models:/fraud-detector/latest');
    expect(loaded.version).toBe(2);
    expect(Buffer.from(loaded.onnx).equals(Buffer.from(onnxBytes('second')))).toBe(true);
    expect(new TextDecoder().decode(await registry.readArtifact('fraud-detector', 1, 'report.html'))).toBe(
      '<h1>models:/fraud-detector/1</h1>',
    );
    expect(await registry.listModels()).toEqual([{ name: 'fraud-detector', latestVersion: 2, aliases: {} }]);
    // A finalized version's storage is read-only.
    await expect(client.files.upload(`${storage(2)}/model.onnx`, 'x', { overwrite: true })).rejects.toMatchObject({
      errorCode: 'INVALID_STATE',
    });
  });

  it('still loads a version registered before, with its files in the volume', async () => {
    const current = await registry.register(input('current'));
    // Version 2 as the previous layout made it: source = the model's volume folder, files under versions/2.
    const { version } = await client.models.createVersion({ name: FULL_NAME, source: `${VOLUME_DIR}/fraud-detector` });
    const legacyCard = { ...current.card, version: 2, description: 'legacy' };
    const onnx = onnxBytes('legacy');
    legacyCard.artifacts = {
      'model.onnx': { sha256: createHash('sha256').update(onnx).digest('hex'), bytes: onnx.byteLength },
      'report.html': current.card.artifacts['report.html'],
      'report.md': current.card.artifacts['report.md'],
    };
    const dir = `${VOLUME_DIR}/fraud-detector/versions/2`;
    await client.files.upload(`${dir}/model.onnx`, onnx);
    await client.files.upload(`${dir}/card.json`, JSON.stringify(legacyCard));
    await client.files.upload(`${storage(2)}/MLmodel`, SIGNED_MLMODEL); // what the emulator needs to finalize
    await client.models.finalizeVersion(FULL_NAME, version);

    const loaded = await registry.loadModel('models:/fraud-detector/2');
    expect([loaded.card.description, Buffer.from(loaded.onnx).equals(Buffer.from(onnx))]).toEqual(['legacy', true]);
    expect(registry.versionDirectory('fraud-detector', 2)).toBe(dir);
    expect(registry.versionDirectory('fraud-detector', 1)).toBe(storage(1));
  });

  it('moves @champion and @challenger as Unity Catalog aliases, with history in the volume', async () => {
    for (const tag of ['a', 'b', 'c']) await registry.register(input(tag));
    expect(await registry.getAlias('fraud-detector', 'champion')).toBeUndefined();
    await registry.setAlias('fraud-detector', 'champion', 1);
    await registry.setAlias('fraud-detector', 'challenger', 3, { reason: 'gate failed' });
    const promoted = await registry.setAlias('fraud-detector', 'champion', 2, { reason: 'gate passed' });
    expect(promoted).toMatchObject({
      alias: 'champion',
      action: 'set',
      version: 2,
      previous: 1,
      reason: 'gate passed',
    });

    // Unity Catalog itself holds the aliases: any MLflow or Databricks client sees them.
    const uc = await client.models.get('main.fraud.fraud-detector');
    expect(uc.aliases).toEqual([
      { alias_name: 'challenger', version_num: 3 },
      { alias_name: 'champion', version_num: 2 },
    ]);
    expect(await registry.aliases('fraud-detector')).toEqual({ challenger: 3, champion: 2 });
    const champion = await registry.resolve('models:/fraud-detector@champion');
    expect([champion.version, champion.aliases, champion.card.description]).toEqual([2, ['champion'], 'b']);
    expect((await registry.listVersions('fraud-detector')).map((v) => [v.version, v.aliases])).toEqual([
      [1, []],
      [2, ['champion']],
      [3, ['challenger']],
    ]);

    expect(await registry.deleteAlias('fraud-detector', 'challenger')).toMatchObject({
      action: 'delete',
      previous: 3,
      version: null,
    });
    expect(await registry.deleteAlias('fraud-detector', 'challenger')).toBeUndefined();
    expect(
      (await registry.aliasHistory('fraud-detector')).map((e) => [e.alias, e.action, e.previous, e.version]),
    ).toEqual([
      ['champion', 'set', null, 1],
      ['challenger', 'set', null, 3],
      ['champion', 'set', 1, 2],
      ['challenger', 'delete', 3, null],
    ]);
    expect((await rejection(registry.resolve('models:/fraud-detector@challenger'))).code).toBe('ALIAS_NOT_FOUND');
  });

  it('gives concurrent registrations distinct numbers', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => registry.register(input(`w${i}`))));
    const numbers = results.map((r) => r.version).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(8);
    expect(numbers[0]).toBe(1);
    // A registration whose predicted number was taken leaves that version pending (its source names another
    // version's storage) and tries the next: only the eight registered ones are READY, each with its own source.
    const all = await collect(client.models.listVersions(FULL_NAME));
    expect(
      all
        .filter((v) => v.status === 'READY')
        .map((v) => v.version)
        .sort((a, b) => a - b),
    ).toEqual(numbers);
    for (const v of all.filter((v) => v.status === 'READY')) expect(v.source).toBe(storage(v.version));
    expect((await registry.listVersions('fraud-detector')).map((v) => v.version)).toEqual(numbers);
    for (const result of results) {
      expect((await registry.getVersion('fraud-detector', result.version)).card.description).toBe(
        result.card.description,
      );
    }
  });

  it('keeps an unfinished registration invisible', async () => {
    await registry.register(input('done'));
    const failing = registry.register(
      input('broken', {
        reports: () => {
          throw new Error('report rendering failed');
        },
      }),
    );
    await expect(failing).rejects.toThrow('report rendering failed');
    const pending = await client.models.getVersion('main.fraud.fraud-detector', 2);
    expect(pending.status).toBe('PENDING_REGISTRATION');
    expect((await registry.listVersions('fraud-detector')).map((v) => v.version)).toEqual([1]);
    expect((await registry.resolve('models:/fraud-detector/latest')).version).toBe(1);
    const error = await rejection(registry.getVersion('fraud-detector', 2));
    expect(error.code).toBe('VERSION_NOT_FOUND');
    expect(error.message).toContain('is not ready (status PENDING_REGISTRATION)');
    expect((await rejection(registry.setAlias('fraud-detector', 'champion', 2))).code).toBe('VERSION_NOT_FOUND');
    expect((await registry.register(input('next'))).version).toBe(3);
  });

  it("names the missing or corrupt file in the version's storage", async () => {
    await registry.register(input('a'));
    await registry.register(input('b'));
    const model = `${storage(1)}/model.onnx`;
    await writeFile(emulator.localPath(model), onnxBytes('tampered'));
    const corrupt = await rejection(registry.loadModel('models:/fraud-detector/1'));
    expect(corrupt.code).toBe('ARTIFACT_CORRUPT');
    expect(corrupt.path).toBe(model);
    expect(corrupt.message).toContain(`${model} does not match card.json`);

    const card = `${storage(2)}/card.json`;
    await rm(emulator.localPath(card));
    const missing = await rejection(registry.resolve('models:/fraud-detector/2'));
    expect(missing.code).toBe('ARTIFACT_MISSING');
    expect(missing.message).toBe(`${card} is missing: models:/fraud-detector/2 is incomplete`);
  });

  it('maps unknown models, bad versions and a refused token to registry errors', async () => {
    expect((await rejection(registry.resolve('models:/fraud-detector@champion'))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(registry.listVersions('fraud-detector'))).message).toBe(
      'model main.fraud.fraud-detector is not registered in Unity Catalog',
    );
    await registry.register(input('a'));
    expect((await rejection(registry.getVersion('fraud-detector', 5))).code).toBe('VERSION_NOT_FOUND');

    const stranger = openRegistry(REGISTRY_URI, {
      databricks: { host: emulator.url, token: 'dapi-not-a-real-token', env: {}, retry: { deadlineMs: 1000 } },
    });
    const refused = await rejection(stranger.listVersions('fraud-detector'));
    expect(refused.code).toBe('BACKEND_FAILURE');
    // Like a real workspace, the emulator answers an unknown token with 403 ("Invalid access token").
    expect(refused.cause).toBeInstanceOf(PermissionDenied);
    expect(refused.message).not.toContain('dapi-not-a-real-token');
  });
});

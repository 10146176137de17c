import { createHash } from 'node:crypto';
import { readFile, rm, mkdtemp, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64, cardDraft, fakeOnnx } from './fixtures/card-draft.js';
import { rejection } from './fixtures/errors.js';
import { checkMlflowFolder, signatureAsGraph } from './fixtures/mlflow-check.js';
import { LocalRegistry } from './local.js';
import { MLFLOW_ENVIRONMENT, mlflowModelFiles, parseMlmodel } from './mlflow-model.js';
import { parseModelCard, serializeModelCard } from './model-card.js';
import { onnxSignature } from './onnx-signature.js';

describe('versions are MLflow models', () => {
  let root: string;
  let registry: LocalRegistry;
  const register = (tag: string, onnx = fakeOnnx(tag)) =>
    registry.register({
      name: 'fraud-detector',
      onnx,
      card: cardDraft({ created: '2026-12-06T18:00:00.250Z' }),
      reports: { html: '<p/>', markdown: '#\n' },
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fraudops-mlflow-'));
    registry = new LocalRegistry(join(root, 'models'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes MLmodel, the ONNX graph and a pinned environment that Python reads as MLflow does', async () => {
    await register('a');
    const check = await checkMlflowFolder(registry.versionDirectory('fraud-detector', 1));
    expect(check.flavors).toEqual(['onnx', 'python_function']);
    expect([check.loader, check.pyfuncData, check.virtualenv]).toEqual([
      'mlflow.onnx',
      'model.onnx',
      'python_env.yaml',
    ]);
    // The signature is the graph's interface: the input the scorer feeds and every output.
    expect(signatureAsGraph(check)).toEqual(check.graph);
    expect(check.graph.inputs).toEqual([{ name: 'features', dtype: 'float32', shape: [-1, 4] }]);
    expect(check.signature.outputs.map((t) => t.type)).toEqual(['tensor']);
    expect(check.requirements).toEqual([
      `mlflow==${MLFLOW_ENVIRONMENT.mlflow}`,
      `onnx==${MLFLOW_ENVIRONMENT.onnx}`,
      `onnxruntime==${MLFLOW_ENVIRONMENT.onnxruntime}`,
    ]);
    expect(check.pythonEnv).toEqual({
      python: MLFLOW_ENVIRONMENT.python,
      build_dependencies: [
        `pip==${MLFLOW_ENVIRONMENT.pip}`,
        `setuptools==${MLFLOW_ENVIRONMENT.setuptools}`,
        `wheel==${MLFLOW_ENVIRONMENT.wheel}`,
      ],
      dependencies: ['-r requirements.txt'],
    });
    const mlmodel = await readFile(join(registry.versionDirectory('fraud-detector', 1), 'MLmodel'), 'utf8');
    expect(mlmodel).toContain("utc_time_created: '2026-12-06 18:00:00.250000'");
  });

  it('records the MLflow files in the card and reads the ONNX file MLmodel names', async () => {
    const { card } = await register('b');
    expect(Object.keys(card.artifacts).sort()).toEqual([
      'MLmodel',
      'conda.yaml',
      'model.onnx',
      'python_env.yaml',
      'report.html',
      'report.md',
      'requirements.txt',
    ]);
    expect(base64((await registry.loadModel('models:/fraud-detector/1')).onnx)).toBe(base64(fakeOnnx('b')));
    const text = new TextDecoder().decode(await registry.readArtifact('fraud-detector', 1, 'MLmodel'));
    expect(parseMlmodel(text, 'MLmodel')).toEqual({ onnxData: 'model.onnx', signature: onnxSignature(fakeOnnx('b')) });
  });

  it('still loads a version registered before versions were MLflow models', async () => {
    await register('old');
    const dir = registry.versionDirectory('fraud-detector', 1);
    const card = parseModelCard(await readFile(join(dir, 'card.json'), 'utf8'), 'card.json');
    for (const file of ['MLmodel', 'requirements.txt', 'python_env.yaml', 'conda.yaml'] as const) {
      delete card.artifacts[file];
      await unlink(join(dir, file));
    }
    await writeFile(join(dir, 'card.json'), serializeModelCard(card));
    const loaded = await registry.loadModel('models:/fraud-detector/latest');
    expect([loaded.version, base64(loaded.onnx)]).toEqual([1, base64(fakeOnnx('old'))]);
    const missing = await rejection(registry.readArtifact('fraud-detector', 1, 'MLmodel'));
    expect(missing.code).toBe('ARTIFACT_MISSING');
    expect(missing.message).toMatch(/versions\/1\/MLmodel is missing/);
  });

  it('refuses bytes that are not ONNX, and a graph whose input does not fit the feature spec', async () => {
    const notOnnx = await rejection(register('x', new TextEncoder().encode('not a model at all')));
    expect(notOnnx.code).toBe('INVALID_CARD');
    expect(notOnnx.message).toMatch(/^model\.onnx is not an ONNX model/);
    const wide = await rejection(register('w', fakeOnnx('w', 1024, 5)));
    expect(wide.message).toBe(
      "model.onnx for fraud-detector takes features float32 [-1, 5], but the card's feature spec needs one float32 input [-1, 4] (its features in order)",
    );
    expect(await registry.listModels()).toEqual([]);
  });

  it('refuses an MLmodel that does not load the graph the card describes', async () => {
    await register('c');
    const dir = registry.versionDirectory('fraud-detector', 1);
    const edited = (await readFile(join(dir, 'MLmodel'), 'utf8')).replace('[-1,4]', '[-1,7]');
    await writeFile(join(dir, 'MLmodel'), edited);
    const card = parseModelCard(await readFile(join(dir, 'card.json'), 'utf8'), 'card.json');
    card.artifacts.MLmodel = {
      sha256: createHash('sha256').update(edited).digest('hex'),
      bytes: Buffer.byteLength(edited),
    };
    await writeFile(join(dir, 'card.json'), serializeModelCard(card));
    const error = await rejection(registry.loadModel('models:/fraud-detector/1'));
    expect(error.code).toBe('ARTIFACT_CORRUPT');
    expect(error.message).toMatch(
      /MLmodel loads model\.onnx with input .*"shape":\[-1,7\].*one float32 input of 4 features/,
    );
  });

  it('quotes names safely in the YAML and never writes a signature without outputs', () => {
    const files = mlflowModelFiles(fakeOnnx('q'), { created: '2026-12-06T00:00:00Z', modelUuid: '0'.repeat(32) });
    const text = new TextDecoder().decode(files.files.MLmodel);
    expect(parseMlmodel(text, 'MLmodel').signature).toEqual(files.signature);
    expect(text).toContain(`model_uuid: ${'0'.repeat(32)}`);
    expect(() => parseMlmodel(text.replace(/ {2}outputs: .*\n/, ''), 'x/MLmodel')).toThrow(
      'x/MLmodel is not an ONNX MLflow model: signature.outputs is missing',
    );
  });
});

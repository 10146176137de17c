import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { treeEnsembleToOnnx } from './onnx-export.js';
import { OnnxScorer } from './onnx-scorer.js';
import { decisionTreeFromNodes, type TreeEnsemble } from './tree-ensemble.js';

/** The decoded graph of the stump model, for tests that break it on purpose. */
function editableStump() {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const input = model.graph?.input;
  const node = model.graph?.node;
  if (!input || !node) throw new Error('the stump has no graph');
  return { model, graph: { input, node }, encode: () => onnxProto.onnx.ModelProto.encode(model).finish() };
}

// A two-leaf stump: x0 <= 1.5 → margin −1, else +2, base margin 0.5.
const stump: TreeEnsemble = {
  kind: 'tree_ensemble',
  featureCount: 3,
  comparison: 'leq',
  baseMargin: 0.5,
  trees: [
    decisionTreeFromNodes({
      feature: [0, -1, -1],
      threshold: [1.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      missingGoesLeft: [0, 0, 0],
      leafValue: [0, -1, 2],
    }),
  ],
};
const hash = 'spec-v1';
const bytes = treeEnsembleToOnnx(stump, { featureNames: ['a', 'b', 'c'], featureSpecHash: hash });
const dir = mkdtempSync(join(tmpdir(), 'modeling-scorer-'));

describe('OnnxScorer', () => {
  it('scores Float32Array batches from a file: margin and probability per row', async () => {
    const path = join(dir, 'stump.onnx');
    writeFileSync(path, bytes);
    const scorer = await OnnxScorer.load(path, { featureSpecHash: hash, featureCount: 3 });
    const { margin, probability } = await scorer.score(Float32Array.of(1.5, 0, 0, 1.6, 0, 0, NaN, 0, 0));
    expect(Array.from(margin)).toEqual([-0.5, 2.5, 2.5]);
    expect(probability[0]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 7);
    expect((await scorer.score(new Float32Array(0))).probability).toHaveLength(0);
    expect(scorer.featureCount).toBe(3);
    await scorer.release();
    await expect(scorer.score(new Float32Array(3))).rejects.toMatchObject({ code: 'RELEASED' });
  });

  it('refuses a model of another feature spec, or one without a hash', async () => {
    await expect(OnnxScorer.load(bytes, { featureSpecHash: 'spec-v2' })).rejects.toMatchObject({
      code: 'FEATURE_SPEC_MISMATCH',
      message: expect.stringContaining('spec-v1'),
    });
    const unhashed = editableStump();
    unhashed.model.metadataProps = unhashed.model.metadataProps.filter((p) => p.key !== 'feature_spec_hash');
    await expect(OnnxScorer.load(unhashed.encode(), { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'FEATURE_SPEC_MISMATCH',
      message: expect.stringContaining('no feature_spec_hash'),
    });
  });

  it('checks the input name and width against the caller', async () => {
    await expect(OnnxScorer.load(bytes, { featureSpecHash: hash, featureCount: 15 })).rejects.toMatchObject({
      code: 'INPUT_MISMATCH',
      message: expect.stringContaining('expects 3 features'),
    });
    const renamed = editableStump();
    renamed.graph.input[0].name = 'x';
    renamed.graph.node[0].input = ['x'];
    await expect(OnnxScorer.load(renamed.encode(), { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'INPUT_MISMATCH',
      message: expect.stringContaining('"x"'),
    });
    const scorer = await OnnxScorer.load(bytes, { featureSpecHash: hash });
    await expect(scorer.score(new Float32Array(4))).rejects.toMatchObject({ code: 'INPUT_MISMATCH' });
    await scorer.release();
  });

  it('says clearly what is wrong with a missing, empty, truncated or foreign file', async () => {
    await expect(OnnxScorer.load(join(dir, 'nope.onnx'), { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'FILE_ERROR',
      message: expect.stringContaining('nope.onnx'),
    });
    const empty = join(dir, 'empty.onnx');
    writeFileSync(empty, '');
    await expect(OnnxScorer.load(empty, { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'INVALID_MODEL',
      message: expect.stringContaining('empty.onnx is not an ONNX model'),
    });
    await expect(OnnxScorer.load(bytes.slice(0, bytes.length - 40), { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'INVALID_MODEL',
    });
    await expect(
      OnnxScorer.load(new TextEncoder().encode('{"learner": {}}'), { featureSpecHash: hash }),
    ).rejects.toMatchObject({ code: 'INVALID_MODEL' });
  });

  it('reports an onnxruntime rejection of a structurally broken graph as INVALID_MODEL', async () => {
    const broken = editableStump();
    broken.graph.node[0].opType = 'NoSuchOperator';
    await expect(OnnxScorer.load(broken.encode(), { featureSpecHash: hash })).rejects.toMatchObject({
      code: 'INVALID_MODEL',
      message: expect.stringContaining('onnxruntime rejected'),
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainGbdt } from './gbdt.js';
import { predictLogisticMargin, trainLogisticRegression } from './logistic-regression.js';
import { exportOnnx, treeEnsembleToOnnx } from './onnx-export.js';
import { readOnnxModelInfo } from './onnx-model-info.js';
import { OnnxScorer } from './onnx-scorer.js';
import { runPython } from './testing/python.js';
import { SYNTHETIC_FEATURES, sliceRows, syntheticFraudData } from './testing/synthetic.js';
import { predictMargin, predictProbability, sigmoid } from './tree-ensemble.js';

const names = Array.from({ length: SYNTHETIC_FEATURES }, (_, i) => `f${i}`);
const hash = 'sha256:0123abcd';
const data = syntheticFraudData(25_000, 11);
const train = { features: sliceRows(data.features, 0, 15_000), labels: data.labels.slice(0, 15_000) };
const test = sliceRows(data.features, 15_000, 25_000);

/** Validates a model file with the official ONNX checker (Debian's python3-onnx). */
function onnxCheck(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'modeling-onnx-'));
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  return runPython(
    [
      'import sys, onnx',
      'm = onnx.load(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.readline().strip())',
      'onnx.checker.check_model(m, full_check=True)',
      'print(",".join(f"{o.domain or \'ai.onnx\'}:{o.version}" for o in m.opset_import), [n.op_type for n in m.graph.node])',
    ].join('\n'),
    `${path}\n`,
  ).trim();
}

describe('ONNX export', () => {
  it('exports a trained GBDT whose onnxruntime margins and probabilities equal the in-TypeScript ones bit for bit', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 80, maxDepth: 5 });
    const bytes = treeEnsembleToOnnx(model, {
      featureNames: names,
      featureSpecHash: hash,
      metadata: { model_name: 'fraud' },
    });
    expect(onnxCheck(bytes)).toBe(`ai.onnx:17,ai.onnx.ml:3 ['TreeEnsembleRegressor', 'Cast', 'Sigmoid', 'Cast']`);

    const scorer = await OnnxScorer.load(bytes, { featureSpecHash: hash, featureCount: SYNTHETIC_FEATURES });
    try {
      const { margin, probability } = await scorer.score(test.values);
      const ours = predictMargin(model, test);
      let marginMismatches = 0;
      let probabilityMismatches = 0;
      for (let r = 0; r < test.rows; r++) {
        if (margin[r] !== ours[r]) marginMismatches++;
        if (probability[r] !== Math.fround(sigmoid(ours[r]))) probabilityMismatches++;
      }
      // Bit-identical outputs: every threshold, on margins or probabilities, makes the same decisions.
      expect(marginMismatches).toBe(0);
      expect(probabilityMismatches).toBe(0);
      expect(Array.from(probability)).toEqual(Array.from(predictProbability(model, test)));
      expect(new Set(ours).size).toBeGreaterThan(100); // not a degenerate model
      expect(scorer.featureNames).toEqual(names);
      expect(scorer.metadata['model_name']).toBe('fraud');
      expect(scorer.metadata['model_kind']).toBe('tree_ensemble');
    } finally {
      await scorer.release();
    }
  });

  it('makes the same decision as training for values exactly on a threshold and for missing values', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 5, maxDepth: 3 });
    const tree = model.trees[0];
    const rows: number[] = [];
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] < 0 || !Number.isFinite(tree.threshold[node])) continue;
      for (const value of [tree.threshold[node], NaN]) {
        const row = Array.from(test.values.subarray(node * SYNTHETIC_FEATURES, (node + 1) * SYNTHETIC_FEATURES));
        row[tree.feature[node]] = value;
        rows.push(...row);
      }
    }
    const edge = { rows: rows.length / SYNTHETIC_FEATURES, cols: SYNTHETIC_FEATURES, values: Float32Array.from(rows) };
    const scorer = await OnnxScorer.load(treeEnsembleToOnnx(model, { featureNames: names, featureSpecHash: hash }), {
      featureSpecHash: hash,
    });
    const { margin } = await scorer.score(edge.values);
    await scorer.release();
    expect(Array.from(margin)).toEqual(Array.from(predictMargin(model, edge)));
  });

  it('exports logistic regression as MatMul/Add + sigmoid with the standardisation folded in (≤ 1e-6)', async () => {
    const finite = Float32Array.from(train.features.values, (v) => (Number.isNaN(v) ? -1 : v));
    const testFinite = Float32Array.from(test.values, (v) => (Number.isNaN(v) ? -1 : v));
    const { model } = trainLogisticRegression({ ...train.features, values: finite }, train.labels);
    const bytes = exportOnnx(model, { featureNames: names, featureSpecHash: hash });
    expect(onnxCheck(bytes)).toBe(`ai.onnx:17,ai.onnx.ml:3 ['MatMul', 'Add', 'Cast', 'Sigmoid', 'Cast']`);
    const scorer = await OnnxScorer.load(bytes, { featureSpecHash: hash });
    const { margin, probability } = await scorer.score(testFinite);
    await scorer.release();
    const ours = predictLogisticMargin(model, { rows: test.rows, cols: test.cols, values: testFinite });
    let gap = 0;
    let marginGap = 0;
    for (let r = 0; r < test.rows; r++) {
      gap = Math.max(gap, Math.abs(probability[r] - sigmoid(ours[r])));
      marginGap = Math.max(marginGap, Math.abs(margin[r] - ours[r]));
    }
    expect(gap).toBeLessThanOrEqual(1e-6);
    expect(marginGap).toBeLessThanOrEqual(1e-5);
  });

  it('records the feature spec hash, names and kind in metadata_props', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 2 });
    const info = readOnnxModelInfo(treeEnsembleToOnnx(model, { featureNames: names, featureSpecHash: hash }));
    expect(info.featureSpecHash).toBe(hash);
    expect(info.featureNames).toEqual(names);
    expect(info.inputs).toEqual([{ name: 'features', elementType: 'FLOAT', dims: ['N', SYNTHETIC_FEATURES] }]);
    expect(info.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['margin', ['N', 1]],
      ['probability', ['N', 1]],
    ]);
  });

  it('refuses names that do not match the model width, an empty hash and reserved metadata keys', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 1 });
    expect(() => treeEnsembleToOnnx(model, { featureNames: names.slice(1), featureSpecHash: hash })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringContaining('featureNames') }),
    );
    expect(() => treeEnsembleToOnnx(model, { featureNames: names, featureSpecHash: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() =>
      treeEnsembleToOnnx(model, { featureNames: names, featureSpecHash: hash, metadata: { feature_spec_hash: 'x' } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});

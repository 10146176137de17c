import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainModel } from './explain.js';
import { trainGbdt } from './gbdt.js';
import { trainLogisticRegression } from './logistic-regression.js';
import { exportOnnx, treeEnsembleToOnnx } from './onnx-export.js';
import { classifierFromOnnx } from './onnx-import.js';
import { sliceRows, syntheticFraudData } from './testing/synthetic.js';
import { predictMargin } from './tree-ensemble.js';
import { importXgboostJson } from './xgboost-import.js';

const data = syntheticFraudData(3000, 4);
const train = sliceRows(data.features, 0, 2000);
const test = sliceRows(data.features, 2000, 3000);
const labels = data.labels.slice(0, 2000);
const names = Array.from({ length: train.cols }, (_, f) => `f${f}`);
const options = { featureNames: names, featureSpecHash: 'spec-hash' };

describe('classifierFromOnnx', () => {
  it('reads our GBDT back with its covers: the same predictions and the same explanations, bit for bit', async () => {
    const { model } = await trainGbdt(train, labels, { nEstimators: 12, maxDepth: 4 }, { threads: 1 });
    const read = classifierFromOnnx(treeEnsembleToOnnx(model, options));
    expect(read.featureNames).toEqual(names);
    expect(read.featureSpecHash).toBe('spec-hash');
    expect(read.model).toEqual(model);
    if (read.model.kind !== 'tree_ensemble') throw new Error('expected trees');
    expect(Array.from(predictMargin(read.model, test))).toEqual(Array.from(predictMargin(model, test)));
    expect(explainModel(read.model, test)).toEqual(explainModel(model, test));
  });

  it('reads an imported XGBoost model back with its BRANCH_LT splits and sum_hessian covers', () => {
    const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'xgboost', 'model.json'), 'utf8');
    const { model } = importXgboostJson(fixture);
    const read = classifierFromOnnx(
      treeEnsembleToOnnx(model, { featureNames: Array.from({ length: 15 }, (_, f) => `x${f}`), featureSpecHash: 'h' }),
    );
    expect(read.model).toEqual(model);
  });

  it('reads a logistic regression back from its standardised coefficients', () => {
    const finite = { ...train, values: Float32Array.from(train.values, (v) => (Number.isNaN(v) ? -1 : v)) };
    const { model } = trainLogisticRegression(finite, labels);
    expect(classifierFromOnnx(exportOnnx(model, options)).model).toEqual(model);
  });

  it('explains nothing without covers: a tree model exported without them is read, then refused by the explainer', async () => {
    const { model } = await trainGbdt(train, labels, { nEstimators: 2, maxDepth: 2 }, { threads: 1 });
    const bare = { ...model, trees: model.trees.map(({ cover: _cover, ...tree }) => tree) };
    const read = classifierFromOnnx(treeEnsembleToOnnx(bare, options));
    expect(() => explainModel(read.model, test)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MODEL' }));
  });

  it('names bytes that are not ONNX', () => {
    expect(() => classifierFromOnnx(new TextEncoder().encode('{"not": "onnx"}'), 'model.onnx')).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL', message: expect.stringContaining('model.onnx') }),
    );
  });
});

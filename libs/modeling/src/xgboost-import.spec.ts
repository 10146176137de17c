import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { treeEnsembleToOnnx } from './onnx-export.js';
import { OnnxScorer } from './onnx-scorer.js';
import { predictMargin, predictProbability } from './tree-ensemble.js';
import { importXgboostJson } from './xgboost-import.js';

const fixtures = join(__dirname, '..', 'fixtures', 'xgboost');
const modelJson = readFileSync(join(fixtures, 'model.json'), 'utf8');
const cases = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as {
  xgboost_version: string;
  features: Array<Array<number | null>>;
  margin: number[];
  probability: number[];
};
/** The parts of XGBoost's JSON these tests edit. */
interface XgboostJson {
  version: number[];
  learner: {
    objective: { name: string };
    learner_model_param: { base_score: string };
    gradient_booster: {
      name: string;
      model: { trees: Array<{ split_type: number[]; default_left: Array<number | boolean>; left_children: number[] }> };
    };
  };
}

const featureCount = cases.features[0].length;
const matrix = {
  rows: cases.features.length,
  cols: featureCount,
  values: Float32Array.from(cases.features.flat(), (v) => (v === null ? NaN : v)),
};
const names = Array.from({ length: featureCount }, (_, i) => `x${i}`);

function maxGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let gap = 0;
  for (let i = 0; i < a.length; i++) gap = Math.max(gap, Math.abs(a[i] - b[i]));
  return gap;
}

describe('XGBoost JSON import', () => {
  it('reads the fixture written by XGBoost 1.7.4 (binary:logistic, base_score 0.2)', () => {
    const imported = importXgboostJson(modelJson);
    expect(cases.xgboost_version).toBe('1.7.4');
    expect(imported.version).toBe('1.7.4');
    expect(imported.baseScore).toBeCloseTo(0.2, 7);
    expect(imported.model.comparison).toBe('lt');
    expect(imported.model.trees).toHaveLength(25);
    expect(imported.model.featureCount).toBe(15);
    const defaults = imported.model.trees.flatMap((t) =>
      Array.from(t.missingGoesLeft).filter((_, i) => t.feature[i] >= 0),
    );
    expect(new Set(defaults)).toEqual(new Set([0, 1])); // both learned missing directions occur
    // Covers (sum_hessian) come along for explanations: the fixture's first root covers 629.44 (its JSON).
    expect((imported.model.trees[0].cover as Float32Array)[0]).toBeCloseTo(629.44006, 3);
  });

  it("agrees with XGBoost's own predictions to 1e-6, in TypeScript and as ONNX in onnxruntime", async () => {
    const { model } = importXgboostJson(modelJson);
    expect(maxGap(predictMargin(model, matrix), cases.margin)).toBeLessThanOrEqual(1e-6);
    expect(maxGap(predictProbability(model, matrix), cases.probability)).toBeLessThanOrEqual(1e-6);
    const scorer = await OnnxScorer.load(treeEnsembleToOnnx(model, { featureNames: names, featureSpecHash: 'h' }), {
      featureSpecHash: 'h',
    });
    const { probability, margin } = await scorer.score(matrix.values);
    await scorer.release();
    expect(maxGap(probability, cases.probability)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(margin)).toEqual(Array.from(predictMargin(model, matrix)));
  });

  it('refuses other objectives, boosters, categorical splits and versions with UNSUPPORTED_MODEL', () => {
    const edit = (change: (m: XgboostJson) => void) => {
      const m = JSON.parse(modelJson) as XgboostJson;
      change(m);
      return () => importXgboostJson(m);
    };
    const unsupported = expect.objectContaining({ code: 'UNSUPPORTED_MODEL' });
    expect(edit((m) => (m.learner.objective.name = 'reg:squarederror'))).toThrow(unsupported);
    expect(edit((m) => (m.learner.gradient_booster.name = 'dart'))).toThrow(unsupported);
    expect(edit((m) => (m.learner.gradient_booster.model.trees[3].split_type[0] = 1))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_MODEL', message: expect.stringContaining('trees[3]') }),
    );
    expect(edit((m) => (m.version = [1, 6, 2]))).toThrow(unsupported);
    expect(edit((m) => (m.version = [3, 0, 0]))).toThrow(unsupported);
  });

  it('accepts the XGBoost 2.x spellings: bracketed base_score and boolean default_left', () => {
    const m = JSON.parse(modelJson) as XgboostJson;
    m.version = [2, 1, 0];
    m.learner.learner_model_param.base_score = '[2E-1]';
    for (const tree of m.learner.gradient_booster.model.trees) tree.default_left = tree.default_left.map(Boolean);
    const imported = importXgboostJson(m);
    expect(imported.model).toEqual(importXgboostJson(modelJson).model);
  });

  it('says what is wrong with a corrupt file', () => {
    expect(() => importXgboostJson(modelJson.slice(0, 5000))).toThrow(
      expect.objectContaining({
        code: 'INVALID_MODEL',
        message: expect.stringContaining('not a readable XGBoost JSON model'),
      }),
    );
    const m = JSON.parse(modelJson) as XgboostJson;
    m.learner.gradient_booster.model.trees[0].left_children[0] = 9999;
    expect(() => importXgboostJson(m)).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL', message: expect.stringContaining('trees[0]') }),
    );
  });
});

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportOnnx, importXgboostJson, type FeatureMatrix } from '@fraudops/modeling';
import { explainTestWindow } from './explanations.js';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'libs', 'modeling', 'fixtures', 'xgboost');
/** TreeSHAP against XGBoost's own, as in libs/modeling: float32 thresholds, double sums. */
const TOLERANCE = 1e-5;

/** XGBoost 1.7.4's `pred_contribs` (Debian python3-xgboost) on the fixture model: one row per input row, bias last. */
function xgboostContributions(modelPath: string, rows: Array<Array<number | null>>): number[][] {
  const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
  const script = [
    'import json, sys, numpy as np, xgboost as xgb',
    'd = json.load(sys.stdin)',
    'b = xgb.Booster(model_file=d["model"])',
    'x = np.array([[np.nan if v is None else v for v in row] for row in d["rows"]], dtype=np.float32)',
    'print(json.dumps(b.predict(xgb.DMatrix(x, missing=np.nan), pred_contribs=True).astype(float).tolist()))',
  ].join('\n');
  return JSON.parse(
    execFileSync(python, ['-c', script], {
      input: JSON.stringify({ model: modelPath, rows }),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  ) as number[][];
}

describe('explainTestWindow (what the report and the card show)', () => {
  let onnx: Uint8Array;
  let names: string[];
  let test: { matrix: FeatureMatrix; labels: Uint8Array; rows: Uint32Array };
  let scores: Float32Array;
  let reference: number[][];

  beforeAll(async () => {
    const modelPath = join(FIXTURES, 'model.json');
    const cases = JSON.parse(await readFile(join(FIXTURES, 'cases.json'), 'utf8')) as {
      features: Array<Array<number | null>>;
      probability: number[];
    };
    const { model } = importXgboostJson(await readFile(modelPath, 'utf8'));
    names = cases.features[0].map((_, f) => `f${f}`);
    // Registered the way the trainer registers a Databricks model: imported, exported to ONNX, read back.
    onnx = exportOnnx(model, { featureNames: names, featureSpecHash: 'fixture' });
    const rows = cases.features.length;
    const cols = names.length;
    const values = new Float32Array(rows * cols);
    cases.features.forEach((row, r) => row.forEach((v, f) => (values[r * cols + f] = v === null ? NaN : v)));
    test = {
      matrix: { rows, cols, values },
      labels: Uint8Array.from(cases.probability, (p, r) => (p > 0.5 || r % 7 === 0 ? 1 : 0)),
      // Transaction numbers, not positions: the report names alerts by them.
      rows: Uint32Array.from({ length: rows }, (_, r) => 1000 + r),
    };
    scores = Float32Array.from(cases.probability);
    reference = xgboostContributions(modelPath, cases.features);
  });

  /** Mean |pred_contribs| per feature over the given rows (XGBoost's numbers, our averaging). */
  function referenceImportance(picks: number[]): number[] {
    return names.map((_, f) => picks.reduce((sum, r) => sum + Math.abs(reference[r][f]), 0) / picks.length);
  }

  it("importance is each feature's mean |SHAP| over every test row (XGBoost's pred_contribs to 1e-5), largest first", () => {
    const explained = explainTestWindow(onnx, test, scores, names);
    expect(explained.rows).toBe(test.matrix.rows);
    expect(explained.method).toBe(
      `TreeSHAP (exact, path-dependent), margin (log-odds) scale, ${test.matrix.rows} of ${test.matrix.rows} test rows`,
    );
    expect(explained.importance.map((f) => f.feature).sort()).toEqual([...names].sort());
    const expected = referenceImportance(Array.from({ length: test.matrix.rows }, (_, r) => r));
    for (const { feature, meanAbsContribution } of explained.importance) {
      expect(Math.abs(meanAbsContribution - expected[names.indexOf(feature)])).toBeLessThanOrEqual(TOLERANCE);
    }
    for (let i = 1; i < explained.importance.length; i++) {
      expect(explained.importance[i].meanAbsContribution).toBeLessThanOrEqual(
        explained.importance[i - 1].meanAbsContribution,
      );
    }
    // A real model: the strongest feature matters clearly more than the weakest.
    expect(explained.importance[0].meanAbsContribution).toBeGreaterThan(
      10 * explained.importance[names.length - 1].meanAbsContribution,
    );
  });

  it('a window larger than the limit is explained on an even sample (every step-th row), and says so', () => {
    const explained = explainTestWindow(onnx, test, scores, names, 100);
    // 374 rows, at most 100: every 4th row → rows 0, 4, …, 372.
    const picks = Array.from({ length: 94 }, (_, i) => i * 4);
    expect(explained.rows).toBe(94);
    expect(explained.method).toContain('94 of 374 test rows');
    const expected = referenceImportance(picks);
    for (const { feature, meanAbsContribution } of explained.importance) {
      expect(Math.abs(meanAbsContribution - expected[names.indexOf(feature)])).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("top alerts are the 10 highest scores, each with its three largest reasons: XGBoost's contributions and the row's values", () => {
    const explained = explainTestWindow(onnx, test, scores, names);
    const order = Array.from({ length: test.matrix.rows }, (_, r) => r).sort((a, b) => scores[b] - scores[a] || a - b);
    expect(explained.topAlerts.map((a) => a.id)).toEqual(order.slice(0, 10).map((r) => String(1000 + r)));
    explained.topAlerts.forEach((alert, i) => {
      const r = order[i];
      expect(alert.score).toBe(scores[r]);
      expect(alert.label).toBe(test.labels[r]);
      expect(alert.reasons).toHaveLength(3);
      const byMagnitude = names.map((_, f) => f).sort((a, b) => Math.abs(reference[r][b]) - Math.abs(reference[r][a]));
      alert.reasons.forEach((reason, k) => {
        const f = names.indexOf(reason.feature);
        expect(f).toBe(byMagnitude[k]);
        expect(Math.abs(reason.contribution - reference[r][f])).toBeLessThanOrEqual(TOLERANCE);
        const value = test.matrix.values[r * names.length + f];
        expect(reason.value).toBe(Number.isNaN(value) ? null : value);
      });
    });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineProfile } from '@fraudops/evaluation';
import { exportOnnx, predictMargin, trainGbdt, type FeatureMatrix, type TreeEnsemble } from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { createOutput } from '@fraudops/cli';
import { runCli } from '../cli/program.js';
import { Capture } from '../testing/capture.js';
import { runExplain, type ExplainOptions, type ExplainResult } from './explain.js';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'libs', 'modeling', 'fixtures', 'xgboost');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-explain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function parseCsv(text: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  return { header: head.split(','), rows: lines.map((line) => line.split(',').map(Number)) };
}

async function explain(options: Partial<ExplainOptions>, registry?: LocalRegistry) {
  const stdout = new Capture();
  const stderr = new Capture();
  const result = await runExplain(
    { model: '', features: '', registry: join(dir, 'models'), json: false, ...options },
    createOutput(options.json ?? false, { stdout, stderr }),
    registry,
  );
  return { result, stdout: stdout.text };
}

describe('fraudops-train explain', () => {
  it("reproduces XGBoost 1.7.4's pred_contribs to 1e-5 on the imported fixture, one row per input row in order", async () => {
    const modelPath = join(FIXTURES, 'model.json');
    const cases = JSON.parse(await readFile(join(FIXTURES, 'cases.json'), 'utf8')) as {
      features: Array<Array<number | null>>;
    };
    const names = cases.features[0].map((_, f) => `f${f}`);
    // Columns in another order plus an id column: the command picks the model's columns by name.
    const header = ['transaction_id', ...[...names].reverse()];
    const lines = cases.features.map((row, r) =>
      [r, ...[...row].reverse().map((v) => (v === null ? '' : String(v)))].join(','),
    );
    const features = join(dir, 'fixture-features.csv');
    await writeFile(features, `${header.join(',')}\n${lines.join('\n')}\n`);
    const out = join(dir, 'fixture-shap.csv');
    const { result, stdout } = await explain({ model: modelPath, features, out });
    expect(result.rows).toBe(cases.features.length);
    expect(stdout).toContain(`wrote ${out}`);

    const written = parseCsv(await readFile(out, 'utf8'));
    expect(written.header).toEqual([...names, 'bias']);
    expect(written.rows).toHaveLength(cases.features.length);
    const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
    const reference = JSON.parse(
      execFileSync(
        python,
        [
          '-c',
          [
            'import json, sys, numpy as np, xgboost as xgb',
            'd = json.load(sys.stdin)',
            'b = xgb.Booster(model_file=d["model"])',
            'x = np.array([[np.nan if v is None else v for v in row] for row in d["rows"]], dtype=np.float32)',
            'print(json.dumps({"version": xgb.__version__, "contribs": b.predict(xgb.DMatrix(x, missing=np.nan), pred_contribs=True).astype(float).tolist()}))',
          ].join('\n'),
        ],
        { input: JSON.stringify({ model: modelPath, rows: cases.features }), encoding: 'utf8', maxBuffer: 64 << 20 },
      ),
    ) as { version: string; contribs: number[][] };
    expect(reference.version).toBe('1.7.4');
    let gap = 0;
    reference.contribs.forEach((row, r) =>
      row.forEach((value, c) => (gap = Math.max(gap, Math.abs(written.rows[r][c] - value)))),
    );
    expect(gap).toBeLessThanOrEqual(1e-5);
  });

  describe('on a model registered as models:/', () => {
    const names = ['amount', 'night', 'count', 'risk'];
    let test: FeatureMatrix;
    let trained: TreeEnsemble;
    let registry: LocalRegistry;
    let featuresCsv: string;

    beforeAll(async () => {
      // A small world where fraud follows amount and night, risk is sometimes missing.
      const rows = 3000;
      const values = new Float32Array(rows * 4);
      const labels = new Uint8Array(rows);
      let seed = 12345;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let r = 0; r < rows; r++) {
        const amount = Math.round(next() * 2000) / 10;
        const night = next() < 0.3 ? 1 : 0;
        const count = Math.floor(next() * 8);
        const risk = next() < 0.2 ? NaN : Math.round(next() * 100) / 100;
        values.set([amount, night, count, risk], r * 4);
        labels[r] =
          next() < 1 / (1 + Math.exp(-(-4 + amount / 50 + 1.5 * night + (Number.isNaN(risk) ? 1 : risk)))) ? 1 : 0;
      }
      const train = { rows: 2000, cols: 4, values: values.slice(0, 2000 * 4) };
      test = { rows: 1000, cols: 4, values: values.slice(2000 * 4) };
      const { model } = await trainGbdt(
        train,
        labels.slice(0, 2000),
        { nEstimators: 20, maxDepth: 4, seed: 3 },
        { threads: 1 },
      );
      trained = model;
      registry = new LocalRegistry(join(dir, 'models'));
      const profile = baselineProfile({
        score: Float64Array.from(predictMargin(model, test), (m) => 1 / (1 + Math.exp(-m))),
        // Drift profiles take finite values only (the feature pipeline never leaves NaN): missing → −1 here.
        features: Object.fromEntries(
          names.map((n, f) => [
            n,
            Float64Array.from({ length: test.rows }, (_, r) =>
              Number.isNaN(test.values[r * 4 + f]) ? -1 : test.values[r * 4 + f],
            ),
          ]),
        ),
      });
      const stored = await registry.register({
        name: 'fraud-detector',
        onnx: exportOnnx(model, { featureNames: names, featureSpecHash: 'spec' }),
        card: {
          model: { algorithm: 'gbdt' },
          gitSha: null,
          featureSpec: { name: 'explain-test', hash: 'spec', features: names },
          trainingData: {
            fingerprint: 'lcg:12345',
            train: { start: '2018-04-01', end: '2018-04-07' },
            test: { start: '2018-04-15', end: '2018-04-21' },
          },
          params: { nEstimators: 20, maxDepth: 4 },
          metrics: { average_precision: { value: 0.5 } },
          threshold: { value: 0.5, rule: 'fixed', rationale: 'a test model' },
          driftBaseline: { score: profile.score, features: profile.features, rows: profile.rows },
        },
        reports: { html: '<!doctype html><title>t</title>', markdown: '# t\n' },
      });
      await registry.setAlias('fraud-detector', 'champion', stored.version);
      const lines = Array.from({ length: test.rows }, (_, r) =>
        names.map((_, f) => (Number.isNaN(test.values[r * 4 + f]) ? '' : String(test.values[r * 4 + f]))).join(','),
      );
      featuresCsv = join(dir, 'registered-features.csv');
      await writeFile(featuresCsv, `${names.join(',')}\n${lines.join('\n')}\n`);
    });

    it('writes contributions that sum with the bias to the model margin on every row', async () => {
      const out = join(dir, 'registered-shap.csv');
      await explain({ model: 'models:/fraud-detector@champion', features: featuresCsv, out }, registry);
      const written = parseCsv(await readFile(out, 'utf8'));
      expect(written.header).toEqual([...names, 'bias']);
      const margins = predictMargin(trained, test);
      let gap = 0;
      written.rows.forEach((row, r) => (gap = Math.max(gap, Math.abs(row.reduce((a, b) => a + b, 0) - margins[r]))));
      // The ONNX margin is summed in float32; the contributions are exact.
      expect(gap).toBeLessThanOrEqual(1e-5);
    });

    it("--top 2 --json lists each row's two largest reasons with the value read and a missing value as null", async () => {
      const { stdout } = await explain(
        { model: 'models:/fraud-detector/1', features: featuresCsv, top: '2', json: true },
        registry,
      );
      const parsed = JSON.parse(stdout) as ExplainResult;
      expect(parsed.rows).toBe(test.rows);
      expect(parsed.top).toHaveLength(test.rows);
      for (const row of parsed.top ?? []) {
        expect(row.reasons.length).toBeLessThanOrEqual(2);
        if (row.reasons.length === 2)
          expect(Math.abs(row.reasons[0].contribution)).toBeGreaterThanOrEqual(Math.abs(row.reasons[1].contribution));
        for (const reason of row.reasons) {
          const f = names.indexOf(reason.feature);
          const value = test.values[row.row * 4 + f];
          expect(reason.value).toBe(Number.isNaN(value) ? null : value);
        }
      }
      expect((parsed.top ?? []).some((row) => row.reasons.some((reason) => reason.value === null))).toBe(true);
    });

    it('names the missing feature columns (exit 6, invalid data) and says what to give when nothing is asked (exit 2)', async () => {
      const partial = join(dir, 'partial.csv');
      await writeFile(partial, 'amount,count\n1,2\n');
      const stderr = new Capture();
      const args = [
        'explain',
        '--model',
        'models:/fraud-detector@champion',
        '--registry',
        join(dir, 'models'),
        '--features',
        partial,
        '--out',
        join(dir, 'x.csv'),
      ];
      expect(await runCli(args, stderr)).toBe(6);
      expect(stderr.text).toContain("missing 2 of the model's 4 feature columns: night, risk");
      const nothing = new Capture();
      expect(
        await runCli(['explain', '--model', 'models:/fraud-detector@champion', '--features', partial], nothing),
      ).toBe(2);
      expect(nothing.text).toContain('give --out <file>');
    });
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Capture } from '../testing/capture.js';
import { openRegistry } from '@fraudops/registry';
import { createOutput } from '@fraudops/cli';
import { runCli } from '../cli/program.js';
import { runLocalTraining } from '../pipeline/local-train.js';
import { localTrainOptions } from './train.js';
import { runStart } from './start.js';
import type { TrainingFlags } from './train-options.js';

// A version folder as MLflow reads it: MLmodel through YAML (Debian's python3-yaml), the graph through
// python3-onnx; the signature's tensors beside the graph's, and the feature names the graph carries.
const READ_AS_MLFLOW = `
import json, sys, yaml, onnx
mlmodel = yaml.safe_load(open(sys.argv[1] + "/MLmodel"))
model = onnx.load(sys.argv[1] + "/" + mlmodel["flavors"]["onnx"]["data"])
init = {t.name for t in model.graph.initializer}
dims = lambda v: [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]
spec = lambda side: [[t["name"], t["tensor-spec"]["dtype"], t["tensor-spec"]["shape"]] for t in json.loads(mlmodel["signature"][side])]
numpy_name = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.DOUBLE: "float64", onnx.TensorProto.INT64: "int64"}
graph = lambda values: [[v.name, numpy_name.get(v.type.tensor_type.elem_type, "other"), dims(v)] for v in values if v.name not in init]
print(json.dumps({
  "flavors": sorted(mlmodel["flavors"]),
  "signature": [spec("inputs"), spec("outputs")],
  "graph": [graph(model.graph.input), graph(model.graph.output)],
  "featureNames": json.loads({p.key: p.value for p in model.metadata_props}["feature_names"]),
}))
`;

/** A small simulated world (fast) with the handbook's window lengths, starting training on day 40. */
function flags(dir: string, overrides: Partial<TrainingFlags> = {}): TrainingFlags {
  return {
    onInvalid: 'fail',
    cacheDir: join(dir, 'data'),
    customers: 800,
    terminals: 1600,
    days: 70,
    spec: 'baseline',
    trainStart: 40,
    trainDays: 7,
    delayDays: 7,
    testDays: 7,
    validationDays: 1,
    prequential: 0,
    model: 'gbdt',
    nEstimators: 60,
    learningRate: 0.1,
    maxDepth: 4,
    lambda: 1,
    minChildWeight: 1,
    minDataInLeaf: 1,
    subsample: 1,
    colsample: 1,
    scalePosWeight: 1,
    earlyStoppingRounds: 20,
    l2: 1,
    seed: 7,
    thresholdPolicy: 'budget:20',
    k: 20,
    bootstrap: 50,
    registry: join(dir, 'models'),
    name: 'fraud-detector',
    ...overrides,
  };
}

async function train(dir: string, overrides: Partial<TrainingFlags> = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const options = localTrainOptions(flags(dir, overrides));
  const summary = await runLocalTraining(options, createOutput(false, { stdout, stderr }));
  return { summary, stderr: stderr.text };
}

// A whole training run (simulated data, features, GBDT, bootstrap, reports) takes seconds on an idle machine and
// minutes on a loaded one: each test that trains gets a 10-minute deadline rather than Jest's default.
const TRAINING_TIMEOUT_MS = 10 * 60_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fraudops-train train (local backend)', () => {
  it(
    'trains, evaluates and registers the first model as champion, with a complete card and reports',
    async () => {
      const { summary, stderr } = await train(dir);
      expect(summary.model).toMatchObject({
        name: 'fraud-detector',
        version: 1,
        uri: 'models:/fraud-detector/1',
        algorithm: 'gbdt',
      });
      expect(summary.alias).toBe('champion');
      expect(summary.gate.applied).toBe(false);
      expect(summary.parity.maxAbsDifference).toBeLessThanOrEqual(1e-6);
      // a real model on real simulated data: clearly better than chance
      expect(summary.metrics['auc_roc'].value).toBeGreaterThan(0.7);
      expect(summary.metrics['average_precision'].value).toBeGreaterThan(0.1);
      expect(summary.metrics['card_precision_at_20']).toBeDefined();
      expect(summary.threshold.rule).toBe('budget:20');
      expect(summary.threshold.expectedAlertsPerDay).toBeLessThanOrEqual(20);
      expect(summary.data.train).toMatchObject({ start: '2018-05-11', end: '2018-05-16' });
      expect(summary.data.validation).toMatchObject({ start: '2018-05-17', end: '2018-05-17' });
      expect(summary.data.test).toMatchObject({ start: '2018-05-25', end: '2018-05-31' });
      expect(Object.keys(summary.timings)).toEqual([
        'data',
        'features',
        'split',
        'train',
        'export',
        'evaluate',
        'gate',
        'register',
      ]);
      expect(stderr).toContain('▸ computing 15 features with DuckDB');

      const registry = openRegistry(join(dir, 'models'));
      const loaded = await registry.loadModel('models:/fraud-detector@champion');
      expect(loaded.version).toBe(1);
      expect(loaded.card.featureSpec.features).toHaveLength(15);
      expect(loaded.card.metrics['auc_roc'].value).toBe(summary.metrics['auc_roc'].value);
      expect(loaded.card.metrics['auc_roc'].ci?.level).toBe(0.95);
      expect(Object.keys(loaded.card.driftBaseline.features)).toHaveLength(15);
      expect(loaded.card.trainingData.fingerprint).toBe(summary.data.fingerprint);
      expect(summary.reports.html).toBe(join(dir, 'models', 'fraud-detector', 'versions', '1', 'report.html'));
      const html = await readFile(summary.reports.html as string, 'utf8');
      expect(html).toContain('<svg');
      expect(html).toContain('fraud-detector v1');
      // Reason codes: global importance (chart + table, all 15 features) and the top alerts with reasons.
      expect(html).toContain('id="chart-global-importance"');
      const markdown = await readFile(summary.reports.markdown as string, 'utf8');
      const importance = markdown.split('### Global importance (mean |SHAP|)')[1]?.split('###')[0] ?? '';
      const tableRows = [...importance.matchAll(/^\| (\d+) \| ([A-Z_0-9]+) \| ([\d.e-]+) \|$/gm)];
      expect(tableRows).toHaveLength(15);
      // The card keeps the same importance as the report: same features in the same order, the table's
      // numbers being the card's to 4 significant digits, over every test row (fewer than the sampling limit).
      const cardImportance = loaded.card.importance;
      expect(cardImportance?.rows).toBe(summary.data.test.rows);
      expect(cardImportance?.method).toMatch(/^TreeSHAP \(exact, path-dependent\)/);
      expect(cardImportance?.features.map((f) => f.feature)).toEqual(tableRows.map((row) => row[2]));
      cardImportance?.features.forEach((f, i) =>
        expect(Number(tableRows[i][3])).toBe(Number(f.meanAbsContribution.toPrecision(4))),
      );
      expect(new Set(cardImportance?.features.map((f) => f.feature))).toEqual(
        new Set(loaded.card.featureSpec.features),
      );
      expect(markdown).toMatch(
        /### Top alerts and their reasons[\s\S]*\| 1 \| \d+ \| [\d.]+ \| (yes|no) \| [A-Z_0-9]+ = /,
      );

      // The version folder is an MLflow model whose signature is the graph's interface, features in spec order.
      const { stdout } = await promisify(execFile)('/usr/bin/python3', [
        '-c',
        READ_AS_MLFLOW,
        join(dir, 'models', 'fraud-detector', 'versions', '1'),
      ]);
      const mlflow = JSON.parse(stdout) as {
        flavors: string[];
        signature: unknown[][][];
        graph: unknown[][][];
        featureNames: string[];
      };
      expect(mlflow.flavors).toEqual(['onnx', 'python_function']);
      expect(mlflow.signature[0]).toEqual([['features', 'float32', [-1, 15]]]);
      expect(mlflow.signature).toEqual(mlflow.graph);
      expect(mlflow.graph[1]).toContainEqual(['probability', 'float32', [-1, 1]]);
      expect(mlflow.featureNames).toEqual(loaded.card.featureSpec.features);
    },
    TRAINING_TIMEOUT_MS,
  );

  it(
    'is reproducible (same data and seed → the same ONNX bytes) and gates the next model against the champion',
    async () => {
      const { summary } = await train(dir);
      expect(summary.model.version).toBe(2);
      expect(summary.gate.applied).toBe(true);
      expect(summary.gate.rules.map((r) => r.metric)).toEqual(['average_precision', 'card_precision_at_20', 'brier']);
      expect(summary.alias).toBe('champion');
      const registry = openRegistry(join(dir, 'models'));
      const [v1, v2] = await Promise.all([
        registry.loadModel('models:/fraud-detector/1'),
        registry.loadModel('models:/fraud-detector/2'),
      ]);
      expect(Buffer.from(v2.onnx).equals(Buffer.from(v1.onnx))).toBe(true);
    },
    TRAINING_TIMEOUT_MS,
  );

  it(
    'keeps a clearly worse model as challenger, with the failing rule named',
    async () => {
      const { summary } = await train(dir, { nEstimators: 1, maxDepth: 1, validationDays: 0 });
      expect(summary.gate.applied).toBe(true);
      expect(summary.gate.passed).toBe(false);
      expect(summary.alias).toBe('challenger');
      expect(summary.gate.rules.some((r) => !r.passed && r.metric === 'average_precision')).toBe(true);
      const registry = openRegistry(join(dir, 'models'));
      expect(await registry.aliases('fraud-detector')).toEqual({ champion: 2, challenger: 3 });
    },
    TRAINING_TIMEOUT_MS,
  );

  it(
    'trains logistic regression as a baseline and registers nothing with --dry-run',
    async () => {
      const { summary } = await train(dir, { model: 'logreg', dryRun: true, prequential: 3 });
      // prequential folds: the same settings, each fold's test week one week earlier
      expect(summary.prequential?.folds.map((f) => f.testDays)).toEqual([
        [54, 60],
        [47, 53],
        [40, 46],
      ]);
      for (const fold of summary.prequential?.folds ?? []) expect(fold.auc_roc).toBeGreaterThan(0.5);
      expect(summary.prequential?.std.auc_roc).toBeGreaterThan(0);
      expect(summary.model).toMatchObject({ algorithm: 'logreg', version: null, uri: null });
      expect(summary.alias).toBeNull();
      expect(summary.metrics['auc_roc'].value).toBeGreaterThan(0.6);
      expect((await openRegistry(join(dir, 'models')).listVersions('fraud-detector')).length).toBe(3);
    },
    TRAINING_TIMEOUT_MS,
  );
});

describe('fraudops-train start (npm start) without serving', () => {
  it(
    'trains a champion into an empty registry, then reuses it on the next start',
    async () => {
      const own = await mkdtemp(join(tmpdir(), 'fraudops-start-'));
      try {
        const startFlags = { ...flags(own), cacheDir: join(dir, 'data'), serve: false, port: 8080, historyDays: 37 };
        const first = new Capture();
        expect(await runStart(startFlags, createOutput(false, { stdout: first, stderr: new Capture() }))).toBe(0);
        expect(first.text).toContain('registered  models:/fraud-detector/1 as @champion');
        expect(first.text).toContain(
          `report      ${join(own, 'models', 'fraud-detector', 'versions', '1', 'report.html')}`,
        );
        const second = new Capture();
        expect(await runStart(startFlags, createOutput(false, { stdout: second, stderr: new Capture() }))).toBe(0);
        expect(second.text).toMatch(/^reusing models:\/fraud-detector\/1 \(@champion, registered /);
        expect(await openRegistry(join(own, 'models')).listVersions('fraud-detector')).toHaveLength(1);
      } finally {
        await rm(own, { recursive: true, force: true });
      }
    },
    TRAINING_TIMEOUT_MS,
  );
});

describe('fraudops-train start: a champion this checkout cannot serve', () => {
  it(
    'trains a new champion when the champion was trained on a feature spec the code no longer computes',
    async () => {
      const own = await mkdtemp(join(tmpdir(), 'fraudops-start-stale-'));
      try {
        const startFlags = { ...flags(own), cacheDir: join(dir, 'data'), serve: false, port: 8080, historyDays: 37 };
        expect(await runStart(startFlags, createOutput(false, { stdout: new Capture(), stderr: new Capture() }))).toBe(
          0,
        );
        // What an older checkout left behind: the same model, registered over an earlier revision of the spec.
        const registry = openRegistry(join(own, 'models'));
        const first = await registry.loadModel('models:/fraud-detector/1');
        const { schemaVersion: _schema, name: _name, version: _version, artifacts: _artifacts, ...draft } = first.card;
        const oldHash = 'f'.repeat(first.card.featureSpec.hash.length);
        const older = await registry.register({
          name: 'fraud-detector',
          onnx: first.onnx,
          card: { ...draft, featureSpec: { ...draft.featureSpec, hash: oldHash } },
          reports: { html: '<p>older</p>', markdown: 'older' },
        });
        await registry.setAlias('fraud-detector', 'champion', older.version);

        const out = new Capture();
        expect(await runStart(startFlags, createOutput(false, { stdout: out, stderr: new Capture() }))).toBe(0);
        expect(out.text).toContain(
          `models:/fraud-detector/2 (@champion) was trained on feature spec "baseline" (${oldHash}), which this checkout no longer computes: training a new champion`,
        );
        expect(out.text).toContain('champion    models:/fraud-detector/3 replaces models:/fraud-detector/2');
        expect(await registry.getAlias('fraud-detector', 'champion')).toBe(3);
        const history = await registry.aliasHistory('fraud-detector');
        expect(history.at(-1)).toMatchObject({ alias: 'champion', version: 3, previous: 2 });
        expect(history.at(-1)?.reason).toContain(`v2 was trained on feature spec baseline#${oldHash}`);
        // …and the next start reuses the new champion.
        const again = new Capture();
        expect(await runStart(startFlags, createOutput(false, { stdout: again, stderr: new Capture() }))).toBe(0);
        expect(again.text).toMatch(/^reusing models:\/fraud-detector\/3 \(@champion/);
      } finally {
        await rm(own, { recursive: true, force: true });
      }
    },
    TRAINING_TIMEOUT_MS,
  );
});

describe('fraudops-train train: bad input', () => {
  async function cli(args: string[]) {
    const stderr = new Capture();
    const code = await runCli(['train', ...args], stderr);
    return { code, stderr: stderr.text };
  }

  it('names the flag and the rule for bad numbers', async () => {
    const { code, stderr } = await cli(['--train-days', 'seven']);
    expect(code).toBe(2);
    expect(stderr).toContain('--train-days must be an integer ≥ 1, got "seven"');
  });

  it('refuses a validation window as long as the training window', async () => {
    const { code, stderr } = await cli([
      '--cache-dir',
      join(dir, 'data'),
      '--customers',
      '800',
      '--terminals',
      '1600',
      '--days',
      '70',
      '--train-start',
      '40',
      '--validation-days',
      '7',
      '--registry',
      join(dir, 'models'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--validation-days must be an integer from 0 to 6');
  });

  it('says which window is empty when the split falls outside the data', async () => {
    const { code, stderr } = await cli([
      '--cache-dir',
      join(dir, 'data'),
      '--customers',
      '800',
      '--terminals',
      '1600',
      '--days',
      '70',
      '--train-start',
      '65',
      '--registry',
      join(dir, 'models'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/the validation window \(days 71–71\) has no transactions: check --train-start/);
  });

  it('exits 4 for a --data file that does not exist', async () => {
    const { code, stderr } = await cli(['--data', join(dir, 'nope.csv'), '--registry', join(dir, 'models')]);
    expect(code).toBe(4);
    expect(stderr).toBe(`error: --data ${join(dir, 'nope.csv')}: no such file\n`);
  });

  it('exits 6 for a data file that breaks the contract, naming the row and column, without a stack', async () => {
    const path = join(dir, 'bad.csv');
    await writeFile(
      path,
      'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud\n1,2018-04-01T00:00:01Z,3,4,10.5,0\n2,2018-04-01T00:00:02Z,3,4,-7.25,0\n',
    );
    const { code, stderr } = await cli([
      '--data',
      path,
      '--cache-dir',
      join(dir, 'data-bad'),
      '--registry',
      join(dir, 'models'),
    ]);
    expect(code).toBe(6);
    expect(stderr).toMatch(/row 2, column tx_amount: must be a finite number ≥ 0/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown threshold policy with the policies it knows', async () => {
    const { code, stderr } = await cli(['--threshold-policy', 'alerts:5']);
    expect(code).toBe(2);
    expect(stderr).toContain('--threshold-policy:');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../testing/capture.js';
import { SMALL_WORLD } from '../testing/small-world.js';
import { qualityTable, type QualityRow } from './quality.js';

const MODEL = ['--n-estimators', '40', '--max-depth', '4', '--early-stopping-rounds', '5', '--bootstrap', '50'];

const cli = runCliCaptured;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-quality-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fraudops-train quality', () => {
  it('scores our GBDT exactly as train does, and XGBoost (python3-xgboost via train.py) on the same windows', async () => {
    const cacheDir = join(dir, 'data');
    const result = await cli([
      'quality',
      ...SMALL_WORLD,
      ...MODEL,
      '--cache-dir',
      cacheDir,
      '--folds',
      '2',
      '--candidate',
      'baseline:gbdt:default',
      '--candidate',
      'baseline:xgboost:default',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { candidates } = JSON.parse(result.stdout) as { candidates: QualityRow[] };
    expect(candidates.map((c) => [c.spec, c.engine, c.folds.length])).toEqual([
      ['baseline', 'gbdt', 2],
      ['baseline', 'xgboost', 2],
    ]);
    const [ours] = candidates;
    const [oursTest, xgboostTest] = candidates.map((c) => {
      if (!c.test) throw new Error(`${c.spec}:${c.engine} has no test-window result`);
      return c.test;
    });

    // the same split, model and metric code as `train`: the same numbers, intervals included (our deterministic code)
    const trained = await cli([
      'train',
      ...SMALL_WORLD,
      ...MODEL,
      '--cache-dir',
      cacheDir,
      '--registry',
      join(dir, 'models'),
      '--dry-run',
      '--json',
    ]);
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout) as {
      model: { rounds: number };
      metrics: Record<string, { value: number; ci: { lower: number; upper: number } }>;
    };
    expect(oursTest.rounds).toBe(summary.model.rounds);
    expect(oursTest.average_precision).toEqual({
      value: summary.metrics['average_precision'].value,
      ci: {
        lower: summary.metrics['average_precision'].ci.lower,
        upper: summary.metrics['average_precision'].ci.upper,
      },
    });
    expect(oursTest.card_precision_at_k.value).toBe(summary.metrics['card_precision_at_20'].value);
    expect(oursTest.auc_roc.value).toBe(summary.metrics['auc_roc'].value);
    expect(ours.foldMean.average_precision).toBeCloseTo(
      (ours.folds[0].average_precision + ours.folds[1].average_precision) / 2,
      12,
    );

    // XGBoost's predictions scored by our metric code agree with scikit-learn's AP of them (train.py's metrics.json)
    expect(xgboostTest.rounds).toBeGreaterThan(0);
    expect(xgboostTest.rounds).toBeLessThanOrEqual(40);
    const sklearn = xgboostTest.sklearn_average_precision as number;
    expect(Math.abs(xgboostTest.average_precision.value - sklearn)).toBeLessThanOrEqual(1e-12 * sklearn);
    expect(oursTest.sklearn_average_precision).toBeUndefined();
    // it learned: far better than chance on the test window
    expect(xgboostTest.auc_roc.value).toBeGreaterThan(0.7);
    expect(xgboostTest.average_precision.ci?.lower).toBeLessThan(xgboostTest.average_precision.value);

    // --folds-only: the same fold scores (our deterministic code, bit for bit), and nothing of the test window
    const foldsOnly = await cli([
      'quality',
      ...SMALL_WORLD,
      ...MODEL,
      '--cache-dir',
      cacheDir,
      '--folds',
      '2',
      '--folds-only',
      '--candidate',
      'baseline:gbdt:default',
      '--json',
    ]);
    expect(foldsOnly.code).toBe(0);
    const onlyFolds = JSON.parse(foldsOnly.stdout) as { foldsOnly: boolean; candidates: QualityRow[] };
    expect(onlyFolds.foldsOnly).toBe(true);
    expect(onlyFolds.candidates[0].folds).toEqual(ours.folds);
    expect(onlyFolds.candidates[0].foldMean).toEqual(ours.foldMean);
    expect(onlyFolds.candidates[0].test).toBeUndefined();
    const row = qualityTable(onlyFolds.candidates, 20).split('\n')[2];
    expect(row).toMatch(
      /^\| baseline \| our GBDT \| default \| [0-9.]+ \/ [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| – \| – \| – \| – \|$/,
    );
    // training many small models on a loaded 2-core machine: a deadline, not a speed requirement
  }, 600_000);

  it('names a malformed candidate, and an interpreter that cannot run XGBoost', async () => {
    const malformed = await cli(['quality', '--candidate', 'v2:forest:default']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(
      '--candidate "v2:forest:default": expected <spec>:<gbdt|logreg|xgboost>:<default|parameter set file>',
    );
    const noPython = await cli([
      'quality',
      ...SMALL_WORLD,
      ...MODEL,
      '--cache-dir',
      join(dir, 'data'),
      '--folds',
      '1',
      '--candidate',
      'baseline:xgboost:default',
      '--python',
      join(dir, 'no-python'),
    ]);
    expect(noPython.code).toBe(7);
    expect(noPython.stderr).toContain('XGBoost (');
    expect(noPython.stderr).toContain('--python or FRAUDOPS_PYTHON');
  }, 600_000);
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../testing/capture.js';
import {
  sampleTrial,
  selectTrial,
  standardError,
  tuningFolds,
  type Trial,
  type TrialParams,
} from '../pipeline/tune.js';
import type { ParameterSet } from '../pipeline/parameter-set.js';
import { SMALL_WORLD } from '../testing/small-world.js';

const cli = runCliCaptured;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudops-tune-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tuning folds', () => {
  it('end on the last training day of the handbook split: the delay period and the test window stay unread', () => {
    // train 115–121, delay 122–128, test 129–135
    const folds = tuningFolds(
      { trainStartDay: 115, trainStart: 115, trainDays: 7, delayDays: 7, testDays: 7, validationDays: 1 },
      3,
    );
    expect(folds).toEqual([
      { fold: 0, trainStart: 101, testDays: [115, 121] },
      { fold: 1, trainStart: 94, testDays: [108, 114] },
      { fold: 2, trainStart: 87, testDays: [101, 107] },
    ]);
  });
});

describe('sampleTrial', () => {
  const defaults: TrialParams = {
    model: 'gbdt',
    gbdt: { nEstimators: 300, learningRate: 0.1, maxDepth: 6 },
    logreg: { l2: 1, scalePosWeight: 1 },
  };

  it('keeps the defaults as trial 0 and draws the same trial from the same seed and index', () => {
    expect(sampleTrial(5, 0, defaults)).toBe(defaults);
    expect(sampleTrial(5, 3, defaults)).toEqual(sampleTrial(5, 3, defaults));
    expect(sampleTrial(5, 3, defaults)).not.toEqual(sampleTrial(6, 3, defaults));
    for (let i = 1; i < 200; i++) {
      const g = sampleTrial(9, i, defaults).gbdt;
      expect(g.learningRate).toBeGreaterThanOrEqual(0.02);
      expect(g.learningRate).toBeLessThanOrEqual(0.3);
      expect([3, 4, 5, 6, 7, 8]).toContain(g.maxDepth);
      expect([1, 2, 4, 8]).toContain(g.scalePosWeight);
      expect(g.subsample).toBeGreaterThanOrEqual(0.5);
      expect(g.colsampleByTree).toBeLessThanOrEqual(1);
    }
  });

  it('searches only the L2 penalty of logistic regression', () => {
    const trial = sampleTrial(1, 4, { ...defaults, model: 'logreg' });
    expect(trial.gbdt).toEqual(defaults.gbdt);
    expect(trial.logreg.l2).not.toBe(1);
    expect(trial.logreg.l2).toBeGreaterThanOrEqual(1e-4);
    expect(trial.logreg.l2).toBeLessThanOrEqual(100);
  });
});

describe('selectTrial', () => {
  const params: TrialParams = { model: 'gbdt', gbdt: {}, logreg: { l2: 1, scalePosWeight: 1 } };
  const trial = (i: number, aps: number[], cp: number): Trial => ({
    trial: i,
    params,
    folds: aps.map((ap, fold) => ({ fold, average_precision: ap, card_precision_at_k: cp, rounds: 10 })),
    mean: { average_precision: aps.reduce((a, b) => a + b, 0) / aps.length, card_precision_at_k: cp },
    seconds: 1,
  });
  // best AP: trial 0 (mean 0.70, fold APs 0.68/0.72/0.70: standard error 0.02/√3 ≈ 0.01155)
  const trials = [
    trial(0, [0.68, 0.72, 0.7], 0.27),
    trial(1, [0.69, 0.7, 0.69], 0.28),
    trial(2, [0.68, 0.69, 0.68], 0.3),
    trial(3, [0.69, 0.71, 0.69], 0.28),
  ];

  it('ap: the best mean AP', () => {
    expect(selectTrial(trials, 'ap').trial).toBe(0);
  });

  it('ap-se: the best card precision among mean APs within one standard error of the best, then AP', () => {
    expect(standardError(trials[0])).toBeCloseTo(0.02 / Math.sqrt(3), 12);
    // trial 2 (0.6833) is more than one standard error below 0.70; trials 1 (0.6933) and 3 (0.6967) are within
    // it, tied on card precision: the better AP wins
    expect(selectTrial(trials, 'ap-se').trial).toBe(3);
    // with one fold the standard error is 0: the same as ap
    expect(selectTrial([trial(0, [0.7], 0.2), trial(1, [0.69], 0.3)], 'ap-se').trial).toBe(0);
  });
});

describe('fraudops-train tune', () => {
  it('writes the winner as a parameter set, the same for the same seed, and train --params trains with it', async () => {
    const cacheDir = join(dir, 'data');
    const out = join(dir, 'params', 'tuned.json');
    const args = [
      'tune',
      ...SMALL_WORLD,
      '--cache-dir',
      cacheDir,
      '--trials',
      '3',
      '--folds',
      '2',
      '--n-estimators',
      '40',
      '--max-depth',
      '4',
      '--early-stopping-rounds',
      '5',
      '--out',
      out,
      '--json',
    ];
    const first = await cli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { parameterSet: ParameterSet; trials: Trial[] };
    expect(result.trials.map((t) => t.trial)).toEqual([0, 1, 2]);
    const set = JSON.parse(await readFile(out, 'utf8')) as ParameterSet;
    expect(set).toEqual(result.parameterSet);
    // the default rule, ap (the best mean AP), recorded in the set
    expect(set.selection?.rule).toBe('ap');
    expect(set.selection?.meanAveragePrecision).toBe(Math.max(...result.trials.map((t) => t.mean.average_precision)));
    // main split: train 05-11…05-17, delay from 05-18; the folds test on the training window's days and before
    expect(set.selection?.folds.map((f) => f.test)).toEqual([
      ['2018-05-11', '2018-05-17'],
      ['2018-05-04', '2018-05-10'],
    ]);

    const again = await cli(args);
    const repeated = JSON.parse(again.stdout) as typeof result;
    expect(repeated.trials).toEqual(result.trials.map((t) => ({ ...t, seconds: expect.any(Number) })));

    const trained = await cli([
      'train',
      ...SMALL_WORLD,
      '--cache-dir',
      cacheDir,
      '--registry',
      join(dir, 'models'),
      '--params',
      out,
      '--max-depth',
      '3',
      '--dry-run',
      '--json',
    ]);
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.stdout) as { params: Record<string, unknown> };
    // the set's learning rate and lambda, the command line's depth
    expect(summary.params['learningRate']).toBe(set.gbdt.learningRate);
    expect(summary.params['lambda']).toBe(set.gbdt.lambda);
    expect(summary.params['maxDepth']).toBe(3);
    // three tunings' worth of training on a loaded 2-core machine: a deadline, not a speed requirement
  }, 600_000);

  it('names the field of a bad parameter set, and a missing file', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        format: 'fraudops-parameter-set/1',
        name: 'x',
        featureSpec: 'baseline',
        model: 'gbdt',
        gbdt: { learningRate: 'fast' },
        logreg: { l2: 1 },
        earlyStoppingRounds: 10,
      }),
    );
    const wrong = await cli(['train', '--params', bad, '--dry-run']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('gbdt.learningRate must be a number, got "fast"');
    const missing = await cli(['train', '--params', join(dir, 'none.json'), '--dry-run']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no such file');
  });
});

import { averagePrecision, aucRoc, baselineProfile } from '@fraudops/evaluation';
import {
  OnlineFeatureState,
  baselineFeatureSpec,
  featureNames,
  replayWithDelayedLabels,
  type FeatureSpec,
} from '@fraudops/features';
import { exportOnnx, predictProbability, trainGbdt, type FeatureMatrix } from '@fraudops/modeling';
import { LocalRegistry, type ModelCardDraft } from '@fraudops/registry';
import { simulateTransactions } from '@fraudops/transactions';

export interface SeedOptions {
  /** Local registry directory (created when missing). */
  registry: string;
  /** @defaultValue fraud-detector */
  name?: string;
  /** Simulated world: small by default so a seed takes a couple of seconds. */
  customers?: number;
  terminals?: number;
  days?: number;
  /** Boosting rounds. @defaultValue 12 */
  trees?: number;
  maxDepth?: number;
  /** Simulation seed (another seed, another world and another model). @defaultValue 7 */
  seed?: number;
  /** Alias to point at the new version. @defaultValue champion */
  alias?: string;
  /** The feature spec the model is trained on (the service serves the champion's). @defaultValue baseline */
  spec?: FeatureSpec;
}

export interface SeededModel {
  registry: string;
  name: string;
  version: number;
  uri: string;
  /** The model's scores on its own test days (for parity checks against the service). */
  testScores: Float32Array;
  /** The test rows' feature vectors, row-major in spec order. */
  testFeatures: Float32Array;
  featureCount: number;
  /** Epoch seconds just after the last simulated transaction: a safe start for live traffic. */
  endTime: number;
}

const DAY = 86_400;

/**
 * Trains a small but real champion — simulated transactions, the (baseline) features through the online
 * state (labels fed with their delay), our GBDT, ONNX export, evaluation, a drift baseline — and registers
 * it. For the smoke check and the tests: nothing here is a stand-in for the training pipeline's output format.
 */
// eslint-disable-next-line max-lines-per-function -- the seeded model's steps in order (simulate, features, train, export, register); a test helper's recipe
export async function seedChampion(options: SeedOptions): Promise<SeededModel> {
  const name = options.name ?? 'fraud-detector';
  const days = options.days ?? 45;
  const simulated = simulateTransactions({
    customers: options.customers ?? 200,
    terminals: options.terminals ?? 400,
    days,
    seed: options.seed ?? 7,
  });
  const spec = options.spec ?? baselineFeatureSpec;
  const state = new OnlineFeatureState(spec);
  const vectors = replayWithDelayedLabels(state, simulated);
  const width = state.width;
  const names = featureNames(spec);

  // Skip the first month (windows still filling), test on the last week, train on what is between.
  const start = simulated.txDatetime[0];
  const trainFrom = start + 30 * DAY;
  const testFrom = start + (days - 7) * DAY;
  const trainRows: number[] = [];
  const testRows: number[] = [];
  for (let i = 0; i < simulated.length; i++) {
    const t = simulated.txDatetime[i];
    if (t >= testFrom) testRows.push(i);
    else if (t >= trainFrom) trainRows.push(i);
  }
  const matrix = (rows: number[]): FeatureMatrix => {
    const values = new Float32Array(rows.length * width);
    rows.forEach((r, k) => {
      for (let f = 0; f < width; f++) values[k * width + f] = vectors[r * width + f];
    });
    return { rows: rows.length, cols: width, values };
  };
  const train = matrix(trainRows);
  const test = matrix(testRows);
  const trainLabels = Uint8Array.from(trainRows, (r) => simulated.txFraud[r]);
  const testLabels = Uint8Array.from(testRows, (r) => simulated.txFraud[r]);

  const params = { nEstimators: options.trees ?? 12, maxDepth: options.maxDepth ?? 4, learningRate: 0.3, seed: 1 };
  const { model } = await trainGbdt(train, trainLabels, params, { threads: 1 });
  const onnx = exportOnnx(model, { featureNames: names, featureSpecHash: state.specHash });
  const testScores = predictProbability(model, test);

  // Alert on the top 1% of test scores: a fixed daily budget on this small world.
  const sorted = Float32Array.from(testScores).sort();
  const threshold = sorted[Math.floor(sorted.length * 0.99)];
  const profile = baselineProfile({
    score: testScores,
    features: Object.fromEntries(
      names.map((n, f) => [n, Float64Array.from(testRows, (_, k) => test.values[k * width + f])]),
    ),
  });
  const day = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);
  const end = simulated.txDatetime[simulated.length - 1];
  const card: ModelCardDraft = {
    model: { algorithm: 'gbdt', producer: 'fraudops-gbdt (scoring-api seed)' },
    gitSha: null,
    featureSpec: { name: spec.name, hash: state.specHash, features: names },
    trainingData: {
      fingerprint: `simulator:customers=${options.customers ?? 200},terminals=${options.terminals ?? 400},days=${days},seed=${options.seed ?? 7}`,
      source: 'simulator',
      train: { start: day(trainFrom), end: day(testFrom - DAY), rows: trainRows.length },
      delayDays: 0,
      test: { start: day(testFrom), end: day(end), rows: testRows.length },
    },
    params,
    metrics: {
      average_precision: { value: averagePrecision(testScores, testLabels) },
      auc_roc: { value: aucRoc(testScores, testLabels) },
    },
    threshold: {
      value: threshold,
      rule: 'top:1%',
      rationale: 'Alerts on the top 1% of test-week scores (a fixed review budget).',
    },
    driftBaseline: { score: profile.score, features: profile.features, rows: profile.rows },
    description: 'Seeded by the scoring-api smoke check: a small simulated world, not a production model.',
  };
  const registry = new LocalRegistry(options.registry);
  const registered = await registry.register({
    name,
    onnx,
    card,
    reports: { html: '<!doctype html><title>seed</title><p>Seeded model.</p>', markdown: '# Seeded model\n' },
  });
  await registry.setAlias(name, options.alias ?? 'champion', registered.version, {
    reason: 'seeded for the smoke check',
  });
  return {
    registry: registry.root,
    name,
    version: registered.version,
    uri: registered.uri,
    testScores,
    testFeatures: test.values,
    featureCount: width,
    endTime: Math.ceil(end) + 1,
  };
}

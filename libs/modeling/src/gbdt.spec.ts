import type { FeatureMatrix } from './feature-matrix.js';
import { trainGbdt } from './gbdt.js';
import { predictMargin, predictProbability, type TreeEnsemble } from './tree-ensemble.js';
import { syntheticFraudData, sliceRows } from './testing/synthetic.js';
import { averagePrecision } from './validation-metrics.js';

const data = syntheticFraudData(30_000, 7);
const train = { features: sliceRows(data.features, 0, 20_000), labels: data.labels.slice(0, 20_000) };
const test = { features: sliceRows(data.features, 20_000, 30_000), labels: data.labels.slice(20_000) };

function leavesOf(model: TreeEnsemble): number[] {
  return model.trees.map((t) => Array.from(t.feature).filter((f) => f < 0).length);
}

function depthOf(tree: TreeEnsemble['trees'][number], node = 0): number {
  return tree.feature[node] < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}

/** The leaf row `r` of `matrix` reaches in `tree` (x ≤ threshold goes left; missing values as learned). */
function leafOfRow(tree: TreeEnsemble['trees'][number], matrix: FeatureMatrix, r: number): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    const x = matrix.values[r * matrix.cols + tree.feature[node]];
    const left = Number.isNaN(x) ? tree.missingGoesLeft[node] === 1 : x <= tree.threshold[node];
    node = left ? tree.left[node] : tree.right[node];
  }
  return node;
}

describe('trainGbdt', () => {
  it('learns the signal: test AP far above the base rate, base margin = logit of the positive rate', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 60, maxDepth: 4 });
    const positives = train.labels.reduce((a, b) => a + b, 0);
    const rate = positives / train.labels.length;
    expect(model.baseMargin).toBeCloseTo(Math.log(rate / (1 - rate)), 6);
    const testRate = test.labels.reduce((a, b) => a + b, 0) / test.labels.length;
    const ap = averagePrecision(predictMargin(model, test.features), test.labels);
    expect(testRate).toBeLessThan(0.1);
    expect(ap).toBeGreaterThan(3 * testRate);
    expect(model.trees).toHaveLength(60);
    for (const tree of model.trees) expect(depthOf(tree)).toBeLessThanOrEqual(4);
  });

  it('is deterministic for a seed, whatever the thread count, and changes with the seed', async () => {
    const params = { nEstimators: 15, subsample: 0.7, colsampleByTree: 0.6, seed: 3 };
    const a = await trainGbdt(train.features, train.labels, params, { threads: 1 });
    const b = await trainGbdt(train.features, train.labels, params, { threads: 2 });
    const c = await trainGbdt(train.features, train.labels, { ...params, seed: 4 }, { threads: 1 });
    expect(b.model).toEqual(a.model);
    expect(c.model).not.toEqual(a.model);
    // Leaf-wise growth with counted rows takes the other code paths of the worker threads.
    const leafwise = {
      nEstimators: 6,
      growPolicy: 'lossguide' as const,
      numLeaves: 12,
      maxDepth: 0,
      minDataInLeaf: 20,
    };
    const d = await trainGbdt(train.features, train.labels, leafwise, { threads: 1 });
    const e = await trainGbdt(train.features, train.labels, leafwise, { threads: 3 });
    expect(e.model).toEqual(d.model);
  });

  it('fits every tree to the gradients of the trees before it (root leaves, stumps, deeper and leaf-wise trees)', async () => {
    // Without row sampling a tree's root holds the rows in order and its partition writes the row index: each
    // leaf value must still be −G/(H + λ) · learning rate over exactly the training rows that reach the leaf.
    const configs = [
      { nEstimators: 3, minChildWeight: 1e6 }, // the root cannot split: every tree is one leaf
      { nEstimators: 3, maxDepth: 1 }, // stumps: the root's split is the last level
      { nEstimators: 3, maxDepth: 3 },
      { nEstimators: 3, growPolicy: 'lossguide' as const, numLeaves: 6, maxDepth: 0 },
    ];
    for (const [i, params] of configs.entries()) {
      const { model } = await trainGbdt(train.features, train.labels, params, { threads: i % 2 === 0 ? 1 : 2 });
      const { rows } = train.features;
      for (let t = 0; t < model.trees.length; t++) {
        const margins = predictMargin({ ...model, trees: model.trees.slice(0, t) }, train.features);
        const tree = model.trees[t];
        const g = new Float64Array(tree.feature.length);
        const h = new Float64Array(tree.feature.length);
        for (let r = 0; r < rows; r++) {
          const node = leafOfRow(tree, train.features, r);
          const p = 1 / (1 + Math.exp(-margins[r]));
          g[node] += p - train.labels[r];
          h[node] += Math.max(p * (1 - p), 1e-16);
        }
        for (let node = 0; node < tree.feature.length; node++) {
          if (tree.feature[node] >= 0) continue;
          const expected = (-g[node] / (h[node] + 1)) * 0.1;
          expect(Math.abs(tree.leafValue[node] - expected)).toBeLessThanOrEqual(1e-5 * Math.abs(expected) + 1e-7);
        }
      }
    }
  });

  it('partitions nodes of ≥ 131,072 rows with every thread at once, to the same model as one thread', async () => {
    // Big enough that the root and its larger child are cut into a chunk per thread (CHUNKED_PARTITION_ROWS).
    const big = syntheticFraudData(160_000, 13);
    const params = { nEstimators: 2, maxDepth: 4, seed: 1 };
    const one = await trainGbdt(big.features, big.labels, params, { threads: 1 });
    const three = await trainGbdt(big.features, big.labels, params, { threads: 3 });
    expect(three.model).toEqual(one.model);
    expect(one.model.trees[0].feature.length).toBeGreaterThan(7); // the chunked root did split further
    // 160,000 rows trained twice: about 20 s on the loaded 2-core VM, beyond Jest's default 60 s under more load.
  }, 180_000);

  it('grows leaf-wise within numLeaves, and depth-wise within maxDepth', async () => {
    const lossguide = await trainGbdt(train.features, train.labels, {
      nEstimators: 10,
      growPolicy: 'lossguide',
      numLeaves: 7,
      maxDepth: 0,
    });
    expect(Math.max(...leavesOf(lossguide.model))).toBe(7);
    const deep = Math.max(...lossguide.model.trees.map((t) => depthOf(t)));
    expect(deep).toBeGreaterThan(3); // unbalanced: 7 leaves at depth 3 would be a balanced tree's limit
    const depthwise = await trainGbdt(train.features, train.labels, { nEstimators: 10, maxDepth: 2 });
    expect(Math.max(...leavesOf(depthwise.model))).toBeLessThanOrEqual(4);
  });

  it('keeps at least minDataInLeaf training rows in every leaf', async () => {
    const { model } = await trainGbdt(train.features, train.labels, {
      nEstimators: 5,
      maxDepth: 8,
      minDataInLeaf: 400,
      minChildWeight: 0,
    });
    const { rows } = train.features;
    for (const tree of model.trees) {
      const perLeaf = new Map<number, number>();
      for (let r = 0; r < rows; r++) {
        const node = leafOfRow(tree, train.features, r);
        perLeaf.set(node, (perLeaf.get(node) ?? 0) + 1);
      }
      expect(Math.min(...perLeaf.values())).toBeGreaterThanOrEqual(400);
    }
  });

  it('learns where missing values go: rows with the risk feature missing score higher', async () => {
    const { model } = await trainGbdt(train.features, train.labels, { nEstimators: 40, maxDepth: 3 });
    const p = predictProbability(model, test.features);
    let missing = 0;
    let missingSum = 0;
    let presentLow = 0;
    let presentLowSum = 0;
    for (let r = 0; r < test.features.rows; r++) {
      const risk = test.features.values[r * test.features.cols + 5];
      if (Number.isNaN(risk)) {
        missing++;
        missingSum += p[r];
      } else if (risk < 0.25) {
        presentLow++;
        presentLowSum += p[r];
      }
    }
    expect(missingSum / missing).toBeGreaterThan(1.5 * (presentLowSum / presentLow));
  });

  it('ranks informative features above pure noise in gain importance', async () => {
    const { importance } = await trainGbdt(train.features, train.labels, { nEstimators: 30, maxDepth: 4 });
    const noise = importance.gain[7];
    expect(importance.gain[0]).toBeGreaterThan(5 * noise); // amount
    expect(importance.gain[5]).toBeGreaterThan(5 * noise); // risk + missingness
    expect(importance.splits.reduce((a, b) => a + b, 0)).toBeGreaterThan(30);
  });

  it('weights positives with scalePosWeight (higher mean probability)', async () => {
    const plain = await trainGbdt(train.features, train.labels, { nEstimators: 20, baseScore: 0.5 });
    const weighted = await trainGbdt(train.features, train.labels, {
      nEstimators: 20,
      baseScore: 0.5,
      scalePosWeight: 10,
    });
    const mean = (m: TreeEnsemble) =>
      predictProbability(m, test.features).reduce((a, b) => a + b, 0) / test.features.rows;
    expect(mean(weighted.model)).toBeGreaterThan(2 * mean(plain.model));
  });

  it('stops early on a validation set and keeps the best round', async () => {
    const rounds: number[] = [];
    const result = await trainGbdt(
      train.features,
      train.labels,
      { nEstimators: 400, learningRate: 0.5, maxDepth: 6 },
      {
        earlyStopping: { validation: test.features, labels: test.labels, rounds: 5, metric: 'logloss' },
        onRound: ({ round }) => rounds.push(round),
      },
    );
    const v = result.validation;
    if (!v) throw new Error('no validation history');
    expect(rounds.length).toBeLessThan(400);
    expect(rounds.length).toBe(v.bestRound + 6);
    expect(result.model.trees).toHaveLength(v.bestRound + 1);
    expect(Math.min(...v.history)).toBe(v.bestValue);
    const ap = await trainGbdt(
      train.features,
      train.labels,
      { nEstimators: 50 },
      { earlyStopping: { validation: test.features, labels: test.labels, rounds: 50 } },
    );
    expect(ap.validation?.metric).toBe('average_precision');
    expect(ap.validation?.bestValue).toBe(averagePrecision(predictMargin(ap.model, test.features), test.labels));
  });

  it('rejects bad parameters and inputs with stable codes', async () => {
    await expect(trainGbdt(train.features, train.labels, { learningRate: 0 })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
      message: expect.stringContaining('learningRate'),
    });
    await expect(trainGbdt(train.features, train.labels, { growPolicy: 'wide' as never })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
    });
    await expect(trainGbdt(train.features, train.labels.slice(1))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(trainGbdt(train.features, new Uint8Array(train.features.rows))).rejects.toMatchObject({
      code: 'SINGLE_CLASS',
    });
  });
});

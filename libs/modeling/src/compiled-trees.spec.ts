import {
  COMPILED_GROUP_NODES,
  COMPILED_MAX_DEPTH,
  compileTreeEnsemble,
  compileTrees,
  leafRows,
} from './compiled-trees.js';
import { trainGbdt } from './gbdt.js';
import { sliceRows, syntheticFraudData } from './testing/synthetic.js';
import { decisionTreeFromNodes, predictProbability, type TreeEnsemble } from './tree-ensemble.js';

const data = syntheticFraudData(20_000, 5);
const train = { features: sliceRows(data.features, 0, 12_000), labels: data.labels.slice(0, 12_000) };
const test = sliceRows(data.features, 12_000, 20_000);

/** Every ninth value missing on top of the data's own missing feature, so both missing branches are taken. */
const withGaps = test.values.map((v, i) => (i % 9 === 4 ? Number.NaN : v));

/** A one-split tree on feature 0: left leaf `low`, right leaf `high`, missing values to `missingLeft`'s side. */
function stump(threshold: number, low: number, high: number, missingLeft: number) {
  return decisionTreeFromNodes({
    feature: [0, -1, -1],
    threshold: [threshold, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    missingGoesLeft: [missingLeft, 0, 0],
    leafValue: [0, low, high],
  });
}

/** The leaf a row reaches, walked node by node. */
function leafReached(ensemble: TreeEnsemble, tree: number, row: Float32Array): number {
  const { feature, threshold, left, right, missingGoesLeft } = ensemble.trees[tree];
  let node = 0;
  while (feature[node] >= 0) {
    const x = row[feature[node]];
    const goLeft = Number.isNaN(x)
      ? missingGoesLeft[node] === 1
      : ensemble.comparison === 'leq'
        ? x <= threshold[node]
        : x < threshold[node];
    node = goLeft ? left[node] : right[node];
  }
  return node;
}

/** A chain of `depth` splits down the left side. */
function chain(depth: number): TreeEnsemble['trees'][number] {
  const feature: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  for (let d = 0; d < depth; d++) {
    // node 2d splits: its right child 2d + 1 is a leaf, its left child 2d + 2 the next split (the last leaf at the end)
    feature.push(0, -1);
    left.push(2 * d + 2, -1);
    right.push(2 * d + 1, -1);
  }
  feature.push(-1);
  left.push(-1);
  right.push(-1);
  const n = feature.length;
  return decisionTreeFromNodes({
    feature,
    threshold: Array.from({ length: n }, (_, i) => (feature[i] < 0 ? 0 : -i)),
    left,
    right,
    missingGoesLeft: new Array<number>(n).fill(0),
    leafValue: Array.from({ length: n }, (_, i) => (feature[i] < 0 ? i / 100 : 0)),
  });
}

describe('compiled tree ensemble', () => {
  let model: TreeEnsemble;

  beforeAll(async () => {
    ({ model } = await trainGbdt(train.features, train.labels, { nEstimators: 60, maxDepth: 6 }));
  });

  it("gives predictProbability's probabilities bit for bit, for both split comparisons and missing values", () => {
    expect(new Set(predictProbability(model, test)).size).toBeGreaterThan(100); // not a degenerate model
    for (const comparison of ['leq', 'lt'] as const) {
      const ensemble: TreeEnsemble = { ...model, comparison };
      const predict = compileTreeEnsemble(ensemble);
      if (!predict) throw new Error('a 60-tree depth-6 ensemble compiles');
      for (const values of [test.values, withGaps]) {
        const expected = predictProbability(ensemble, { rows: test.rows, cols: test.cols, values });
        expect(predict(values, test.rows)).toEqual(expected);
        // a row on its own, and a leading part of the matrix
        expect(predict(values.subarray(5 * test.cols), 1)[0]).toBe(expected[5]);
        expect(predict(values, 17)).toEqual(expected.subarray(0, 17));
      }
    }
  });

  it('groups trees into several functions and sums them in tree order', () => {
    // Enough trees that the groups break mid-ensemble (each tree of depth 6 has up to 127 nodes).
    const many: TreeEnsemble = { ...model, trees: [...model.trees, ...model.trees, ...model.trees] };
    const nodes = many.trees.reduce((n, tree) => n + tree.feature.length, 0);
    expect(nodes).toBeGreaterThan(2 * COMPILED_GROUP_NODES);
    const predict = compileTreeEnsemble(many);
    expect(predict?.(withGaps, test.rows)).toEqual(
      predictProbability(many, { rows: test.rows, cols: test.cols, values: withGaps }),
    );
  });

  it('writes infinite thresholds, float32 extremes, subnormals and −0 back exactly', () => {
    const ensemble: TreeEnsemble = {
      kind: 'tree_ensemble',
      featureCount: 2,
      comparison: 'lt',
      baseMargin: -0,
      trees: [
        stump(Infinity, -0, 1, 1),
        stump(-Infinity, 1e-30, -3.4028234663852886e38, 0),
        stump(1.401298464324817e-45, Math.fround(0.1), -0, 0),
      ],
    };
    const values = Float32Array.from([0, 0, -0, 1, Number.NaN, 2, 1e-45, 3, -1, 4, Infinity, 5]);
    const predict = compileTreeEnsemble(ensemble);
    expect(predict?.(values, 6)).toEqual(predictProbability(ensemble, { rows: 6, cols: 2, values }));
  });

  it('declines ensembles it should not compile, so the caller keeps its other predictor', () => {
    const base = { kind: 'tree_ensemble' as const, featureCount: 1, comparison: 'leq' as const, baseMargin: 0 };
    expect(compileTreeEnsemble({ ...base, trees: [chain(COMPILED_MAX_DEPTH)] })).toBeDefined();
    expect(compileTreeEnsemble({ ...base, trees: [chain(COMPILED_MAX_DEPTH + 1)] })).toBeUndefined();
    // A node shared by two parents (not a tree) would be written out twice.
    const shared = stump(0.5, 1, 2, 0);
    shared.right[0] = 1;
    expect(compileTreeEnsemble({ ...base, trees: [shared] })).toBeUndefined();
    // A split on a feature the ensemble does not have.
    expect(compileTreeEnsemble({ ...base, featureCount: 0, trees: [stump(0.5, 1, 2, 0)] })).toBeUndefined();
  });

  it('warms up with one row per leaf that reaches it, so every comparison runs before V8 optimises', () => {
    for (const comparison of ['leq', 'lt'] as const) {
      const ensemble: TreeEnsemble = { ...model, comparison };
      const rows = leafRows(ensemble);
      const leaves = ensemble.trees.reduce((n, tree) => n + tree.feature.filter((f) => f < 0).length, 0);
      expect(rows).toHaveLength(leaves); // a trained tree's leaves are all reachable
      for (const { tree, leaf, row } of rows) expect(leafReached(ensemble, tree, row)).toBe(leaf);
    }
    // Thresholds one float32 apart: x <= 1 then x > nextFloat32(1) below it cannot both hold — that leaf is skipped.
    const one = Math.fround(1);
    const above = new Float32Array([one]);
    new Int32Array(above.buffer)[0] += 1;
    const tree = decisionTreeFromNodes({
      feature: [0, 0, -1, -1, -1],
      threshold: [one, above[0], 0, 0, 0],
      left: [1, 2, -1, -1, -1],
      right: [4, 3, -1, -1, -1],
      missingGoesLeft: [0, 0, 0, 0, 0],
      leafValue: [0, 0, 1, 2, 3],
    });
    const contradictory: TreeEnsemble = {
      kind: 'tree_ensemble',
      featureCount: 1,
      comparison: 'leq',
      baseMargin: 0,
      trees: [tree],
    };
    expect(leafRows(contradictory).map((r) => [r.leaf, r.row[0]])).toEqual([
      [2, one],
      [4, above[0]],
    ]);
    // A split at +Infinity (leq): every number goes left, so only NaN reaches the right leaf — when missing values go right.
    for (const [missingLeft, expected] of [
      [
        0,
        [
          [1, 0],
          [2, Number.NaN],
        ],
      ],
      [1, [[1, 0]]],
    ] as const) {
      const missingOnly: TreeEnsemble = { ...contradictory, trees: [stump(Infinity, 1, 2, missingLeft)] };
      expect(leafRows(missingOnly).map((r) => [r.leaf, r.row[0]])).toEqual(expected);
    }
  });

  it('lets the caller run the warm-up in slices: done after two calls per leaf, the same answers before and after', () => {
    const compiled = compileTrees(model);
    if (!compiled) throw new Error('a 60-tree depth-6 ensemble compiles');
    const calls = 2 * leafRows(model).length;
    const before = compiled.predict(test.values, test.rows);
    let slices = 0;
    while (!compiled.warmUp(500)) slices++;
    expect(slices).toBe(Math.ceil(calls / 500) - 1);
    expect(compiled.warmUp(500)).toBe(true); // nothing left to run
    expect(compiled.predict(test.values, test.rows)).toEqual(before);
    expect(before).toEqual(predictProbability(model, test));
  });

  it('refuses a matrix shorter than the rows asked for', () => {
    const predict = compileTreeEnsemble(model);
    expect(() => predict?.(test.values.subarray(0, test.cols * 3 - 1), 3)).toThrow(
      `3 rows of ${test.cols} features need ${3 * test.cols} values, got ${3 * test.cols - 1}`,
    );
  });
});

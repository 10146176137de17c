import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureContributions } from './feature-contributions.js';
import type { FeatureMatrix } from './feature-matrix.js';
import { trainGbdt } from './gbdt.js';
import { SeededRandom } from '@fraudops/core';
import { runPython } from './testing/python.js';
import { sliceRows, syntheticFraudData } from './testing/synthetic.js';
import {
  addTreeMargins,
  decisionTreeFromNodes,
  type DecisionTree,
  type SplitComparison,
  type TreeEnsemble,
} from './tree-ensemble.js';
import { TreeExplainer, treeShap } from './tree-shap.js';
import { importXgboostJson } from './xgboost-import.js';

/** The model's margin in float64 (leaf values summed exactly, then the base margin). */
function exactMargins(model: TreeEnsemble, matrix: FeatureMatrix): Float64Array {
  const margins = new Float64Array(matrix.rows).fill(model.baseMargin);
  for (const tree of model.trees) addTreeMargins(tree, model.comparison, matrix, margins);
  return margins;
}

/** Largest |bias + Σ contributions − margin| over the rows. */
function efficiencyGap(contributions: FeatureContributions, margins: Float64Array): number {
  let gap = 0;
  const { values, featureCount, bias } = contributions;
  for (let r = 0; r < contributions.rows; r++) {
    let sum = bias;
    for (let f = 0; f < featureCount; f++) sum += values[r * featureCount + f];
    gap = Math.max(gap, Math.abs(sum - margins[r]));
  }
  return gap;
}

/**
 * The Shapley values of one row by definition: every coalition S of features, with the value of S the
 * expected margin when only the features in S are known, unknown features integrated out through the
 * tree covers ("conditional expectations through covers").
 */
function bruteForceShapley(model: TreeEnsemble, row: Float32Array): { phi: Float64Array; bias: number } {
  const m = model.featureCount;
  const expected = (tree: DecisionTree, node: number, known: number): number => {
    const f = tree.feature[node];
    if (f < 0) return tree.leafValue[node];
    const cover = tree.cover as Float32Array;
    const l = tree.left[node];
    const r = tree.right[node];
    if (known & (1 << f)) {
      const x = row[f];
      const goLeft = Number.isNaN(x)
        ? tree.missingGoesLeft[node] === 1
        : model.comparison === 'leq'
          ? x <= tree.threshold[node]
          : x < tree.threshold[node];
      return expected(tree, goLeft ? l : r, known);
    }
    return (expected(tree, l, known) * cover[l] + expected(tree, r, known) * cover[r]) / cover[node];
  };
  const value = new Float64Array(1 << m);
  for (let s = 0; s < 1 << m; s++) {
    value[s] = model.baseMargin;
    for (const tree of model.trees) value[s] += expected(tree, 0, s);
  }
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const size = (s: number) => s.toString(2).replace(/0/g, '').length;
  const phi = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let s = 0; s < 1 << m; s++) {
      if (s & (1 << i)) continue;
      const k = size(s);
      phi[i] += ((factorial(k) * factorial(m - k - 1)) / factorial(m)) * (value[s | (1 << i)] - value[s]);
    }
  }
  return { phi, bias: value[0] };
}

/**
 * A random tree over few features (so features repeat along paths), random missing directions, and
 * covers that add up like training covers do. With `emptyLeaves`, some left leaves have cover 0 (a zero
 * fraction on their path; their siblings keep every parent's cover positive).
 */
function randomTree(random: SeededRandom, featureCount: number, maxDepth: number, emptyLeaves = false): DecisionTree {
  const nodes = {
    feature: [] as number[],
    threshold: [] as number[],
    left: [] as number[],
    right: [] as number[],
    missingGoesLeft: [] as number[],
    leafValue: [] as number[],
    cover: [] as number[],
  };
  const grow = (depth: number, isLeft: boolean): number => {
    const id = nodes.feature.length;
    const leaf = depth === maxDepth || (depth > 0 && random.nextFloat() < 0.25);
    nodes.feature.push(leaf ? -1 : random.nextInt(featureCount));
    nodes.threshold.push(leaf ? 0 : Math.fround(random.nextInt(5) - 2));
    nodes.left.push(-1);
    nodes.right.push(-1);
    nodes.missingGoesLeft.push(leaf ? 0 : random.nextInt(2));
    nodes.leafValue.push(leaf ? Math.fround(random.nextFloat() * 2 - 1) : 0);
    const empty = emptyLeaves && isLeft && random.nextFloat() < 0.3;
    nodes.cover.push(leaf && !empty ? Math.fround(1 + random.nextFloat() * 50) : 0);
    if (!leaf) {
      nodes.left[id] = grow(depth + 1, true);
      nodes.right[id] = grow(depth + 1, false);
      nodes.cover[id] = nodes.cover[nodes.left[id]] + nodes.cover[nodes.right[id]];
    }
    return id;
  };
  grow(0, false);
  return decisionTreeFromNodes(nodes);
}

/** Largest |a − b| over two contribution sets of the same rows. */
function largestGap(a: FeatureContributions, b: FeatureContributions): number {
  let gap = Math.abs(a.bias - b.bias);
  for (let i = 0; i < a.values.length; i++) gap = Math.max(gap, Math.abs(a.values[i] - b.values[i]));
  return gap;
}

/** Rows of small integers (many exactly on thresholds) with missing values. */
function randomRows(random: SeededRandom, rows: number, cols: number): FeatureMatrix {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = random.nextFloat() < 0.15 ? NaN : random.nextInt(7) - 3;
  return { rows, cols, values };
}

/** The recursion of Algorithm 2 alone (no leaf tables): the oracle of the tables on trees too big for brute force. */
const RECURSION_ONLY = { maxTableEntries: 0 };

describe('TreeSHAP', () => {
  it.each<[string, SplitComparison, number, boolean]>([
    ['tables', 'leq', 1, false],
    ['tables', 'lt', 2, false],
    ['tables', 'leq', 3, false],
    ['tables', 'lt', 4, true],
    ['recursion', 'leq', 1, false],
    ['recursion', 'lt', 4, true],
  ])(
    '%s: equal brute-force Shapley values on small random trees (%s, seed %d, leaves without cover: %s)',
    (algorithm, comparison, seed, emptyLeaves) => {
      const random = new SeededRandom(seed);
      const featureCount = 5;
      const model: TreeEnsemble = {
        kind: 'tree_ensemble',
        featureCount,
        comparison,
        baseMargin: -1.5,
        trees: Array.from({ length: 4 }, () => randomTree(random, featureCount, 5, emptyLeaves)),
      };
      const matrix = randomRows(random, 40, featureCount);
      const explainer = new TreeExplainer(model, algorithm === 'tables' ? {} : RECURSION_ONLY);
      expect(explainer.tabulated.trees).toBe(
        algorithm === 'tables' ? model.trees.filter((t) => t.feature[0] >= 0).length : 0,
      );
      const contributions = explainer.explain(matrix);
      let gap = 0;
      for (let r = 0; r < matrix.rows; r++) {
        const reference = bruteForceShapley(model, matrix.values.subarray(r * featureCount, (r + 1) * featureCount));
        expect(contributions.bias).toBeCloseTo(reference.bias, 12);
        for (let f = 0; f < featureCount; f++) {
          gap = Math.max(gap, Math.abs(contributions.values[r * featureCount + f] - reference.phi[f]));
        }
      }
      expect(gap).toBeLessThanOrEqual(1e-10);
      expect(efficiencyGap(contributions, exactMargins(model, matrix))).toBeLessThanOrEqual(1e-10);
    },
  );

  it('tables equal the recursion on deep trees, and trees beyond the table budget fall back to it', () => {
    const random = new SeededRandom(7);
    const featureCount = 12;
    const model: TreeEnsemble = {
      kind: 'tree_ensemble',
      featureCount,
      comparison: 'leq',
      baseMargin: 0.25,
      trees: Array.from({ length: 30 }, () => randomTree(random, featureCount, 9, true)),
    };
    const matrix = randomRows(random, 200, featureCount);
    const oracle = new TreeExplainer(model, RECURSION_ONLY).explain(matrix);
    const tables = new TreeExplainer(model);
    expect(tables.tabulated.trees).toBe(30);
    const all = tables.explain(matrix);
    expect(largestGap(all, oracle)).toBeLessThanOrEqual(1e-10);
    expect(efficiencyGap(all, exactMargins(model, matrix))).toBeLessThanOrEqual(1e-10);
    // A budget for about half of the tables: the trees that still fit get tables, the others the recursion.
    const half = new TreeExplainer(model, { maxTableEntries: Math.floor(tables.tabulated.entries / 2) });
    expect(half.tabulated.trees).toBeGreaterThan(0);
    expect(half.tabulated.trees).toBeLessThan(30);
    expect(largestGap(half.explain(matrix), oracle)).toBeLessThanOrEqual(1e-10);
  });

  it('sends a missing value the default way: a stump credits its feature with leaf − expected value', () => {
    const stump = (missingGoesLeft: number): TreeEnsemble => ({
      kind: 'tree_ensemble',
      featureCount: 2,
      comparison: 'lt',
      baseMargin: 0,
      trees: [
        decisionTreeFromNodes({
          feature: [1, -1, -1],
          threshold: [0.5, 0, 0],
          left: [1, -1, -1],
          right: [2, -1, -1],
          missingGoesLeft: [missingGoesLeft, 0, 0],
          leafValue: [0, -1, 3],
          cover: [4, 3, 1],
        }),
      ],
    });
    const row = { rows: 1, cols: 2, values: Float32Array.of(7, NaN) };
    // Expected value (3·−1 + 1·3) / 4 = 0.
    expect(Array.from(treeShap(stump(1), row).values)).toEqual([0, -1]);
    expect(Array.from(treeShap(stump(0), row).values)).toEqual([0, 3]);
    expect(treeShap(stump(0), row).bias).toBe(0);
  });

  describe('on a GBDT trained here', () => {
    const data = syntheticFraudData(6000, 11);
    const features = sliceRows(data.features, 0, 4000);
    const labels = data.labels.slice(0, 4000);
    const test = sliceRows(data.features, 4000, 6000);
    const trained = trainGbdt(
      features,
      labels,
      { nEstimators: 30, maxDepth: 5, subsample: 0.8, seed: 5 },
      { threads: 1 },
    );

    it('records covers: the first root holds every sampled hessian, parents hold their children', async () => {
      const { model } = await trained;
      const p = 1 / (1 + Math.exp(-model.baseMargin));
      for (const tree of model.trees) {
        const cover = tree.cover as Float32Array;
        for (let node = 0; node < cover.length; node++) {
          expect(cover[node]).toBeGreaterThan(0);
          if (tree.feature[node] < 0) continue;
          expect(cover[tree.left[node]] + cover[tree.right[node]]).toBeCloseTo(cover[node], 2);
        }
      }
      // Before the first tree every row has the base margin, hence the hessian p(1 − p); 80% of rows sampled.
      const root = (model.trees[0].cover as Float32Array)[0];
      expect(root / (p * (1 - p))).toBeGreaterThan(0.75 * 4000);
      expect(root / (p * (1 - p))).toBeLessThan(0.85 * 4000);
    });

    it('sums to the margin on every test row and equals brute force on the first rows', async () => {
      const { model } = await trained;
      const contributions = treeShap(model, test);
      expect(efficiencyGap(contributions, exactMargins(model, test))).toBeLessThanOrEqual(1e-6);
      expect(largestGap(contributions, new TreeExplainer(model, RECURSION_ONLY).explain(test))).toBeLessThanOrEqual(
        1e-9,
      );
      for (let r = 0; r < 5; r++) {
        const cols = test.cols;
        const reference = bruteForceShapley(model, test.values.subarray(r * cols, (r + 1) * cols));
        for (let f = 0; f < cols; f++) expect(contributions.values[r * cols + f]).toBeCloseTo(reference.phi[f], 9);
      }
    });
  });

  describe('on the XGBoost 1.7.4 fixture', () => {
    const fixtures = join(__dirname, '..', 'fixtures', 'xgboost');
    const modelJson = readFileSync(join(fixtures, 'model.json'), 'utf8');
    const cases = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as {
      features: Array<Array<number | null>>;
    };
    const matrix: FeatureMatrix = {
      rows: cases.features.length,
      cols: cases.features[0].length,
      values: Float32Array.from(cases.features.flat(), (v) => (v === null ? NaN : v)),
    };

    it("equals XGBoost's pred_contribs (bias column included) to 1e-5, missing values and threshold rows included", () => {
      const { model } = importXgboostJson(modelJson);
      const reference = JSON.parse(
        runPython(
          [
            'import json, sys, numpy as np, xgboost as xgb',
            'd = json.load(sys.stdin)',
            'b = xgb.Booster(); b.load_model(bytearray(d["model"], "utf8"))',
            'x = np.array([[np.nan if v is None else v for v in row] for row in d["rows"]], dtype=np.float32)',
            'c = b.predict(xgb.DMatrix(x, missing=np.nan), pred_contribs=True)',
            'print(json.dumps({"version": xgb.__version__, "contribs": c.astype(float).tolist()}))',
          ].join('\n'),
          JSON.stringify({ model: modelJson, rows: cases.features }),
        ),
      ) as { version: string; contribs: number[][] };
      expect(reference.version).toBe('1.7.4');
      const explainer = new TreeExplainer(model);
      expect(explainer.tabulated.trees).toBe(model.trees.length);
      const contributions = explainer.explain(matrix);
      const cols = matrix.cols;
      let gap = 0;
      reference.contribs.forEach((row, r) => {
        expect(row).toHaveLength(cols + 1);
        for (let f = 0; f < cols; f++) gap = Math.max(gap, Math.abs(contributions.values[r * cols + f] - row[f]));
        gap = Math.max(gap, Math.abs(contributions.bias - row[cols]));
      });
      expect(gap).toBeLessThanOrEqual(1e-5);
      expect(efficiencyGap(contributions, exactMargins(model, matrix))).toBeLessThanOrEqual(1e-6);
    });

    it('refuses a model without covers and names the tree', () => {
      const { model } = importXgboostJson(modelJson);
      const bare = { ...model, trees: model.trees.map(({ cover: _cover, ...tree }) => tree) };
      expect(() => new TreeExplainer(bare)).toThrow(
        expect.objectContaining({
          code: 'UNSUPPORTED_MODEL',
          message: expect.stringContaining('tree 0 has no node covers'),
        }),
      );
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineFeatureSpec, featureNames, featureSpecHash } from '@fraudops/features';
import { predictProbability, type TreeEnsemble } from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { seedChampion, type SeededModel } from '../smoke/seed-champion.js';
import { IN_PROCESS_TOLERANCE, checkCandidate } from './candidate-checks.js';
import { scoreInChunks, scoreInProcess, type InferencePath } from './chunked-scoring.js';
import {
  IN_PROCESS_MAX_ROWS,
  WARM_UP_SLICE,
  inProcessPredictor,
  loadInProcessPredictor,
  nodeTablePredictor,
} from './in-process-predictor.js';
import { RegistryModelSource } from './registry-model-source.js';
import { readClassifier } from './row-explainer.js';
import type { ServedModel } from './served-model.js';

/**
 * onnxruntime is the reference: the in-process trees must give its probabilities, within the margin the
 * service's candidate check allows (1e-6: 0 is expected, see IN_PROCESS_TOLERANCE), and the same decisions.
 */
const TOLERANCE = IN_PROCESS_TOLERANCE;

describe('in-process tree predictor of a served model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-in-process-'));
  let seeded: SeededModel;
  let model: ServedModel;

  beforeAll(async () => {
    // Deeper and more trees than the default seed: a model like the ones served (missing values, many leaves).
    seeded = await seedChampion({ registry: join(dir, 'registry'), trees: 60, maxDepth: 6 });
    const spec = {
      name: baselineFeatureSpec.name,
      hash: featureSpecHash(baselineFeatureSpec),
      features: featureNames(baselineFeatureSpec),
    };
    model = await new RegistryModelSource({ registry: new LocalRegistry(seeded.registry), spec, onnxThreads: 1 }).load(
      seeded.uri,
    );
  });

  /** The trees of the seeded champion, read back from its ONNX file as the service reads them. */
  async function seededEnsemble(): Promise<TreeEnsemble> {
    const classifier = readClassifier(
      (await new LocalRegistry(seeded.registry).loadModel(seeded.uri)).onnx,
      seeded.uri,
    );
    if ('unavailable' in classifier || classifier.kind !== 'tree_ensemble')
      throw new Error('the seed model is a tree ensemble');
    return classifier;
  }

  afterAll(async () => {
    await model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives onnxruntime's probabilities row by row, and the same decisions", async () => {
    const width = seeded.featureCount;
    const rows = seeded.testFeatures.length / width;
    expect(rows).toBeGreaterThan(500);
    const predict = model.predictInProcess;
    if (!predict) throw new Error('a tree-ensemble champion must have an in-process predictor');
    const onnx = await model.score(seeded.testFeatures, rows);
    let largest = 0;
    for (let r = 0; r < rows; r++) {
      const single = predict(seeded.testFeatures.subarray(r * width, (r + 1) * width), 1);
      largest = Math.max(largest, Math.abs(single[0] - onnx[r]));
      expect(single[0] >= model.threshold.value).toBe(onnx[r] >= model.threshold.value);
    }
    expect(largest).toBeLessThanOrEqual(TOLERANCE);
    const batch = predict(seeded.testFeatures, rows);
    for (let r = 0; r < rows; r++) expect(Math.abs(batch[r] - onnx[r])).toBeLessThanOrEqual(TOLERANCE);
  });

  it("is bit-identical to the modeling library's predictProbability, compiled or walked, for both split comparisons and missing values", async () => {
    const classifier = await seededEnsemble();
    const width = seeded.featureCount;
    const rows = seeded.testFeatures.length / width;
    // Every tenth value missing, so that both of a node's missing-value branches are taken.
    const values = seeded.testFeatures.map((v, i) => (i % 10 === 3 ? Number.NaN : v));
    for (const comparison of ['leq', 'lt'] as const) {
      const ensemble: TreeEnsemble = { ...classifier, comparison };
      const expected = predictProbability(ensemble, { rows, cols: width, values });
      const compiled = inProcessPredictor(ensemble);
      expect(compiled?.walk).toBe('compiled');
      for (const predict of [compiled, nodeTablePredictor(ensemble)]) {
        if (!predict) throw new Error('a tree ensemble has an in-process predictor');
        expect(predict(values, rows)).toEqual(expected);
        for (let r = 0; r < rows; r += 37) {
          expect(predict(values.subarray(r * width), 1)[0]).toBe(expected[r]);
        }
      }
    }
  });

  it('warms the compiled trees up between turns of the event loop when a model loads, to the same answers', async () => {
    const classifier = await seededEnsemble();
    const leaves = classifier.trees.reduce((n, tree) => n + tree.feature.filter((f) => f < 0).length, 0);
    expect(2 * leaves).toBeGreaterThan(2 * WARM_UP_SLICE); // several slices
    // Count the event loop's turns while the predictor loads: each slice of the warm-up lets one through.
    let turns = 0;
    let loading = true;
    const tick = () => {
      turns++;
      if (loading) setImmediate(tick);
    };
    setImmediate(tick);
    const loaded = await loadInProcessPredictor(classifier);
    loading = false;
    expect(turns).toBeGreaterThanOrEqual(Math.floor((2 * leaves) / WARM_UP_SLICE));
    expect([loaded?.walk, loaded?.maxRows]).toEqual(['compiled', Infinity]);
    const rows = seeded.testFeatures.length / seeded.featureCount;
    expect(loaded?.(seeded.testFeatures, rows)).toEqual(inProcessPredictor(classifier)?.(seeded.testFeatures, rows));
  });

  it('serves every batch size by the compiled trees, saying so; the node table only small ones', async () => {
    const width = seeded.featureCount;
    const predict = model.predictInProcess;
    if (!predict) throw new Error('a tree-ensemble champion must have an in-process predictor');
    expect([predict.walk, predict.maxRows]).toEqual(['compiled', Infinity]);
    const served: Array<[InferencePath, number]> = [];
    const count = (path: InferencePath, rows: number) => void served.push([path, rows]);
    const reference = await model.score(seeded.testFeatures.subarray(0, 200 * width), 200);
    // 200 rows in chunks of 64: four calls, one count
    const compiled = await scoreInChunks(model, seeded.testFeatures, 200, 64, count);
    expect(served).toEqual([['typescript', 200]]);

    // The node table (ensembles too large to compile) takes small batches; onnxruntime the larger ones.
    const classifier = await seededEnsemble();
    const table = nodeTablePredictor(classifier);
    expect([table.walk, table.maxRows]).toEqual(['node-table', IN_PROCESS_MAX_ROWS]);
    const withTable: ServedModel = { ...model, predictInProcess: table };
    served.length = 0;
    const small = await scoreInChunks(withTable, seeded.testFeatures, IN_PROCESS_MAX_ROWS, 64, count);
    const large = await scoreInChunks(withTable, seeded.testFeatures, 200, 64, count);
    expect(served).toEqual([
      ['typescript', IN_PROCESS_MAX_ROWS],
      ['onnxruntime', 200],
    ]);
    expect(scoreInProcess(withTable, seeded.testFeatures, IN_PROCESS_MAX_ROWS + 1, 64)).toBeUndefined();
    expect(scoreInProcess(model, seeded.testFeatures, 65, 64)).toBeUndefined(); // more than one call's rows
    expect(scoreInProcess(model, seeded.testFeatures, 64, 64)).toEqual(compiled.subarray(0, 64));
    for (let r = 0; r < 200; r++) {
      expect(Math.abs(large[r] - reference[r])).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(compiled[r] - reference[r])).toBeLessThanOrEqual(TOLERANCE);
      if (r < IN_PROCESS_MAX_ROWS) expect(small[r]).toBe(compiled[r]);
    }
  });

  it('keeps a candidate whose TypeScript trees disagree with onnxruntime from serving, naming the row', async () => {
    const width = seeded.featureCount;
    const spec = { name: model.featureSpec.name, hash: model.featureSpec.hash, features: model.featureSpec.features };
    await expect(checkCandidate(model, spec, seeded.testFeatures, 50)).resolves.toBeUndefined();
    // The same trees with one leaf of the first tree moved: rows reaching it score differently in TypeScript.
    const ensemble = await seededEnsemble();
    const first = ensemble.trees[0];
    const leaf = first.feature.findIndex((f) => f < 0);
    const leafValue = Float32Array.from(first.leafValue);
    leafValue[leaf] += 1;
    const wrong = inProcessPredictor({ ...ensemble, trees: [{ ...first, leafValue }, ...ensemble.trees.slice(1)] });
    if (!wrong) throw new Error('the changed ensemble compiles');
    const rows = seeded.testFeatures.length / width;
    await expect(
      checkCandidate({ ...model, predictInProcess: wrong }, spec, seeded.testFeatures, rows),
    ).rejects.toThrow(
      /^its TypeScript trees \(compiled\) scored sample row \d+ as [\d.e-]+ where onnxruntime gives [\d.e-]+$/,
    );
  });
});

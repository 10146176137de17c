import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineFeatureState, baselineFeatureSpec, featureNames } from '@fraudops/features';
import {
  OnnxScorer,
  TreeExplainer,
  classifierFromOnnx,
  exportOnnx,
  predictMargin,
  type TreeEnsemble,
} from '@fraudops/modeling';
import { LocalRegistry, type ModelCardDraft } from '@fraudops/registry';
import { seedChampion } from './smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from './testing/harness.js';
import { transactionStream } from './testing/transactions.js';

const API_KEY = 'test-api-key-0123456789';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };
const START = Date.UTC(2018, 9, 1) / 1000;
const NAMES = featureNames(baselineFeatureSpec);
/**
 * The service's probability is onnxruntime's float32; the reference margin and the contributions are
 * double. Both agree with each other to 1e-6 on the margin scale, and with the float32 answer to 1e-6 on the
 * probability scale (logit of a float32 probability near 0 or 1 is ill-conditioned, so not compared there).
 */
const TOLERANCE = 1e-6;

interface Reason {
  feature: string;
  value: number | null;
  contribution: number;
}
interface Result {
  transaction_id: number;
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
  reasons?: Reason[];
}

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

describe('reason codes on POST /v1/score (EXPLAIN_ALERTS=top2, a real GBDT champion)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-explain-'));
  // 100 transactions for the tests below, each scored exactly once in this order (repeats aside).
  const stream = transactionStream({ firstId: 1, count: 110, startTime: START });
  const vectors = new Map<number, Float32Array>();
  /** onnxruntime's probability of each transaction of the stream, in process. */
  const probabilities = new Map<number, number>();
  /** The answers of the first test (a pass among them is retried later). */
  let firstAnswers: Result[] = [];
  let model: TreeEnsemble;
  let explainer: TreeExplainer;
  let threshold: number;
  let server: TestServer;
  const post = (body: unknown) => call(server.url, 'POST', '/v1/score', body, auth);

  beforeAll(async () => {
    const seeded = await seedChampion({ registry: join(dir, 'registry') });
    const registry = new LocalRegistry(seeded.registry);
    const stored = await registry.loadModel(seeded.uri);
    const classifier = classifierFromOnnx(stored.onnx).model;
    if (classifier.kind !== 'tree_ensemble') throw new Error('the seeded champion is a GBDT');
    model = classifier;
    explainer = new TreeExplainer(model);

    // The same stream through an independent online state, scored by the same ONNX bytes in process: the
    // alert threshold is the median of the first 40 (alerts and passes both occur there).
    const state = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
    const scorer = await OnnxScorer.load(stored.onnx, { featureSpecHash: stored.card.featureSpec.hash });
    try {
      for (const tx of stream) {
        const vector = Float32Array.from(
          state.process({
            transactionId: tx.transaction_id,
            txDatetime: tx.tx_datetime,
            customerId: tx.customer_id,
            terminalId: tx.terminal_id,
            txAmount: tx.tx_amount,
          }),
        );
        vectors.set(tx.transaction_id, vector);
        probabilities.set(tx.transaction_id, (await scorer.score(vector)).probability[0]);
      }
    } finally {
      await scorer.release();
    }
    threshold = stream
      .slice(0, 40)
      .map((tx) => probabilities.get(tx.transaction_id) as number)
      .sort((a, b) => a - b)[20];

    // v2: the seeded model with that threshold (champion); v3: the same trees without node covers, which
    // cannot be explained (a model registered before covers were kept).
    const { schemaVersion: _s, name: _n, version: _v, created: _c, artifacts: _a, ...draft } = stored.card;
    const card: ModelCardDraft = {
      ...draft,
      threshold: { ...draft.threshold, value: threshold, rule: 'median', rationale: 'half of the test stream alerts' },
    };
    const reports = { html: '<p>explain test</p>', markdown: '# explain test\n' };
    const v2 = await registry.register({ name: 'fraud-detector', onnx: stored.onnx, card, reports });
    await registry.setAlias('fraud-detector', 'champion', v2.version);
    const withoutCovers: TreeEnsemble = { ...model, trees: model.trees.map(({ cover: _cover, ...tree }) => tree) };
    const v3 = await registry.register({
      name: 'fraud-detector',
      onnx: exportOnnx(withoutCovers, { featureNames: NAMES, featureSpecHash: stored.card.featureSpec.hash }),
      card,
      reports,
    });
    expect(v3.version).toBe(v2.version + 1);

    server = await startTestServer({
      REGISTRY: seeded.registry,
      API_KEYS: API_KEY,
      ADMIN_TOKEN,
      EXPLAIN_ALERTS: 'top2',
    });
  });

  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The reasons a result must list: the reference vector's values and TreeSHAP contributions, largest |contribution| first. */
  function expectedReasons(id: number, top: number): Reason[] {
    const values = vectors.get(id) as Float32Array;
    const contributions = new Float64Array(NAMES.length);
    explainer.explainRow(values, 0, contributions, 0);
    return NAMES.map((feature, f) => ({ feature, value: values[f], contribution: contributions[f] }))
      .filter((r) => r.contribution !== 0)
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
      .slice(0, top);
  }

  function expectReasons(result: Result, top: number): void {
    const expected = expectedReasons(result.transaction_id, top);
    expect(result.reasons?.map((r) => [r.feature, r.value])).toEqual(expected.map((r) => [r.feature, r.value]));
    result.reasons?.forEach((r, k) =>
      expect(Math.abs(r.contribution - expected[k].contribution)).toBeLessThanOrEqual(1e-12),
    );
  }

  it('without "explain", every alert carries its 2 largest reasons (EXPLAIN_ALERTS=top2) and no pass carries any', async () => {
    const results: Result[] = [];
    for (const tx of stream.slice(0, 40)) {
      const reply = await post({ transactions: [tx] });
      expect(reply.status).toBe(200);
      results.push(...(reply.body.results as Result[]));
    }
    firstAnswers = results;
    const alerts = results.filter((r) => r.decision === 'alert');
    expect(alerts.length).toBeGreaterThanOrEqual(20);
    expect(alerts.length).toBeLessThan(40);
    for (const result of results) {
      expect(result.threshold).toBe(threshold);
      expect(result.probability).toBe(probabilities.get(result.transaction_id));
      if (result.decision === 'alert') expectReasons(result, 2);
      else expect(result).not.toHaveProperty('reasons');
    }
  });

  it('"explain": {"top": 15} lists every contribution: with the bias they make the margin of the returned probability', async () => {
    for (let i = 40; i < 80; i += 10) {
      const reply = await post({ transactions: stream.slice(i, i + 10), explain: { top: 15 } });
      expect(reply.status).toBe(200);
      for (const result of reply.body.results as Result[]) {
        expectReasons(result, 15);
        const sum = explainer.bias + (result.reasons ?? []).reduce((total, r) => total + r.contribution, 0);
        const margin = predictMargin(model, {
          rows: 1,
          cols: NAMES.length,
          values: vectors.get(result.transaction_id) as Float32Array,
        })[0];
        expect(Math.abs(sum - margin)).toBeLessThanOrEqual(TOLERANCE);
        expect(Math.abs(sigmoid(sum) - result.probability)).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });

  it('"explain": true gives every result (alert or pass) its 3 largest reasons; a retry gets the same reasons back', async () => {
    const first = await post({ transactions: stream.slice(80, 90), explain: true });
    expect(first.status).toBe(200);
    const results = first.body.results as Result[];
    for (const result of results) expectReasons(result, 3);
    // Repeats answer from memory: the first answer and its reasons (fewer asked: the largest of them).
    const again = await post({ transactions: [stream[85], stream[85]], explain: true });
    expect(again.body.results).toEqual([results[5], results[5]]);
    const fewer = await post({ transactions: [stream[85]], explain: { top: 1 } });
    expect(fewer.body.results[0].reasons).toEqual(results[5].reasons?.slice(0, 1));
    // An answer first given without reasons stays without them (its vector is not kept).
    const pass = firstAnswers.find((r) => r.decision === 'pass') as Result;
    const unexplained = await post({ transactions: [stream[pass.transaction_id - 1]], explain: true });
    expect(unexplained.body.results).toEqual([pass]);
  });

  it('names the field and the rule for a bad "explain", recording nothing', async () => {
    const tx = stream[90];
    const cases: Array<[unknown, string, string]> = [
      [{ top: 0 }, 'explain.top', 'must be ≥ 1'],
      [{ top: 16 }, 'explain.top', 'must be ≤ 15'],
      [{ top: 2.5 }, 'explain.top', 'must be a whole number of reasons'],
      ['yes', 'explain', 'must be true, false or {"top": k} with k from 1 to 15'],
      [{ k: 3 }, 'explain', 'must be true, false or {"top": k} with k from 1 to 15'],
    ];
    const size = server.service.features.size;
    for (const [explain, path, problem] of cases) {
      const reply = await post({ transactions: [tx], explain });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path, problem }] });
      expect(reply.body.error.message).toBe(`Invalid score request: ${path} ${problem}.`);
    }
    expect(server.service.features.size).toBe(size);
    const accepted = await post({ transactions: [tx], explain: false });
    expect(accepted.status).toBe(200);
    expect(server.service.features.size).toBe(size + 1);
  });

  it('a champion that cannot be explained still scores: "explain" is 422 EXPLANATION_UNAVAILABLE before anything is recorded, alerts come without reasons', async () => {
    await new LocalRegistry(join(dir, 'registry')).setAlias('fraud-detector', 'champion', 3);
    const reload = await call(server.url, 'POST', '/admin/reload', undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(reload.body.steps[0]).toMatchObject({ role: 'champion', status: 'swapped', to: { version: 3 } });
    expect(server.logs.some((line) => line.includes('the champion cannot be explained'))).toBe(true);

    const size = server.service.features.size;
    const batch = stream.slice(91, 110);
    const refused = await post({ transactions: batch, explain: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('EXPLANATION_UNAVAILABLE');
    expect(refused.body.error.message).toMatch(/^models:\/fraud-detector\/3 cannot be explained: .*node covers/);
    expect(server.service.features.size).toBe(size);

    const scored = await post({ transactions: batch });
    expect(scored.status).toBe(200);
    const results = scored.body.results as Result[];
    // Alerts among them (by the reference), answered all the same, without reasons.
    expect(batch.filter((tx) => (probabilities.get(tx.transaction_id) as number) >= threshold).length).toBeGreaterThan(
      0,
    );
    results.forEach((result, i) => {
      expect(result.decision).toBe(
        (probabilities.get(batch[i].transaction_id) as number) >= threshold ? 'alert' : 'pass',
      );
      expect(result).not.toHaveProperty('reasons');
    });
    expect(server.service.features.size).toBe(size + batch.length);
  });
});

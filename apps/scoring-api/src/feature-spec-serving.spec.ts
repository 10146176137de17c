import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineFeatureState, featureNames, v2FeatureSpec, validateFeatureSpec } from '@fraudops/features';
import { OnnxScorer } from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { servedFeatureSpec } from './runtime.js';
import { seedChampion, type SeededModel } from './smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from './testing/harness.js';
import { transactionStream } from './testing/transactions.js';

const API_KEY = 'spec-serving-key-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };

// The service computes the feature spec its champion was trained on: the hash in the card decides.
describe('the served feature spec follows the champion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-spec-'));
  const registryDir = join(dir, 'registry');
  let champion: SeededModel;
  let server: TestServer;

  beforeAll(async () => {
    champion = await seedChampion({ registry: registryDir, spec: v2FeatureSpec });
    server = await startTestServer({ REGISTRY: registryDir, API_KEYS: API_KEY });
  }, 180_000); // training a small model on a loaded machine

  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a v2 champion is served with v2 vectors: the model info names it and scores equal the library replay', async () => {
    const info = await call(server.url, 'GET', '/v1/model', undefined, auth);
    expect(info.status).toBe(200);
    expect(info.body.feature_spec).toMatchObject({ name: 'v2', features: featureNames(v2FeatureSpec) });

    const stream = transactionStream({ firstId: 1, count: 60, startTime: champion.endTime + 60, spacing: 900 });
    const reply = await call(server.url, 'POST', '/v1/score', { transactions: stream }, auth);
    expect(reply.status).toBe(200);
    const reference = new OnlineFeatureState(v2FeatureSpec, { tieOrder: 'arrival' });
    const scorer = await OnnxScorer.load((await new LocalRegistry(registryDir).loadModel(champion.uri)).onnx, {
      featureSpecHash: reference.specHash,
    });
    try {
      for (let i = 0; i < stream.length; i++) {
        const tx = stream[i];
        const vector = Float32Array.from(
          reference.process({
            transactionId: tx.transaction_id,
            txDatetime: tx.tx_datetime,
            customerId: tx.customer_id,
            terminalId: tx.terminal_id,
            txAmount: tx.tx_amount,
          }),
        );
        // onnxruntime on the same float32 vector: same value to its float32 precision
        expect((reply.body.results as Array<{ probability: number }>)[i].probability).toBeCloseTo(
          (await scorer.score(vector)).probability[0],
          6,
        );
      }
      // the v2-only features took real values: recencies below the cap, z-scores away from 0
      const last = reference.process({
        transactionId: 999,
        txDatetime: stream[59].tx_datetime + 60,
        customerId: stream[59].customer_id,
        terminalId: 1,
        txAmount: 5000,
      });
      expect(last[featureNames(v2FeatureSpec).indexOf('CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX')]).toBeLessThan(720);
      expect(last[featureNames(v2FeatureSpec).indexOf('CUSTOMER_ID_AMOUNT_ZSCORE_7DAY_WINDOW')]).toBeGreaterThan(1);
    } finally {
      await scorer.release();
    }
  });

  it('refuses to start for a champion whose spec it does not know, naming both hashes', async () => {
    const custom = validateFeatureSpec({
      name: 'amount-only',
      version: 1,
      features: [{ name: 'TX_AMOUNT', kind: 'raw', column: 'tx_amount' }],
    });
    const otherRegistry = join(dir, 'other');
    await seedChampion({ registry: otherRegistry, spec: custom, customers: 60, terminals: 120, trees: 2 });
    const registry = new LocalRegistry(otherRegistry);
    await expect(servedFeatureSpec(registry, 'models:/fraud-detector@champion')).rejects.toThrow(
      /models:\/fraud-detector@champion was trained on feature spec "amount-only" \([0-9a-f]{64}\), which this service does not know; it computes "baseline" \([0-9a-f]{64}\), "v2" \([0-9a-f]{64}\)/,
    );
    // no champion yet: the baseline stands in, and loading the models reports the missing alias
    expect(
      (await servedFeatureSpec(new LocalRegistry(join(dir, 'empty')), 'models:/fraud-detector@champion')).name,
    ).toBe('baseline');
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineFeatureState, baselineFeatureSpec, featureNames } from '@fraudops/features';
import { OnnxScorer } from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { IN_PROCESS_MAX_ROWS } from './model/in-process-predictor.js';
import { seedChampion, type SeededModel } from './smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from './testing/harness.js';
import { transactionStream, type WireTransaction } from './testing/transactions.js';

const API_KEY = 'test-api-key-0123456789';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };
const START = Date.UTC(2018, 9, 1) / 1000;

/**
 * The reference the service must agree with: the same stream through an independent online state, scored
 * by the same ONNX bytes in an in-process OnnxScorer.
 */
class Reference {
  readonly state = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
  constructor(readonly scorer: OnnxScorer) {}

  vector(tx: WireTransaction): Float32Array {
    const t = typeof tx.tx_datetime === 'number' ? tx.tx_datetime : Date.parse(tx.tx_datetime) / 1000;
    return Float32Array.from(
      this.state.process({
        transactionId: Number(tx.transaction_id),
        txDatetime: t,
        customerId: tx.customer_id,
        terminalId: tx.terminal_id,
        txAmount: tx.tx_amount,
      }),
    );
  }

  async probability(vector: Float32Array): Promise<number> {
    return (await this.scorer.score(vector)).probability[0];
  }
}

describe('scoring-api over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-app-'));
  let seeded: SeededModel;
  let server: TestServer;
  let base: string;
  let reference: Reference;
  const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    call(base, 'POST', path, body, headers);
  const get = (path: string, headers: Record<string, string> = auth) => call(base, 'GET', path, undefined, headers);

  beforeAll(async () => {
    seeded = await seedChampion({ registry: join(dir, 'registry') });
    server = await startTestServer({
      REGISTRY: seeded.registry,
      API_KEYS: `${API_KEY},second-key-0123456789`,
      ADMIN_TOKEN,
      STATE_SNAPSHOT: join(dir, 'state.snapshot'),
      CHUNK_ROWS: '64',
      BODY_LIMIT: '4mb',
    });
    base = server.url;
    const onnx = (await new LocalRegistry(seeded.registry).loadModel(seeded.uri)).onnx;
    reference = new Reference(await OnnxScorer.load(onnx, { featureSpecHash: server.service.features.spec.hash }));
  });

  afterAll(async () => {
    await server?.shutdown();
    await reference?.scorer.release();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('health and model information', () => {
    it('separates liveness from readiness, and both need no key', async () => {
      expect(await get('/healthz', {})).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await get('/readyz', {})).toMatchObject({ status: 200, body: { status: 'ready', reasons: [] } });
      expect(await get('/v2/health/live', {})).toMatchObject({ status: 200, body: { live: true } });
      expect(await get('/v2/health/ready', {})).toMatchObject({ status: 200, body: { ready: true } });
    });

    it('describes the champion: version, metrics, threshold, feature order and hash', async () => {
      const reply = await get('/v1/model');
      const card = (await new LocalRegistry(seeded.registry).resolve(seeded.uri)).card;
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        name: 'fraud-detector',
        version: seeded.version,
        uri: seeded.uri,
        created: card.created,
        threshold: { value: card.threshold.value, rule: 'top:1%' },
        metrics: { auc_roc: { value: card.metrics.auc_roc.value } },
        feature_spec: {
          name: 'baseline',
          hash: server.service.features.spec.hash,
          features: featureNames(baselineFeatureSpec),
        },
        // a tree ensemble: its compiled trees score every batch size, onnxruntime none
        inference: { typescript: 'compiled', onnxruntime_from_rows: null },
        challenger: null,
      });
    });
  });

  describe('POST /v1/score', () => {
    const stream = transactionStream({ firstId: 1_000, count: 60, startTime: START });

    it('answers what the online state and the model give for the same stream', async () => {
      const expected: number[] = [];
      for (const tx of stream) expected.push(await reference.probability(reference.vector(tx)));
      const answers: Array<{ transaction_id: number; probability: number; decision: string; threshold: number }> = [];
      for (let i = 0; i < stream.length; i += 20) {
        const reply = await post('/v1/score', { transactions: stream.slice(i, i + 20) });
        expect(reply.status).toBe(200);
        expect(reply.body.model).toEqual({ name: 'fraud-detector', version: seeded.version });
        answers.push(...reply.body.results);
      }
      const threshold = server.service.champion.model?.threshold.value ?? Number.NaN;
      expect(answers.map((a) => a.transaction_id)).toEqual(stream.map((t) => t.transaction_id));
      answers.forEach((a, i) => {
        expect(a.probability).toBe(expected[i]);
        expect(a.decision).toBe(a.probability >= threshold ? 'alert' : 'pass');
        expect(a.threshold).toBe(threshold);
      });
      // The windows really filled: a later transaction's customer count exceeds 1.
      const lastCustomer = stream[stream.length - 1].customer_id;
      expect(stream.filter((t) => t.customer_id === lastCustomer).length).toBeGreaterThan(1);
    });

    it('returns the same answer for a repeated id without counting it twice', async () => {
      const before = await post('/v1/score', { transactions: [stream[10]] });
      const metricsBefore = await get('/metrics', {});
      const again = await post('/v1/score', { transactions: [stream[10], stream[10]] });
      expect(again.body.results).toEqual([before.body.results[0], before.body.results[0]]);
      const metricsAfter = await get('/metrics', {});
      expect(counter(metricsAfter.body, 'scoring_transactions_total')).toBe(
        counter(metricsBefore.body, 'scoring_transactions_total'),
      );
      expect(counter(metricsAfter.body, 'scoring_repeated_transactions_total')).toBe(
        counter(metricsBefore.body, 'scoring_repeated_transactions_total') + 2,
      );
      // The next transaction of that customer sees it once, as the reference state does.
      const next = { ...stream[10], transaction_id: 5_000, tx_datetime: START + stream.length * 600 };
      const reply = await post('/v1/score', { transactions: [next] });
      expect(reply.body.results[0].probability).toBe(await reference.probability(reference.vector(next)));
    });

    it('applies a batch in time order and answers in request order', async () => {
      const batch = transactionStream({ firstId: 6_000, count: 30, startTime: START + 61 * 600, spacing: 30 });
      const reversed = [...batch].reverse();
      const expected = new Map<number, number>();
      for (const tx of batch) expected.set(tx.transaction_id, await reference.probability(reference.vector(tx)));
      const reply = await post('/v1/score', { transactions: reversed });
      expect(reply.status).toBe(200);
      expect(reply.body.results.map((r: { transaction_id: number }) => r.transaction_id)).toEqual(
        reversed.map((t) => t.transaction_id),
      );
      for (const r of reply.body.results) expect(r.probability).toBe(expected.get(r.transaction_id));
    });

    it('accepts string ids and ISO datetimes (the contract), echoing the id as sent', async () => {
      const tx = {
        transaction_id: 'card-auth-0001',
        tx_datetime: new Date((START + 70 * 600) * 1000).toISOString(),
        customer_id: 3,
        terminal_id: 5,
        tx_amount: 12.5,
      };
      const reply = await post('/v1/score', { transactions: [tx] });
      expect(reply.status).toBe(200);
      expect(reply.body.results[0].transaction_id).toBe('card-auth-0001');
      expect(reply.body.results[0].probability).toBeGreaterThanOrEqual(0);
      const fed = await post('/v1/feedback', { labels: [{ transaction_id: 'card-auth-0001', is_fraud: 1 }] });
      expect(fed.body).toEqual({ applied: 1, repeated: 0, unknown: [] });
    });

    it('refuses a reused id with other fields, recording nothing', async () => {
      const conflicting = { ...stream[0], tx_amount: stream[0].tx_amount + 1 };
      const fresh = {
        transaction_id: 7_002,
        tx_datetime: START + 72 * 600,
        customer_id: 2,
        terminal_id: 2,
        tx_amount: 10,
      };
      const conflict = await post('/v1/score', { transactions: [fresh, conflicting] });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({
        code: 'CONFLICTING_TRANSACTION',
        details: [{ path: 'transactions[1].transaction_id' }],
      });
      // Neither batch recorded `fresh`: the reference (which never saw it) still agrees.
      const reply = await post('/v1/score', { transactions: [fresh] });
      expect(reply.body.results[0].probability).toBe(await reference.probability(reference.vector(fresh)));
    });

    it('takes a slightly late transaction at the newest time', async () => {
      const newest = {
        transaction_id: 7_100,
        tx_datetime: START + 80 * 600,
        customer_id: 4,
        terminal_id: 4,
        tx_amount: 20,
      };
      const slightlyLate = {
        transaction_id: 7_101,
        tx_datetime: START + 80 * 600 - 120,
        customer_id: 4,
        terminal_id: 4,
        tx_amount: 30,
      };
      await reference.probability(reference.vector(newest));
      expect((await post('/v1/score', { transactions: [newest] })).status).toBe(200);
      const reply = await post('/v1/score', { transactions: [slightlyLate] });
      expect(reply.status).toBe(200);
      expect(reply.body.results[0].probability).toBe(
        await reference.probability(reference.vector({ ...slightlyLate, tx_datetime: newest.tx_datetime })),
      );
    });
  });

  describe('LATE_POLICY=reject', () => {
    it('keeps the 422 OUT_OF_ORDER for a transaction beyond LATE_TOLERANCE_S, recording nothing', async () => {
      const strict = await startTestServer({
        REGISTRY: seeded.registry,
        API_KEYS: API_KEY,
        LATE_POLICY: 'reject',
        LATE_TOLERANCE_S: '300',
      });
      try {
        const newest = { transaction_id: 1, tx_datetime: START + 3600, customer_id: 1, terminal_id: 1, tx_amount: 10 };
        const slightlyLate = {
          transaction_id: 2,
          tx_datetime: START + 3600 - 300,
          customer_id: 1,
          terminal_id: 1,
          tx_amount: 10,
        };
        const late = { transaction_id: 3, tx_datetime: START, customer_id: 1, terminal_id: 1, tx_amount: 10 };
        expect(
          (await call(strict.url, 'POST', '/v1/score', { transactions: [newest, slightlyLate] }, auth)).status,
        ).toBe(200);
        const refused = await call(strict.url, 'POST', '/v1/score', { transactions: [late] }, auth);
        expect(refused.status).toBe(422);
        expect(refused.body.error).toMatchObject({
          code: 'OUT_OF_ORDER',
          details: [{ path: 'transactions[0].tx_datetime' }],
        });
        expect(strict.service.features.size).toBe(2);
      } finally {
        await strict.shutdown();
      }
    });
  });

  describe('POST /v1/feedback', () => {
    it('applies labels to known transactions and reports unknown ids', async () => {
      const reply = await post('/v1/feedback', {
        labels: [
          { transaction_id: 1_000, is_fraud: true },
          { transaction_id: 1_001, is_fraud: false },
          { transaction_id: 424_242, is_fraud: true },
        ],
      });
      expect(reply).toMatchObject({ status: 200, body: { applied: 2, repeated: 0, unknown: [424_242] } });
      const repeat = await post('/v1/feedback', { labels: [{ transaction_id: 1_000, is_fraud: true }] });
      expect(repeat.body).toEqual({ applied: 0, repeated: 1, unknown: [] });
      const monitoring = await get('/v1/monitoring');
      expect(monitoring.body.accuracy).toMatchObject({ labels: 3, frauds: 2 });
    });

    it('feeds the delayed terminal-risk features', async () => {
      // A fraud on terminal 900 7.5 days before is inside the next transaction's window (t − 8 d, t − 7 d].
      const t0 = START + 100 * 600;
      const past = { transaction_id: 8_000, tx_datetime: t0, customer_id: 90, terminal_id: 900, tx_amount: 50 };
      const later = {
        transaction_id: 8_001,
        tx_datetime: t0 + 7.5 * 86_400,
        customer_id: 91,
        terminal_id: 900,
        tx_amount: 50,
      };
      await post('/v1/score', { transactions: [past] });
      reference.vector(past);
      await post('/v1/feedback', { labels: [{ transaction_id: 8_000, is_fraud: true }] });
      reference.state.recordLabel(8_000, 1);
      const vector = reference.vector(later);
      const risk = featureNames(baselineFeatureSpec).indexOf('TERMINAL_ID_RISK_1DAY_WINDOW');
      expect(vector[risk]).toBe(1);
      const reply = await post('/v1/score', { transactions: [later] });
      expect(reply.body.results[0].probability).toBe(await reference.probability(vector));
    });
  });

  describe('Open Inference Protocol v2', () => {
    it('publishes server and model metadata', async () => {
      expect((await get('/v2')).body).toMatchObject({ name: 'fraudops-scoring-api', extensions: [] });
      const model = await get('/v2/models/fraud-detector');
      expect(model.body).toMatchObject({
        name: 'fraud-detector',
        versions: [String(seeded.version)],
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 15] }],
        outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
      });
      expect((await get('/v2/models/fraud-detector/ready')).body).toEqual({ name: 'fraud-detector', ready: true });
      expect((await get(`/v2/models/fraud-detector/versions/${seeded.version}`)).status).toBe(200);
      expect((await get('/v2/models/fraud-detector/versions/999')).body.error.code).toBe('NOT_FOUND');
      expect((await get('/v2/models/other-model')).status).toBe(404);
    });

    it('scores a precomputed FP32 tensor statelessly, flat or nested', async () => {
      const rows = 5;
      const flat = Array.from(seeded.testFeatures.subarray(0, rows * 15));
      const expected = (await reference.scorer.score(seeded.testFeatures.subarray(0, rows * 15))).probability;
      const reply = await post('/v2/models/fraud-detector/infer', {
        id: 'req-1',
        inputs: [{ name: 'features', shape: [rows, 15], datatype: 'FP32', data: flat }],
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        model_name: 'fraud-detector',
        model_version: String(seeded.version),
        id: 'req-1',
      });
      expect(reply.body.outputs[0]).toMatchObject({ name: 'probability', datatype: 'FP32', shape: [rows, 1] });
      expect(reply.body.outputs[0].data).toEqual(Array.from(expected));
      const nested = Array.from({ length: rows }, (_, r) => flat.slice(r * 15, (r + 1) * 15));
      const again = await post('/v2/models/fraud-detector/infer', {
        inputs: [{ name: 'features', shape: [rows, 15], datatype: 'FP32', data: nested }],
      });
      expect(again.body.outputs[0].data).toEqual(Array.from(expected));
    });

    it('names what is wrong with a bad tensor', async () => {
      const reply = await post('/v2/models/fraud-detector/infer', {
        inputs: [{ name: 'x', shape: [2, 14], datatype: 'FP32', data: [1, 2, 3] }],
      });
      expect(reply.status).toBe(400);
      expect(reply.body.error.details).toEqual([
        { path: 'inputs[0].name', problem: 'must be "features"' },
        { path: 'inputs[0].shape[1]', problem: "must be 15 (the model's feature count)" },
      ]);
      const wrongType = await post('/v2/models/fraud-detector/infer', {
        inputs: [{ name: 'features', shape: [1, 15], datatype: 'INT64', data: [1] }],
      });
      expect(wrongType.body.error.details).toContainEqual({
        path: 'inputs[0].datatype',
        problem: 'must be one of "FP32"',
      });
    });
  });

  describe('security and robustness', () => {
    it('requires a valid API key on /v1 and /v2', async () => {
      const none = await get('/v1/model', {});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      expect((await get('/v1/model', { authorization: 'Bearer not-a-key-0123456789' })).status).toBe(401);
      expect((await get('/v2/models/fraud-detector', { authorization: `Basic ${API_KEY}` })).status).toBe(401);
      expect((await get('/v1/model', { authorization: 'Bearer second-key-0123456789' })).status).toBe(200);
    });

    it('maps body problems to 400, 413 and 415 without echoing values', async () => {
      const secret = 'CARD-4929-1234-5678-9012';
      const invalid = await post('/v1/score', {
        transactions: [{ transaction_id: 1, tx_datetime: secret, customer_id: -1, terminal_id: 2, tx_amount: secret }],
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('INVALID_REQUEST');
      expect(invalid.body.error.details).toEqual([
        { path: 'transactions[0].tx_datetime', problem: 'must be an ISO 8601 datetime or epoch seconds' },
        { path: 'transactions[0].customer_id', problem: 'must be a non-negative integer (or a non-empty string id)' },
        { path: 'transactions[0].tx_amount', problem: 'must be a finite number ≥ 0' },
      ]);
      expect(JSON.stringify(invalid.body)).not.toContain('CARD-4929');
      expect(invalid.body.error.request_id).toBe(invalid.headers.get('x-request-id'));

      const missing = await post('/v1/score', {
        transactions: [{ transaction_id: 1, tx_datetime: START, customer_id: 1, terminal_id: 2 }],
      });
      expect(missing.body.error.details).toEqual([
        { path: 'transactions[0].tx_amount', problem: 'is required (number)' },
      ]);
      expect((await post('/v1/score', { transactions: [] })).body.error.details).toEqual([
        { path: 'transactions', problem: 'must have at least 1 item' },
      ]);
      expect((await post('/v1/score', { transaction: [] })).body.error.details).toContainEqual({
        path: '(body)',
        problem: 'has unknown field "transaction"',
      });

      const malformed = await call(base, 'POST', '/v1/score', '{"transactions": [', auth);
      expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
      const text = await call(base, 'POST', '/v1/score', 'transactions', { ...auth, 'content-type': 'text/plain' });
      expect(text).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      const empty = await call(base, 'POST', '/v1/score', '', { ...auth, 'content-type': 'application/json' });
      expect(empty).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
      const huge = await call(
        base,
        'POST',
        '/v1/score',
        JSON.stringify({ transactions: [{ pad: 'x'.repeat(4 * 1024 * 1024) }] }),
        auth,
      );
      expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
      const tooMany = await post('/v1/score', { transactions: new Array(10_001).fill(0) });
      expect(tooMany.body.error.details).toEqual([{ path: 'transactions', problem: 'must have at most 10000 items' }]);
    });

    it('answers unknown routes with 404 and wrong methods with 405, as JSON', async () => {
      expect(await get('/nowhere', {})).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      const wrongMethod = await get('/v1/score');
      expect(wrongMethod).toMatchObject({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
      expect(wrongMethod.headers.get('allow')).toBe('POST');
    });

    it('keeps secrets out of the logs and stamps lines with the request id', async () => {
      await call(base, 'GET', '/v1/model', undefined, {
        authorization: 'Bearer leaked-guess-0123456789',
        'x-request-id': 'trace-abc-123',
      });
      const text = server.logs.join('');
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(ADMIN_TOKEN);
      expect(text).not.toContain('leaked-guess');
      const line = server.logs.map((l) => JSON.parse(l)).find((l) => l.request_id === 'trace-abc-123');
      expect(line).toMatchObject({ status: 401, route: 'unmatched', msg: 'request rejected' });
    });

    it('keeps /healthz answering while a 10,000-transaction batch is scored', async () => {
      const big = transactionStream({
        firstId: 100_000,
        count: 10_000,
        startTime: START + 30 * 86_400,
        spacing: 1,
        customers: 500,
        terminals: 800,
      });
      let batchDone = false;
      const batch = post('/v1/score', { transactions: big }).then((reply) => {
        batchDone = true;
        return reply;
      });
      let answeredDuringBatch = 0;
      while (!batchDone) {
        const probe = await get('/healthz', {});
        expect(probe.status).toBe(200);
        if (!batchDone) answeredDuringBatch++;
      }
      const reply = await batch;
      expect(reply.status).toBe(200);
      expect(reply.body.results).toHaveLength(10_000);
      expect(answeredDuringBatch).toBeGreaterThan(0);
    });
  });

  describe('monitoring and metrics', () => {
    it('reports drift against the card baseline, the alert rate and no challenger', async () => {
      const reply = await get('/v1/monitoring');
      expect(reply.status).toBe(200);
      expect(reply.body.window.rows).toBeGreaterThanOrEqual(100);
      expect(reply.body.score_drift.psi).toBeGreaterThanOrEqual(0);
      expect(['stable', 'moderate', 'major']).toContain(reply.body.score_drift.level);
      expect(reply.body.feature_drift.map((f: { feature: string }) => f.feature)).toEqual(
        featureNames(baselineFeatureSpec),
      );
      expect(reply.body.alert_rate).toBeGreaterThanOrEqual(0);
      expect(reply.body.challenger).toBeNull();
    });

    it('exposes Prometheus metrics by route and status, with model info and drift gauges', async () => {
      const text = (await get('/metrics', {})).body as string;
      expect(text).toMatch(/scoring_http_requests_total\{route="\/v1\/score",method="POST",status="200"\} \d+/);
      expect(text).toMatch(/scoring_http_requests_total\{route="unmatched",method="GET",status="401"\} \d+/);
      expect(text).toContain('scoring_http_request_duration_seconds_bucket');
      expect(text).toContain(`scoring_model_info{role="champion",name="fraud-detector",version="${seeded.version}"} 1`);
      expect(text).toMatch(/scoring_batch_size_bucket\{le="10000",endpoint="score"\} \d+/);
      expect(text).toMatch(/scoring_drift_psi\{subject="TX_AMOUNT"\} [\d.e-]+/);
      expect(text).toMatch(/scoring_score_count\{role="champion"\} \d+/);
    });

    it('counts the rows each predictor served: the compiled trees take batches of every size', async () => {
      const rowsByPath = async () => {
        const text = (await get('/metrics', {})).body as string;
        const read = (path: string) =>
          Number(new RegExp(`scoring_inference_rows_total\\{path="${path}"\\} (\\d+)`).exec(text)?.[1]);
        return { typescript: read('typescript'), onnxruntime: read('onnxruntime') };
      };
      const before = await rowsByPath();
      const fresh = transactionStream({
        firstId: 200_000,
        count: IN_PROCESS_MAX_ROWS + 5,
        startTime: Math.ceil(server.service.features.newestTime) + 1,
      });
      expect((await post('/v1/score', { transactions: [fresh[0]] })).status).toBe(200);
      expect((await post('/v1/score', { transactions: fresh.slice(1) })).status).toBe(200);
      expect(await rowsByPath()).toEqual({
        typescript: before.typescript + 1 + IN_PROCESS_MAX_ROWS + 4,
        onnxruntime: before.onnxruntime,
      });
    });
  });

  describe('admin', () => {
    it('needs the admin token', async () => {
      expect((await call(base, 'POST', '/admin/reload')).status).toBe(403);
      expect((await call(base, 'POST', '/admin/reload', undefined, auth)).status).toBe(403);
      const reply = await call(base, 'POST', '/admin/reload', undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(reply.body).toEqual({
        steps: [{ role: 'champion', status: 'unchanged', model: { name: 'fraud-detector', version: seeded.version } }],
      });
    });
  });
});

function counter(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(metrics);
  return match ? Number(match[1]) : 0;
}

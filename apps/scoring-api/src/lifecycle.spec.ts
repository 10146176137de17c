import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineFeatureState, baselineFeatureSpec, replayWithDelayedLabels } from '@fraudops/features';
import { OnnxScorer } from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { simulateTransactions, type TransactionColumns } from '@fraudops/transactions';
import { seedChampion, type SeededModel } from './smoke/seed-champion.js';
import { call, startTestServer, waitUntil, type TestServer } from './testing/harness.js';
import { transactionStream } from './testing/transactions.js';

const API_KEY = 'lifecycle-key-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };
const DAY = 86_400;
const HISTORY_DAYS = 37;

/** The rows of `columns` that warm-up replays: the last HISTORY_DAYS before the newest. */
function lastDays(columns: TransactionColumns): TransactionColumns {
  const newest = columns.txDatetime[columns.length - 1];
  const from = columns.txDatetime.findIndex((t) => t > newest - HISTORY_DAYS * DAY);
  const slice = <A extends Float64Array | Uint8Array>(a: A) => a.subarray(from) as A;
  return {
    length: columns.length - from,
    transactionId: slice(columns.transactionId),
    txDatetime: slice(columns.txDatetime),
    customerId: slice(columns.customerId),
    terminalId: slice(columns.terminalId),
    txAmount: slice(columns.txAmount),
    txFraud: columns.txFraud && slice(columns.txFraud),
  };
}

describe('service lifecycle: warm-up, challenger, graceful shutdown, snapshot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-lifecycle-'));
  const registryDir = join(dir, 'registry');
  const snapshot = join(dir, 'state.snapshot');
  const historyFile = join(dir, 'history.csv');
  let champion: SeededModel;
  let challenger: SeededModel;
  let history: TransactionColumns;
  let reference: OnlineFeatureState;
  let scorer: OnnxScorer;
  let challengerScorer: OnnxScorer;
  /** The vectors of the live rows the service scored, in the order it scored them. */
  const scoredVectors: Float32Array[] = [];
  let server: TestServer;
  let newest: number;

  beforeAll(async () => {
    champion = await seedChampion({ registry: registryDir });
    challenger = await seedChampion({ registry: registryDir, seed: 11, trees: 6, alias: 'challenger' });
    history = simulateTransactions({ customers: 150, terminals: 300, days: 50, seed: 21 });
    newest = history.txDatetime[history.length - 1];
    const lines = ['transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud'];
    for (let i = 0; i < history.length; i++) {
      lines.push(
        `${history.transactionId[i]},${history.txDatetime[i]},${history.customerId[i]},${history.terminalId[i]},${history.txAmount[i]},${history.txFraud?.[i]}`,
      );
    }
    writeFileSync(historyFile, `${lines.join('\n')}\n`);

    // The reference: the features library's own replay of the same days, with every label known by the end.
    reference = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
    const replayed = lastDays(history);
    replayWithDelayedLabels(reference, replayed);
    for (let i = 0; i < replayed.length; i++)
      reference.recordLabel(replayed.transactionId[i], replayed.txFraud?.[i] ?? 0);
    scorer = await OnnxScorer.load((await new LocalRegistry(registryDir).loadModel(champion.uri)).onnx, {
      featureSpecHash: reference.specHash,
    });
    challengerScorer = await OnnxScorer.load((await new LocalRegistry(registryDir).loadModel(challenger.uri)).onnx, {
      featureSpecHash: reference.specHash,
    });

    server = await startTestServer({
      REGISTRY: registryDir,
      API_KEYS: API_KEY,
      CHALLENGER_URI: 'models:/fraud-detector@challenger',
      HISTORY: historyFile,
      HISTORY_DAYS: String(HISTORY_DAYS),
      STATE_SNAPSHOT: snapshot,
    });
  });

  afterAll(async () => {
    await server?.shutdown();
    await scorer?.release();
    await challengerScorer?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  const expectedProbability = async (tx: {
    transaction_id: number;
    tx_datetime: number;
    customer_id: number;
    terminal_id: number;
    tx_amount: number;
  }) => {
    const vector = Float32Array.from(
      reference.process({
        transactionId: tx.transaction_id,
        txDatetime: tx.tx_datetime,
        customerId: tx.customer_id,
        terminalId: tx.terminal_id,
        txAmount: tx.tx_amount,
      }),
    );
    scoredVectors.push(vector);
    return (await scorer.score(vector)).probability[0];
  };

  it('replays the last HISTORY_DAYS of history, with labels, before reporting ready', async () => {
    const warmed = await server.warmedUp;
    expect(warmed).toEqual({
      source: 'history',
      transactions: lastDays(history).length,
      labels: lastDays(history).length,
    });
    expect((await call(server.url, 'GET', '/readyz')).status).toBe(200);
    // A customer and a terminal with history: the answer needs the replayed windows and labels.
    const tx = {
      transaction_id: 50_000_000,
      tx_datetime: newest + 3600,
      customer_id: history.customerId[history.length - 1],
      terminal_id: history.terminalId[history.length - 1],
      tx_amount: 77.7,
    };
    const reply = await call(server.url, 'POST', '/v1/score', { transactions: [tx] }, auth);
    expect(reply.status).toBe(200);
    expect(reply.body.results[0].probability).toBe(await expectedProbability(tx));
  });

  it('shadows the challenger on the same vectors and returns only the champion', async () => {
    const stream = transactionStream({
      firstId: 60_000_000,
      count: 150,
      startTime: newest + 7200,
      spacing: 60,
      customers: 150,
      terminals: 300,
    });
    const reply = await call(server.url, 'POST', '/v1/score', { transactions: stream }, auth);
    expect(reply.body.model).toEqual({ name: 'fraud-detector', version: champion.version });
    // onnxruntime scores a batch and the reference one row at a time: equal within 1e-6.
    for (let i = 0; i < stream.length; i++)
      expect(reply.body.results[i].probability).toBeCloseTo(await expectedProbability(stream[i]), 6);
    const info = await call(server.url, 'GET', '/v1/model', undefined, auth);
    expect(info.body.challenger).toMatchObject({ name: 'fraud-detector', version: challenger.version });
    // Shadow scoring runs after the answer: wait until the monitoring report has seen every shadowed row.
    let monitoring = await call(server.url, 'GET', '/v1/monitoring', undefined, auth);
    await waitUntil('the challenger to have shadowed 151 rows', async () => {
      monitoring = await call(server.url, 'GET', '/v1/monitoring', undefined, auth);
      return monitoring.body.challenger.rows >= 151;
    });
    expect(monitoring.body.challenger).toMatchObject({
      name: 'fraud-detector',
      version: challenger.version,
      rows: 151,
    });
    // The challenger saw the champion's vectors: its probabilities are the challenger model's on the reference vectors.
    expect(scoredVectors).toHaveLength(151);
    const challengerScores = server.service.recent.challengerScores;
    for (let i = 0; i < scoredVectors.length; i++) {
      expect(challengerScores[i]).toBeCloseTo((await challengerScorer.score(scoredVectors[i])).probability[0], 6);
    }
    expect(monitoring.body.challenger.agreement).toBeGreaterThanOrEqual(0);
    expect(monitoring.body.challenger.agreement).toBeLessThanOrEqual(1);
    const metrics = (await call(server.url, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('scoring_score_count{role="challenger"} 151');
    expect(metrics).toContain(
      `scoring_model_info{role="challenger",name="fraud-detector",version="${challenger.version}"} 1`,
    );
    expect(metrics).toMatch(/scoring_challenger_agreement_ratio [\d.]+/);
  });

  const lateTx = { transaction_id: 65_000_000, tx_datetime: 0, customer_id: 3, terminal_id: 5, tx_amount: 42.5 };
  let lateAnswer: { probability: number; late?: boolean } | undefined;

  it('scores a transaction an hour late against the state as of the newest time, flagged and counted', async () => {
    const newestSeen = server.service.features.newestTime;
    Object.assign(lateTx, { tx_datetime: newestSeen - 3600 });
    const reply = await call(server.url, 'POST', '/v1/score', { transactions: [lateTx] }, auth);
    expect(reply.status).toBe(200);
    lateAnswer = reply.body.results[0];
    expect(lateAnswer).toMatchObject({ transaction_id: lateTx.transaction_id, late: true });
    expect(lateAnswer?.probability).toBeCloseTo(await expectedProbability({ ...lateTx, tx_datetime: newestSeen }), 6);
    const again = await call(server.url, 'POST', '/v1/score', { transactions: [lateTx] }, auth);
    expect(again.body.results[0]).toEqual(lateAnswer);
    const metrics = (await call(server.url, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('scoring_late_transactions_total 1');
  });

  let bigAnswers: unknown[] = [];
  it('finishes in-flight requests on shutdown, refuses new ones, and writes the state snapshot', async () => {
    const big = transactionStream({
      firstId: 70_000_000,
      count: 5_000,
      startTime: newest + 20_000,
      spacing: 1,
      customers: 150,
      terminals: 300,
    });
    const inFlight = call(server.url, 'POST', '/v1/score', { transactions: big }, auth);
    const requestsInFlight = async () => (await server.metrics.inFlight.get()).values[0]?.value ?? 0;
    await waitUntil('the 5,000-row request to be received', async () => (await requestsInFlight()) >= 1);
    const stopping = server.shutdown();
    expect(server.service.readiness()).toEqual({ ready: false, reasons: ['shutting down'] });
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.body.results).toHaveLength(5_000);
    bigAnswers = reply.body.results;
    await stopping;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(existsSync(snapshot)).toBe(true);
    for (const tx of big)
      reference.process({
        transactionId: tx.transaction_id,
        txDatetime: tx.tx_datetime,
        customerId: tx.customer_id,
        terminalId: tx.terminal_id,
        txAmount: tx.tx_amount,
      });
  });

  it('restores the snapshot on the next start: the state continues where it stopped', async () => {
    server = await startTestServer({
      REGISTRY: registryDir,
      API_KEYS: API_KEY,
      STATE_SNAPSHOT: snapshot,
      HISTORY: historyFile,
    });
    expect(await server.warmedUp).toMatchObject({ source: 'snapshot' });
    const tx = {
      transaction_id: 80_000_000,
      tx_datetime: newest + 30_000,
      customer_id: 7,
      terminal_id: 11,
      tx_amount: 15,
    };
    const reply = await call(server.url, 'POST', '/v1/score', { transactions: [tx] }, auth);
    expect(reply.body.results[0].probability).toBe(await expectedProbability(tx));
    // A transaction scored before the restart is still known to the state: a retry counts nothing.
    const retried = await call(
      server.url,
      'POST',
      '/v1/score',
      {
        transactions: [
          { transaction_id: 70_000_000, tx_datetime: newest + 20_000, customer_id: 0, terminal_id: 0, tx_amount: 4.99 },
        ],
      },
      auth,
    );
    expect(retried.status).toBe(200);
    // answered from the vector the snapshot kept (the answer memory starts empty): the first answer, bit for bit
    expect(bigAnswers[0]).toMatchObject({ transaction_id: 70_000_000 });
    expect(retried.body.results[0]).toEqual(bigAnswers[0]);
    expect((await call(server.url, 'GET', '/metrics')).body).toContain('scoring_repeated_transactions_total 1');
    // The late transaction's retry after the restart: recognised (its lateness is in the snapshot), first answer.
    const lateRetry = await call(server.url, 'POST', '/v1/score', { transactions: [lateTx] }, auth);
    expect(lateRetry.status).toBe(200);
    expect(lateRetry.body.results[0]).toEqual(lateAnswer);
    const metrics = (await call(server.url, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('scoring_repeated_transactions_total 2');
    expect(metrics).toContain('scoring_late_transactions_total 0');
  });
});

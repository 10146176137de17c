import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineFeatureSpec, v2FeatureSpec } from '@fraudops/features';
import { seedChampion } from '../smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from '../testing/harness.js';
import { TestRedisServer } from '../testing/redis-server.js';
import { transactionStream, type WireTransaction } from '../testing/transactions.js';
import { RedisStateStore } from './redis-state-store.js';
import { exportRedisSnapshot, importRedisSnapshot } from './redis-snapshot.js';

const API_KEY = 'replicas-key-0123456789abc';
const auth = { authorization: `Bearer ${API_KEY}` };
const NOW = Math.floor(Date.now() / 1000);
/** float32 model inputs: a mean that differs in its last double bit may round to the neighbouring float. */
const PROBABILITY_TOLERANCE = 1e-6;

jest.setTimeout(600_000);

interface Scored {
  transaction_id: number;
  probability: number;
  decision: string;
  late?: boolean;
  degraded?: boolean;
}

async function score(server: TestServer, transactions: WireTransaction[]): Promise<Scored[]> {
  const reply = await call(server.url, 'POST', '/v1/score', { transactions }, auth);
  if (reply.status !== 200) throw new Error(`score → ${reply.status} ${JSON.stringify(reply.body)}`);
  return (reply.body as { results: Scored[] }).results;
}

async function feedback(server: TestServer, labels: Array<{ transaction_id: number; is_fraud: boolean }>) {
  const reply = await call(server.url, 'POST', '/v1/feedback', { labels }, auth);
  if (reply.status !== 200) throw new Error(`feedback → ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as { applied: number; repeated: number; unknown: number[] };
}

describe('replicas sharing one Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-replicas-'));
  const registry = join(dir, 'registry');
  let redis: TestRedisServer;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    // parity, not deadlines (faults.spec.ts): a loaded machine may hold a Redis call far beyond the 250 ms default
    const server = await startTestServer({ REGISTRY: registry, API_KEYS: API_KEY, LOG_LEVEL: 'warn', STATE_DEADLINE_MS: '20000', ...env });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    await seedChampion({ registry });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three replicas answer a round-robin stream with the probabilities of one in-memory replica; retries and labels count once', async () => {
    const memory = await start({});
    const replicas = [await start({ STATE_STORE: redis.url }), await start({ STATE_STORE: redis.url }), await start({ STATE_STORE: redis.url })];
    const stream = transactionStream({ firstId: 1, count: 900, startTime: NOW - 40 * 86_400, spacing: 3000 });
    let largest = 0;
    let exact = 0;
    let label = 0;
    for (let i = 0; i < stream.length; i++) {
      // labels for every 7th transaction, as feedback arrives: the same to the in-memory replica and to another replica
      if (i % 7 === 6) {
        const labels = [{ transaction_id: stream[i - 6].transaction_id, is_fraud: i % 14 === 6 }];
        const [m, r] = [await feedback(memory, labels), await feedback(replicas[(i + 1) % 3], labels)];
        expect(r).toEqual(m);
        label++;
      }
      const [expected] = await score(memory, [stream[i]]);
      const [actual] = await score(replicas[i % 3], [stream[i]]);
      const error = Math.abs(actual.probability - expected.probability);
      largest = Math.max(largest, error);
      if (error === 0) exact++;
    }
    expect(label).toBeGreaterThan(100);
    expect(largest).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    // all but a rare float32 rounding neighbour are identical
    expect(exact).toBeGreaterThan(stream.length * 0.95);

    // a retry on another replica gets the first answer; a repeated label is "repeated" on every replica
    const [first] = await score(replicas[0], [stream[10]]);
    const [retry] = await score(replicas[2], [stream[10]]);
    expect(retry).toEqual(first);
    const repeated = await feedback(replicas[1], [{ transaction_id: stream[0].transaction_id, is_fraud: true }]);
    expect(repeated).toEqual({ applied: 0, repeated: 1, unknown: [] });

    const store = await RedisStateStore.open({ url: redis.url, spec: baselineFeatureSpec });
    try {
      expect(await store.consumed()).toBe(stream.length);
    } finally {
      await store.close();
    }
  });

  it('a snapshot exported from Redis restores the same state into another Redis', async () => {
    const other = await TestRedisServer.start();
    const file = join(dir, 'state.ndjson');
    const source = await RedisStateStore.open({ url: redis.url, spec: baselineFeatureSpec });
    const target = await RedisStateStore.open({ url: other.url, spec: baselineFeatureSpec });
    try {
      const keys = await exportRedisSnapshot(source, file);
      expect(keys).toBeGreaterThan(900);
      expect(await importRedisSnapshot(target, file)).toBe(keys);
      expect(await target.consumed()).toBe(await source.consumed());
      // the next transaction gets the same vector from both
      const next = { transactionId: 50_000, txDatetime: NOW - 86_400, customerId: 3, terminalId: 5, txAmount: 42.5 };
      const [a] = await source.apply([next]);
      const [b] = await target.apply([next]);
      expect(Array.from(b.vector)).toEqual(Array.from(a.vector));
      expect(a.vector[3]).toBeGreaterThan(0);
    } finally {
      await source.close();
      await target.close();
      await other.stop();
    }
  });

  it('warm-up runs once: of two replicas started together one loads HISTORY, the other waits; both then match a warmed in-memory replica', async () => {
    const fresh = await TestRedisServer.start();
    try {
      const history = transactionStream({ firstId: 100_000, count: 600, startTime: NOW - 30 * 86_400, spacing: 4000 });
      const file = join(dir, 'history.ndjson');
      writeFileSync(file, history.map((t, i) => JSON.stringify({ ...t, tx_fraud: i % 11 === 0 ? 1 : 0 })).join('\n'));
      const [a, b, memory] = await Promise.all([
        start({ STATE_STORE: fresh.url, HISTORY: file }),
        start({ STATE_STORE: fresh.url, HISTORY: file }),
        start({ HISTORY: file }),
      ]);
      const sources = [(await a.warmedUp).source, (await b.warmedUp).source].sort();
      expect(sources).toEqual(['history', 'shared']);
      const next = transactionStream({ firstId: 200_000, count: 30, startTime: NOW - 29 * 86_400 + 600 * 4000, spacing: 1000 });
      for (let i = 0; i < next.length; i++) {
        const [expected] = await score(memory, [next[i]]);
        const [actual] = await score(i % 2 ? a : b, [next[i]]);
        expect(Math.abs(actual.probability - expected.probability)).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      }
    } finally {
      await fresh.stop();
    }
  });

  it('refuses at startup a champion trained on v2 with STATE_STORE=redis, naming the features the scripts do not keep', async () => {
    const v2Registry = join(dir, 'registry-v2');
    await seedChampion({ registry: v2Registry, spec: v2FeatureSpec });
    await expect(startTestServer({ REGISTRY: v2Registry, API_KEYS: API_KEY, STATE_STORE: redis.url })).rejects.toMatchObject({
      code: 'STARTUP_FAILED',
      message: expect.stringContaining('the Redis state store does not compute CUSTOMER_ID_AMOUNT_TO_MEAN_1DAY_WINDOW') as unknown,
    });
  });

  it('a late transaction is scored as on the in-memory replica, flagged and counted; after a snapshot restore into another Redis its retry gets the first answer, also under LATE_POLICY=reject', async () => {
    const first = await TestRedisServer.start();
    const second = await TestRedisServer.start();
    const file = join(dir, 'late-state.ndjson');
    try {
      const memory = await start({});
      const shared = await start({ STATE_STORE: first.url, STATE_SNAPSHOT: file });
      const stream = transactionStream({ firstId: 300_000, count: 60, startTime: NOW - 10 * 86_400, spacing: 600 });
      for (const tx of stream) {
        const [[expected], [actual]] = [await score(memory, [tx]), await score(shared, [tx])];
        expect(Math.abs(actual.probability - expected.probability)).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      }
      // an hour behind the newest transaction: scored against the state as of the newest time on both
      const late = { ...stream[5], transaction_id: 390_000, tx_datetime: stream[stream.length - 1].tx_datetime - 3600 };
      const [expected] = await score(memory, [late]);
      const [answer] = await score(shared, [late]);
      expect(expected.late).toBe(true);
      expect(answer).toMatchObject({ transaction_id: late.transaction_id, late: true });
      expect(Math.abs(answer.probability - expected.probability)).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      expect(await score(shared, [late])).toEqual([answer]);
      const counted = (await call(shared.url, 'GET', '/metrics')).body as string;
      expect(counted).toContain('scoring_late_transactions_total 1');
      expect(counted).toContain('scoring_repeated_transactions_total 1');

      // shutdown writes the Redis snapshot; a replica on an empty Redis restores it
      await shared.shutdown();
      expect(existsSync(file)).toBe(true);
      await first.stop();
      const strict = await start({ STATE_STORE: second.url, STATE_SNAPSHOT: file, LATE_POLICY: 'reject' });
      expect(await strict.warmedUp).toMatchObject({ source: 'snapshot' });
      // the retry is recognised (its lateness is in the snapshot): first answer, late again, not counted again
      expect(await score(strict, [late])).toEqual([answer]);
      const restored = (await call(strict.url, 'GET', '/metrics')).body as string;
      expect(restored).toContain('scoring_late_transactions_total 0');
      expect(restored).toContain('scoring_repeated_transactions_total 1');
      // a new transaction as late is refused under LATE_POLICY=reject, with nothing recorded
      const refused = await call(strict.url, 'POST', '/v1/score', { transactions: [{ ...late, transaction_id: 390_001 }] }, auth);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'OUT_OF_ORDER', details: [{ path: 'transactions[0].tx_datetime' }] });
      const store = await RedisStateStore.open({ url: second.url, spec: baselineFeatureSpec });
      try {
        expect(await store.takenAt([390_000, 390_001])).toEqual([expect.any(Number), 0]);
        expect(await store.consumed()).toBe(stream.length + 1);
      } finally {
        await store.close();
      }
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { baselineFeatureSpec, featureNames, v2FeatureSpec } from '@fraudops/features';
import { seedChampion } from '../smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from '../testing/harness.js';
import { TestRedisServer } from '../testing/redis-server.js';
import { transactionStream, type WireTransaction } from '../testing/transactions.js';
import { RedisStateStore } from './redis-state-store.js';
import { exportRedisSnapshot, importRedisSnapshot } from './redis-snapshot.js';
import { warmUpShared } from './redis-warm-up.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startScoringServer, type ScoringServer } from '../start.js';

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

const v2Names = featureNames(v2FeatureSpec);
/** The built service (`nx test` builds it first). */
const MAIN = resolve(__dirname, '..', '..', 'dist', 'main.js');
/** A key's time to live at most: the spec's horizon (37 days) plus a day. */
const HORIZON_MS = 38 * 86_400_000;

/** Every key of a store (its prefix), sorted. */
async function keysOf(store: RedisStateStore): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await store.client.scan(cursor, 'MATCH', `${store.prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** A key's value, whatever its type (the store keeps strings, lists and hashes). */
async function contentOf(store: RedisStateStore, key: string): Promise<unknown> {
  const type = await store.client.type(key);
  if (type === 'list') return { type, value: await store.client.lrange(key, 0, -1) };
  if (type === 'hash') return { type, value: await store.client.hgetall(key) };
  return { type, value: await store.client.get(key) };
}

describe('replicas sharing one Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-replicas-'));
  const registry = join(dir, 'registry');
  let redis: TestRedisServer;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    // parity, not deadlines (faults.spec.ts): a loaded machine may hold a Redis call far beyond the 250 ms default
    const server = await startTestServer({
      REGISTRY: registry,
      API_KEYS: API_KEY,
      LOG_LEVEL: 'warn',
      STATE_DEADLINE_MS: '20000',
      ...env,
    });
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

  it('three replicas on one Redis answer a round-robin stream with the probabilities of one in-memory replica for a v2 champion; retries and labels count once', async () => {
    // the default champion's spec (npm start trains v2): windows, amount to mean, z-scores, hours since the previous transaction
    const v2Registry = join(dir, 'registry-v2');
    await seedChampion({ registry: v2Registry, spec: v2FeatureSpec });
    const memory = await start({ REGISTRY: v2Registry });
    const replicas = await Promise.all([0, 1, 2].map(() => start({ REGISTRY: v2Registry, STATE_STORE: redis.url })));
    const stream = transactionStream({ firstId: 1, count: 900, startTime: NOW - 40 * 86_400, spacing: 3000 });
    let largest = 0;
    let exact = 0;
    let label = 0;
    for (let i = 0; i < stream.length; i++) {
      // labels for every 7th transaction, as feedback arrives: the same to the in-memory replica and to another replica
      if (i % 7 === 6) {
        const labels = [{ transaction_id: stream[i - 6].transaction_id, is_fraud: i % 14 === 6 }];
        const [m, r] = await Promise.all([feedback(memory, labels), feedback(replicas[(i + 1) % 3], labels)]);
        expect(r).toEqual(m);
        label++;
      }
      // the two services are independent: both calls in flight at once (half the wall time on a loaded machine)
      const [[expected], [actual]] = await Promise.all([
        score(memory, [stream[i]]),
        score(replicas[i % 3], [stream[i]]),
      ]);
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

    const store = await RedisStateStore.open({ url: redis.url, spec: v2FeatureSpec, deadlineMs: 20_000 });
    try {
      expect(await store.consumed()).toBe(stream.length);
    } finally {
      await store.close();
    }
  });

  it('a snapshot exported from Redis restores every key, its value and time to live into another Redis, which then answers as the first', async () => {
    // a state of its own (not another test's leftovers): 300 transactions of 25 cards and 40 terminals within
    // the 37-day horizon (nothing trimmed), answers for all, labels for every 5th
    const [first, second] = [await TestRedisServer.start(), await TestRedisServer.start()];
    const file = join(dir, 'state.ndjson');
    const source = await RedisStateStore.open({ url: first.url, spec: v2FeatureSpec, deadlineMs: 20_000 });
    const target = await RedisStateStore.open({ url: second.url, spec: v2FeatureSpec, deadlineMs: 20_000 });
    try {
      const stream = transactionStream({
        firstId: 70_000,
        count: 300,
        startTime: NOW - 20 * 86_400,
        spacing: 3000,
      }).map((t) => ({
        transactionId: t.transaction_id,
        txDatetime: t.tx_datetime,
        customerId: t.customer_id,
        terminalId: t.terminal_id,
        txAmount: t.tx_amount,
      }));
      for (let i = 0; i < stream.length; i += 50) await source.apply(stream.slice(i, i + 50));
      const ids = stream.map((t) => t.transactionId);
      await source.rememberAnswers(
        ids,
        ids.map((_, i) => ({ probability: i / 1000, decision: 'pass', threshold: 0.5, modelVersion: 1, late: false })),
      );
      const labelled = stream.filter((_, i) => i % 5 === 0);
      await source.label(labelled.map((t, i) => ({ key: t.transactionId, fraud: i % 2 === 0 })));

      // one key per transaction record, two per card and per terminal (list, running state), one per terminal
      // with labels, plus `newest` and `consumed`
      const distinct = (values: number[]) => new Set(values).size;
      const expected =
        stream.length +
        2 * distinct(stream.map((t) => t.customerId)) +
        2 * distinct(stream.map((t) => t.terminalId)) +
        distinct(labelled.map((t) => t.terminalId)) +
        2;
      const keys = await exportRedisSnapshot(source, file);
      expect(keys).toBe(expected);
      expect(await importRedisSnapshot(target, file)).toBe(keys);

      // the same keys with the same contents; each TTL restored as exported (read the target first: it was set later)
      const names = await keysOf(source);
      expect(await keysOf(target)).toEqual(names);
      for (const name of names) {
        expect(await contentOf(target, name)).toEqual(await contentOf(source, name));
        const [restoredTtl, sourceTtl] = [await target.client.pttl(name), await source.client.pttl(name)];
        expect(restoredTtl).toBeGreaterThanOrEqual(sourceTtl);
        expect(restoredTtl).toBeLessThanOrEqual(HORIZON_MS);
      }
      expect(await target.consumed()).toBe(stream.length);

      // the next transaction of a known card gets the same vector from both; a retry its first answer; a label repeats
      const next = {
        ...stream[stream.length - 25],
        transactionId: 80_000,
        txDatetime: stream[stream.length - 1].txDatetime + 600,
      };
      const [a] = await source.apply([next]);
      const [b] = await target.apply([next]);
      expect(Array.from(b.vector)).toEqual(Array.from(a.vector));
      expect(a.vector[v2Names.indexOf('CUSTOMER_ID_NB_TX_30DAY_WINDOW')]).toBeGreaterThan(1);
      expect(a.vector[v2Names.indexOf('CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX')]).toBeLessThan(720);
      const [retry] = await target.apply([stream[7]]);
      expect(retry).toMatchObject({ fresh: false, answer: { probability: 7 / 1000 } });
      expect((await target.label([{ key: labelled[1].transactionId, fraud: false }]))[0].outcome).toBe('unchanged');
    } finally {
      await source.close();
      await target.close();
      await first.stop();
      await second.stop();
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
      const next = transactionStream({
        firstId: 200_000,
        count: 30,
        startTime: NOW - 29 * 86_400 + 600 * 4000,
        spacing: 1000,
      });
      for (let i = 0; i < next.length; i++) {
        const [expected] = await score(memory, [next[i]]);
        const [actual] = await score(i % 2 ? a : b, [next[i]]);
        expect(Math.abs(actual.probability - expected.probability)).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
      }
    } finally {
      await fresh.stop();
    }
  });

  it('a replica that finds the warm-up lock taken waits, reporting not ready, until the holder marks the store warm', async () => {
    const fresh = await TestRedisServer.start();
    const holder = await RedisStateStore.open({ url: fresh.url, spec: baselineFeatureSpec, deadlineMs: 20_000 });
    let waiting: ScoringServer | undefined;
    try {
      // another replica's warm-up in progress: it holds the lock
      const lock = `${holder.prefix}warm:lock`;
      expect(await holder.client.set(lock, 'another-replica', 'PX', 600_000, 'NX')).toBe('OK');
      const config = loadConfig({
        PORT: '0',
        REGISTRY: registry,
        API_KEYS: API_KEY,
        STATE_STORE: fresh.url,
        STATE_DEADLINE_MS: '20000',
      });
      waiting = await startScoringServer(config, { logger: createLogger('fatal'), defaultMetrics: false });
      const url = waiting.url;
      // serving HTTP, but not ready while the lock is held (the lock lives ten minutes: this cannot race)
      const readiness = await call(url, 'GET', '/readyz');
      expect(readiness.status).toBe(503);
      expect(readiness.body.reasons).toEqual(['online feature state warming up']);
      // the holder finishes: marks the store warm and frees the lock; the waiting replica follows without loading
      await holder.client.set(`${holder.prefix}warm`, 'done');
      await holder.client.del(lock);
      expect(await waiting.warmedUp).toEqual({ source: 'shared', transactions: 0, labels: 0 });
      expect((await call(url, 'GET', '/readyz')).status).toBe(200);
    } finally {
      await waiting?.shutdown();
      await holder.close();
      await fresh.stop();
    }
  });

  it('a warm-up whose loader died takes over once its lock expires; the transactions it had taken count once', async () => {
    const fresh = await TestRedisServer.start();
    const store = await RedisStateStore.open({ url: fresh.url, spec: baselineFeatureSpec, deadlineMs: 20_000 });
    try {
      const rows = transactionStream({ firstId: 400_000, count: 200, startTime: NOW - 10 * 86_400, spacing: 1800 }).map(
        (t, i) => ({
          transaction: {
            transactionId: t.transaction_id,
            txDatetime: t.tx_datetime,
            customerId: t.customer_id,
            terminalId: t.terminal_id,
            txAmount: t.tx_amount,
          },
          fraud: i % 9 === 0,
        }),
      );
      // the dead loader took the first 80 and left its lock, which nobody refreshes any more (2 s to live)
      await store.apply(rows.slice(0, 80).map((r) => r.transaction));
      expect(await store.client.set(`${store.prefix}warm:lock`, 'dead-loader', 'PX', 2000, 'NX')).toBe('OK');
      const result = await warmUpShared({
        store,
        history: () => Promise.resolve(rows),
        logger: createLogger('fatal'),
        pollMs: 50,
      });
      expect(result).toEqual({ source: 'history', transactions: rows.length, labels: rows.length });
      expect(await store.consumed()).toBe(rows.length);
      expect(await store.client.get(`${store.prefix}warm`)).toBe('done');
      expect(await store.client.exists(`${store.prefix}warm:lock`)).toBe(0);
    } finally {
      await store.close();
      await fresh.stop();
    }
  });

  it('WARM_UP_ONLY=true (the warm-up job) loads HISTORY into an empty Redis under the lock, then exits 0', async () => {
    const fresh = await TestRedisServer.start();
    const history = transactionStream({ firstId: 500_000, count: 300, startTime: NOW - 20 * 86_400, spacing: 3000 });
    const file = join(dir, 'job-history.ndjson');
    writeFileSync(file, history.map((t, i) => JSON.stringify({ ...t, tx_fraud: i % 13 === 0 ? 1 : 0 })).join('\n'));
    try {
      // the built service, as the image runs it (the test target builds it first)
      const child = spawn(process.execPath, [MAIN], {
        env: {
          PATH: process.env.PATH,
          PORT: '0',
          HOST: '127.0.0.1',
          REGISTRY: registry,
          STATE_STORE: fresh.url,
          HISTORY: file,
          WARM_UP_ONLY: 'true',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect({ code, stderr }).toMatchObject({ code: 0 });
      const store = await RedisStateStore.open({ url: fresh.url, spec: baselineFeatureSpec, deadlineMs: 20_000 });
      try {
        expect(await store.consumed()).toBe(history.length);
        expect(await store.client.get(`${store.prefix}warm`)).toBe('done');
        expect(await store.client.exists(`${store.prefix}warm:lock`)).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await fresh.stop();
    }
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
      const refused = await call(
        strict.url,
        'POST',
        '/v1/score',
        { transactions: [{ ...late, transaction_id: 390_001 }] },
        auth,
      );
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({
        code: 'OUT_OF_ORDER',
        details: [{ path: 'transactions[0].tx_datetime' }],
      });
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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineFeatureSpec } from '@fraudops/features';
import { seedChampion } from '../smoke/seed-champion.js';
import { call, startTestServer, waitUntil, type TestServer } from '../testing/harness.js';
import { TestRedisServer } from '../testing/redis-server.js';
import { transactionStream, type WireTransaction } from '../testing/transactions.js';
import { RedisStateStore } from './redis-state-store.js';

const API_KEY = 'faults-key-0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}` };
const NOW = Math.floor(Date.now() / 1000);

jest.setTimeout(600_000);

describe('the shared state failing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-faults-'));
  const registry = join(dir, 'registry');
  let redis: TestRedisServer;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startTestServer({
      REGISTRY: registry,
      API_KEYS: API_KEY,
      LOG_LEVEL: 'fatal',
      STATE_DEADLINE_MS: '300',
      ...env,
    });
    servers.push(server);
    return server;
  };
  const score = (server: TestServer, transactions: WireTransaction[]) =>
    call(server.url, 'POST', '/v1/score', { transactions }, auth);
  const ready = async (server: TestServer) => (await call(server.url, 'GET', '/readyz')).status === 200;
  /**
   * Scores until a 200 (retries are idempotent): with Redis up, a loaded machine may still hold a call past
   * the 300 ms deadline, and the answer is then the documented 503, never another status.
   */
  const scoredWhenUp = async (server: TestServer, transactions: WireTransaction[]) => {
    let reply = await score(server, transactions);
    await waitUntil(
      'a 200 with Redis up',
      async () => {
        if (reply.status === 200) return true;
        expect(reply).toMatchObject({ status: 503, body: { error: { code: 'STATE_UNAVAILABLE' } } });
        reply = await score(server, transactions);
        return reply.status === 200;
      },
      120_000,
    );
    return reply;
  };

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    await seedChampion({ registry });
  });
  let crashed: TestRedisServer | undefined;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
    await redis?.stop();
    await crashed?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Redis frozen: 503 STATE_UNAVAILABLE (never a hang) and /readyz false; back: ready and scoring again by itself', async () => {
    const server = await start({ STATE_STORE: redis.url });
    const [tx, later] = transactionStream({ firstId: 1, count: 2, startTime: NOW - 86_400 });
    expect((await scoredWhenUp(server, [tx])).status).toBe(200);
    redis.pause();
    try {
      const reply = await score(server, [later]);
      expect(reply.status).toBe(503);
      expect(reply.body.error.code).toBe('STATE_UNAVAILABLE');
      await waitUntil('/readyz to turn false', async () => !(await ready(server)));
      const readiness = await call(server.url, 'GET', '/readyz');
      expect(readiness.body.reasons).toContain('shared online feature state unavailable');
    } finally {
      redis.resume();
    }
    await waitUntil('/readyz to turn true again', () => ready(server));
    const reply = await scoredWhenUp(server, [later]);
    expect(reply.status).toBe(200);
  });

  it('DEGRADED_POLICY=score answers with empty history, flagged and counted, and stays ready', async () => {
    const server = await start({ STATE_STORE: redis.url, DEGRADED_POLICY: 'score' });
    const [tx] = transactionStream({ firstId: 100, count: 1, startTime: NOW - 3600 });
    redis.pause();
    try {
      const reply = await score(server, [tx]);
      expect(reply.status).toBe(200);
      expect(reply.body.results[0].degraded).toBe(true);
      expect(await ready(server)).toBe(true);
      const metrics = await call(server.url, 'GET', '/metrics');
      expect(metrics.body).toMatch(/^scoring_degraded_transactions_total 1$/m);
    } finally {
      redis.resume();
    }
    // degraded answers are not stored: the same transaction is scored with its history once Redis answers
    await waitUntil(
      'a score with history again',
      async () => (await score(server, [tx])).body.results?.[0]?.degraded === undefined,
    );
  });

  it('redis-server killed and restarted under load: only 503 STATE_UNAVAILABLE, then every transaction counted exactly once', async () => {
    // a Redis of its own: the state starts empty, as the in-memory reference does
    const redis = await TestRedisServer.start();
    crashed = redis;
    const [a, b] = [await start({ STATE_STORE: redis.url }), await start({ STATE_STORE: redis.url })];
    const reference = await start({});
    const stream = transactionStream({ firstId: 10_000, count: 400, startTime: NOW - 20 * 86_400, spacing: 3000 });
    const store = await RedisStateStore.open({ url: redis.url, spec: baselineFeatureSpec, deadlineMs: 5000 });
    expect(await store.consumed()).toBe(0);
    await store.close();
    const unexpected: string[] = [];
    let unavailable = 0;
    let killed = false;
    const probabilities = new Map<number, number>();
    // one client walks the stream in order over both replicas, retrying each transaction until it is answered
    const client = (async () => {
      for (let i = 0; i < stream.length; i++) {
        for (let attempt = 0; ; attempt++) {
          const reply = await score(attempt % 2 ? b : a, [stream[i]]);
          if (reply.status === 200) {
            probabilities.set(i, reply.body.results[0].probability);
            break;
          }
          if (reply.status === 503 && reply.body.error?.code === 'STATE_UNAVAILABLE') unavailable++;
          else unexpected.push(`${reply.status} ${JSON.stringify(reply.body)}`);
          if (unexpected.length > 0) return;
          await waitUntil('a replica to be ready', async () => (await ready(a)) || (await ready(b)), 120_000);
        }
        if (i === 150) {
          await redis.kill();
          killed = true;
          // keep the load on while it is down: the answers must be the documented 503
          const down = await score(a, [stream[i + 1]]);
          if (down.status !== 503 || down.body.error?.code !== 'STATE_UNAVAILABLE')
            unexpected.push(`while down: ${down.status}`);
          else unavailable++;
          await redis.start();
        }
      }
    })();
    // probes keep asking meanwhile (as an orchestrator would)
    const probes = (async () => {
      while (probabilities.size < stream.length && unexpected.length === 0) {
        await Promise.all([ready(a), ready(b)]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all([client, probes]);
    expect(unexpected).toEqual([]);
    expect(killed).toBe(true);
    expect(unavailable).toBeGreaterThan(0);

    // no transaction lost or counted twice: the store took each once, and the answers match one in-memory replica
    const after = await RedisStateStore.open({ url: redis.url, spec: baselineFeatureSpec, deadlineMs: 5000 });
    try {
      expect(await after.consumed()).toBe(stream.length);
    } finally {
      await after.close();
    }
    for (let i = 0; i < stream.length; i++) {
      const reply = await score(reference, [stream[i]]);
      expect(Math.abs(reply.body.results[0].probability - (probabilities.get(i) ?? NaN))).toBeLessThanOrEqual(1e-6);
    }
  });
});

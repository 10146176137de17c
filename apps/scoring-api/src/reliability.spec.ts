import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRegistry } from '@fraudops/registry';
import { seedChampion, type SeededModel } from './smoke/seed-champion.js';
import { copyToChampion, draftOf } from './smoke/smoke-client.js';
import { malformedRequests } from './testing/fuzz.js';
import {
  call,
  closeRawConnections,
  rawRequest,
  startTestServer,
  waitUntil,
  type TestServer,
} from './testing/harness.js';

const API_KEY = 'reliability-key-0123456789';
const ADMIN_TOKEN = 'reliability-admin-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const NOW = Math.floor(Date.now() / 1000);

/** Runs `tasks` with at most `concurrency` in flight. */
async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

// Thousands of requests: generous limits for a shared, busy machine (they take seconds on an idle one).
jest.setTimeout(600_000);

describe('reliability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-reliability-'));
  const registryDir = join(dir, 'registry');
  let first: SeededModel;
  let second: SeededModel;
  let server: TestServer;

  beforeAll(async () => {
    first = await seedChampion({ registry: registryDir });
    // Another world, another model: its scores differ, so a response tells which model answered.
    second = await seedChampion({ registry: registryDir, seed: 11, alias: 'challenger' });
    server = await startTestServer({ REGISTRY: registryDir, API_KEYS: API_KEY, ADMIN_TOKEN, LOG_LEVEL: 'warn' });
  });

  afterAll(async () => {
    closeRawConnections();
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 10,000 malformed requests without a single 5xx, and keeps serving', async () => {
    const cases = malformedRequests(10_000, 20_240_501, { now: NOW, apiKey: API_KEY });
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    await pool(cases, 32, async (fuzz) => {
      const { status, text } = await rawRequest(server.url, 'POST', fuzz.path, fuzz.body, fuzz.headers);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) serverErrors.push(`${fuzz.kind} → ${status} ${text.slice(0, 200)}`);
      else if (status >= 400) expect(JSON.parse(text).error.code).toMatch(/^[A-Z_]+$/);
    });
    expect(serverErrors).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(10_000);
    // The corpus reaches every kind of refusal, not just one.
    for (const status of [400, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);

    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    const valid = await call(
      server.url,
      'POST',
      '/v1/score',
      {
        transactions: [{ transaction_id: 1, tx_datetime: NOW + 86_000, customer_id: 1, terminal_id: 1, tx_amount: 10 }],
      },
      auth,
    );
    expect(valid.status).toBe(200);
  });

  it('swaps the champion 20 times under continuous load without one failed request', async () => {
    const registry = new LocalRegistry(registryDir);
    let stop = false;
    let nextId = 1_000_000;
    let time = NOW + 86_000;
    const failures: string[] = [];
    const versionsSeen = new Set<number>();
    let completed = 0;
    const scoreLoop = async () => {
      while (!stop) {
        const id = nextId++;
        const tx = {
          transaction_id: id,
          tx_datetime: (time += 0.01),
          customer_id: id % 97,
          terminal_id: id % 89,
          tx_amount: (id % 500) + 0.5,
        };
        try {
          const reply = await call(server.url, 'POST', '/v1/score', { transactions: [tx] }, auth);
          if (reply.status !== 200) failures.push(`score ${reply.status} ${JSON.stringify(reply.body)}`);
          else versionsSeen.add(reply.body.model.version);
        } catch (error) {
          failures.push(`score: ${(error as Error).message}`);
        }
        completed++;
      }
    };
    const inferLoop = async () => {
      while (!stop) {
        const reply = await call(
          server.url,
          'POST',
          '/v2/models/fraud-detector/infer',
          {
            inputs: [
              {
                name: 'features',
                shape: [4, 15],
                datatype: 'FP32',
                data: Array.from(first.testFeatures.subarray(0, 60)),
              },
            ],
          },
          auth,
        ).catch((error: Error) => ({ status: 0, body: error.message }));
        if (reply.status !== 200) failures.push(`infer ${reply.status} ${JSON.stringify(reply.body)}`);
        completed++;
      }
    };
    const load = [...Array.from({ length: 6 }, scoreLoop), ...Array.from({ length: 2 }, inferLoop)];

    const swaps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const target = i % 2 === 0 ? second.version : first.version;
      await registry.setAlias('fraud-detector', 'champion', target);
      const reply = await call(server.url, 'POST', '/admin/reload', undefined, admin);
      expect(reply.status).toBe(200);
      expect(reply.body.steps[0]).toMatchObject({ role: 'champion', status: 'swapped', to: { version: target } });
      swaps.push(target);
      // Let the load run on the new model before the next swap: a few more requests answered, however slow the machine.
      const answered = completed;
      await waitUntil('requests answered after the swap', () => completed >= answered + 3);
    }
    stop = true;
    await Promise.all(load);

    expect(swaps).toHaveLength(20);
    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(40);
    expect([...versionsSeen].sort()).toEqual([first.version, second.version].sort());
    expect((await call(server.url, 'GET', '/v1/model', undefined, auth)).body.version).toBe(first.version);
  });

  it('keeps the old model serving when the new version is corrupt, unreadable or built for other features', async () => {
    const registry = new LocalRegistry(registryDir);
    const serving = (await call(server.url, 'GET', '/v1/model', undefined, auth)).body.version;
    const reloadRejected = async (why: RegExp) => {
      const reply = await call(server.url, 'POST', '/admin/reload', undefined, admin);
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe('RELOAD_REJECTED');
      expect(reply.body.error.message).toMatch(why);
      expect(reply.body.steps[0]).toMatchObject({ role: 'champion', status: 'rejected', kept: { version: serving } });
      const info = await call(server.url, 'GET', '/v1/model', undefined, auth);
      expect(info.body.version).toBe(serving);
      const scored = await call(
        server.url,
        'POST',
        '/v1/score',
        {
          transactions: [
            {
              transaction_id: `after-${why.source}`,
              tx_datetime: NOW + 86_100,
              customer_id: 5,
              terminal_id: 5,
              tx_amount: 42,
            },
          ],
        },
        auth,
      );
      expect(scored).toMatchObject({ status: 200, body: { model: { version: serving } } });
    };

    // 1. A registered version whose model.onnx is damaged on disk after registration.
    const damaged = await copyToChampion(registryDir, registryDir, 'fraud-detector', serving, 'to be damaged');
    const file = join(registry.root, 'fraud-detector', 'versions', String(damaged), 'model.onnx');
    const bytes = readFileSync(file);
    bytes.fill(0x5a, bytes.length >> 2, bytes.length >> 1);
    writeFileSync(file, bytes);
    await reloadRejected(/model\.onnx/);

    // 2. Intact bytes (checksums match) that are not an ONNX model at all.
    const card = (await registry.resolve(`models:/fraud-detector/${serving}`)).card;
    // (The registry refuses such bytes at registration, so they are put in place afterwards, card updated.)
    const garbage = await copyToChampion(registryDir, registryDir, 'fraud-detector', serving, 'garbage');
    const garbageDir = join(registry.root, 'fraud-detector', 'versions', String(garbage));
    const notAModel = Buffer.from('not a model'.repeat(100));
    writeFileSync(join(garbageDir, 'model.onnx'), notAModel);
    const garbageCard = JSON.parse(readFileSync(join(garbageDir, 'card.json'), 'utf8'));
    garbageCard.artifacts['model.onnx'] = {
      sha256: createHash('sha256').update(notAModel).digest('hex'),
      bytes: notAModel.length,
    };
    writeFileSync(join(garbageDir, 'card.json'), JSON.stringify(garbageCard));
    await registry.setAlias('fraud-detector', 'champion', garbage);
    await reloadRejected(/not a valid|onnx|parse|protobuf/i);

    // 3. A real model, but its card says it was trained on another feature spec.
    const onnx = (await registry.loadModel(`models:/fraud-detector/${serving}`)).onnx;
    const otherSpec = draftOf(card);
    const foreign = await registry.register({
      name: 'fraud-detector',
      onnx,
      card: { ...otherSpec, featureSpec: { ...otherSpec.featureSpec, name: 'other', hash: 'f'.repeat(64) } },
      reports: { html: '<p>x</p>', markdown: 'x' },
    });
    await registry.setAlias('fraud-detector', 'champion', foreign.version);
    await reloadRejected(/feature spec/);

    const metrics = (await call(server.url, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/scoring_model_reloads_total\{result="rejected"\} 3/);
    expect(metrics).toMatch(/scoring_model_reloads_total\{result="swapped"\} 20/);
  });
});

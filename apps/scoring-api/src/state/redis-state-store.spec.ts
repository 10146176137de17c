import {
  DAY_US,
  OnlineFeatureState,
  baselineFeatureSpec,
  compareFeatureRows,
  planFeatures,
  toEpochUs,
  v2FeatureSpec,
  type FeaturePlan,
  type OnlineTransaction,
} from '@fraudops/features';
import { simulateTransactions, type SimulatedTransactions } from '@fraudops/transactions';
import { ScoringError } from '../errors.js';
import { TestRedisServer } from '../testing/redis-server.js';
import { RedisStateStore } from './redis-state-store.js';

const baseline = planFeatures(baselineFeatureSpec);
const v2 = planFeatures(v2FeatureSpec);
const LABEL_DELAY_US = (baseline.labelDelayDays ?? 0) * DAY_US;

/** A small simulated world: 50 days (past the 37-day horizon), enough cards per terminal for the delayed windows and some frauds. */
function world(): SimulatedTransactions {
  return simulateTransactions({ customers: 60, terminals: 100, days: 50, seed: 7 });
}

function txAt(data: SimulatedTransactions, i: number): OnlineTransaction {
  return {
    transactionId: data.transactionId[i],
    txDatetime: data.txDatetime[i],
    customerId: data.customerId[i],
    terminalId: data.terminalId[i],
    txAmount: data.txAmount[i],
  };
}

/**
 * The labels due before transaction `i` (recorded as soon as due, like replayWithDelayedLabels):
 * advances `cursor.next` and returns the indexes.
 */
function dueLabels(data: SimulatedTransactions, cursor: { next: number }, i: number, timeUs: number): number[] {
  const due: number[] = [];
  while (cursor.next < i && toEpochUs(data.txDatetime[cursor.next]) + LABEL_DELAY_US <= timeUs) due.push(cursor.next++);
  return due;
}

/** One feature's values out of row-major vectors. */
function column(plan: FeaturePlan, rows: Float64Array, name: string): number[] {
  const width = plan.features.length;
  const f = plan.names.indexOf(name);
  return Array.from({ length: rows.length / width }, (_, r) => rows[r * width + f]);
}

/** An in-memory reference engine and row-major buffers (expected, actual) for `n` vectors of `plan`. */
function parityBuffers(plan: FeaturePlan, n: number) {
  const width = plan.features.length;
  return {
    reference: new OnlineFeatureState(plan, { tieOrder: 'arrival' }),
    width,
    expected: new Float64Array(n * width),
    actual: new Float64Array(n * width),
    out: new Float64Array(width),
  };
}

describe('RedisStateStore on a real redis-server', () => {
  let redis: TestRedisServer;
  let data: SimulatedTransactions;
  const open: RedisStateStore[] = [];
  const replicas = async (
    n: number,
    keyPrefix: string,
    spec = baseline,
    lateToleranceSeconds = 300,
    latePolicy: 'score' | 'reject' = 'score',
  ) => {
    const stores = await Promise.all(
      Array.from({ length: n }, () =>
        RedisStateStore.open({ url: redis.url, spec, keyPrefix, lateToleranceSeconds, latePolicy, deadlineMs: 20_000 }),
      ),
    );
    open.push(...stores);
    return stores;
  };

  let labels: Uint8Array;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    data = world();
    labels = data.txFraud ?? new Uint8Array(data.length);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await redis?.stop();
  });

  it.each([
    ['baseline', baseline],
    ['v2', v2],
  ])(
    '%s: three replicas fed round-robin compute the vectors of one in-memory engine fed the whole stream',
    async (name, plan) => {
      const stores = await replicas(3, `rr-${name}:`, plan);
      const n = data.length;
      const { reference, width, expected, actual, out } = parityBuffers(plan, n);
      const cursor = { next: 0 };
      let frauds = 0;
      for (let i = 0; i < n; i++) {
        const tx = txAt(data, i);
        const due = dueLabels(data, cursor, i, toEpochUs(tx.txDatetime));
        if (due.length > 0) {
          for (const j of due) reference.recordLabel(data.transactionId[j], labels[j]);
          const results = await stores[(i + 1) % 3].label(
            due.map((j) => ({ key: data.transactionId[j], fraud: labels[j] === 1 })),
          );
          expect(results.map((r) => r.outcome)).toEqual(due.map(() => 'applied'));
          frauds += due.filter((j) => labels[j] === 1).length;
        }
        reference.processInto(tx.transactionId, tx.txDatetime, tx.customerId, tx.terminalId, tx.txAmount, out);
        expected.set(out, i * width);
        const [applied] = await stores[i % 3].apply([tx]);
        expect(applied.fresh).toBe(true);
        actual.set(applied.vector, i * width);
      }
      expect(n).toBeGreaterThan(3000);
      expect(frauds).toBeGreaterThan(10);
      // the label features saw frauds: some terminal risk is not zero
      expect(column(plan, expected, 'TERMINAL_ID_RISK_30DAY_WINDOW').filter((v) => v > 0).length).toBeGreaterThan(10);
      if (name === 'v2') {
        // the v2 features are exercised: z-scores of both signs, recency below its 30-day cap (720 h) and at it
        const z = column(plan, expected, 'CUSTOMER_ID_AMOUNT_ZSCORE_7DAY_WINDOW');
        expect(z.filter((v) => v > 1).length).toBeGreaterThan(100);
        expect(z.filter((v) => v < -0.5).length).toBeGreaterThan(100);
        const hours = column(plan, expected, 'CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX');
        expect(hours.filter((v) => v > 0 && v < 720).length).toBeGreaterThan(n / 2);
        expect(hours.filter((v) => v === 720).length).toBeGreaterThan(0);
      }
      // counts and hours since exact; sums, means, ratios within 1e-9 relative; z-scores within 1e-9 of max(|z|, 1)
      const report = compareFeatureRows(plan, expected, actual, data.transactionId);
      expect(report.firstMismatch).toBeUndefined();
      expect(report.mismatches).toBe(0);
      expect(report.maxRelativeError).toBeLessThanOrEqual(1e-9);
      // stronger than the tolerance: the running sums are the memory engine's operations in its order (redis-scripts.ts)
      expect(report.inexact).toBe(0);
      expect(await stores[0].consumed()).toBe(n);
    },
    300_000,
  );

  it('labels that come after their transaction entered a window, or change, move its fraud counts as in memory; a lost (or unreadable) running state is rebuilt from the list', async () => {
    const plan = v2;
    const [a, b] = await replicas(2, 'late-labels:', plan);
    const n = data.length;
    const { reference, width, expected, actual, out } = parityBuffers(plan, n);
    // labels 2 days after the spec's 7-day delay (the terminal's delayed windows already hold most of them);
    // every 4th first with the opposite label, corrected 3 days later
    const firstUs = LABEL_DELAY_US + 2 * DAY_US;
    const fixUs = firstUs + 3 * DAY_US;
    const first = { next: 0 };
    const fix = { next: 0 };
    const half = Math.floor(n / 2);
    let flips = 0;
    for (let i = 0; i < n; i++) {
      const tx = txAt(data, i);
      const timeUs = toEpochUs(tx.txDatetime);
      const due: Array<{ key: number; fraud: boolean }> = [];
      while (first.next < i && toEpochUs(data.txDatetime[first.next]) + firstUs <= timeUs) {
        const j = first.next++;
        due.push({ key: data.transactionId[j], fraud: (labels[j] === 1) !== (j % 4 === 0) });
      }
      while (fix.next < i && toEpochUs(data.txDatetime[fix.next]) + fixUs <= timeUs) {
        const j = fix.next++;
        if (j % 4 === 0) {
          due.push({ key: data.transactionId[j], fraud: labels[j] === 1 });
          flips++;
        }
      }
      if (due.length > 0) {
        for (const l of due) reference.recordLabel(l.key, l.fraud);
        const results = await (i % 2 ? a : b).label(due);
        expect(results.map((r) => r.outcome)).toEqual(due.map(() => 'applied'));
      }
      if (i === half) {
        // every running state gone (as if expired before its list) or of another layout (as if written by another
        // version): the next transaction of each entity rebuilds it from its list
        const states = await a.client.keys('late-labels:a:*');
        expect(states.length).toBeGreaterThan(50);
        await a.client.del(...states.filter((_, k) => k % 2 === 0));
        for (const key of states.filter((_, k) => k % 2 === 1)) await a.client.set(key, 'a state of another layout');
      }
      reference.processInto(tx.transactionId, tx.txDatetime, tx.customerId, tx.terminalId, tx.txAmount, out);
      expected.set(out, i * width);
      const [applied] = await (i % 2 ? b : a).apply([tx]);
      actual.set(applied.vector, i * width);
    }
    expect(flips).toBeGreaterThan(n / 8);
    const risk = column(plan, expected, 'TERMINAL_ID_RISK_30DAY_WINDOW');
    expect(risk.filter((v) => v > 0).length).toBeGreaterThan(10);
    // bit for bit up to the loss; rebuilt sums within the parity tolerance after it (redis-scripts.ts)
    const before = compareFeatureRows(plan, expected.subarray(0, half * width), actual.subarray(0, half * width));
    expect(before.inexact).toBe(0);
    const report = compareFeatureRows(plan, expected, actual, data.transactionId);
    expect(report.firstMismatch).toBeUndefined();
    expect(report.mismatches).toBe(0);
  }, 300_000);

  it('two replicas applying batches concurrently agree with one engine fed in the order Redis took them (v2)', async () => {
    const plan = v2;
    // the two batches of a round may reach Redis in either order: a day of tolerance takes the later one clamped
    const [a, b] = await replicas(2, 'concurrent:', plan, 86_400);
    const reference = new OnlineFeatureState(plan, { tieOrder: 'arrival' });
    const n = Math.min(data.length, 8000);
    const width = plan.features.length;
    const cursor = { next: 0 };
    const round = 16;
    const vectors = new Map<number, Float64Array>();
    const out = new Float64Array(width);
    let newest = -Infinity;
    for (let start = 0; start < n; start += round) {
      const end = Math.min(n, start + round);
      const due = dueLabels(data, cursor, start, toEpochUs(data.txDatetime[start]));
      if (due.length > 0) {
        for (const j of due) reference.recordLabel(data.transactionId[j], labels[j]);
        await b.label(due.map((j) => ({ key: data.transactionId[j], fraud: labels[j] === 1 })));
      }
      // even rows to one replica, odd to the other, both calls in flight at once
      const indexes = Array.from({ length: end - start }, (_, k) => start + k);
      const even = indexes.filter((i) => i % 2 === 0);
      const odd = indexes.filter((i) => i % 2 === 1);
      const [ra, rb] = await Promise.all([
        a.apply(even.map((i) => txAt(data, i))),
        b.apply(odd.map((i) => txAt(data, i))),
      ]);
      even.forEach((i, k) => vectors.set(i, ra[k].vector));
      odd.forEach((i, k) => vectors.set(i, rb[k].vector));
      // the reference takes the round in the order Redis did, clamping late ones to the newest time as the store does
      const taken = await a.takenAt(indexes.map((i) => data.transactionId[i]));
      const order = indexes.map((i, k) => [i, taken[k]]).sort((x, y) => x[1] - y[1]);
      for (const [i] of order) {
        const tx = txAt(data, i);
        const time = Math.max(tx.txDatetime, newest);
        newest = time;
        reference.processInto(tx.transactionId, time, tx.customerId, tx.terminalId, tx.txAmount, out);
        const got = vectors.get(i) as Float64Array;
        const report = compareFeatureRows(plan, out, got);
        if (report.mismatches > 0) throw new Error(`transaction ${tx.transactionId}: ${report.firstMismatch}`);
      }
    }
    expect(await a.consumed()).toBe(n);
  }, 300_000);

  it('a retry on another replica gets the stored vector and the first answer; a reused id with other fields is refused', async () => {
    const [a, b, c] = await replicas(3, 'retry:');
    const tx = txAt(data, 0);
    const [first] = await a.apply([tx]);
    expect(first.fresh).toBe(true);
    const [again] = await b.apply([tx]);
    expect(again.fresh).toBe(false);
    expect(Array.from(again.vector)).toEqual(Array.from(first.vector));
    expect(again.answer).toBeUndefined();
    // two replicas answer the same transaction: the first stored answer stands for both
    const answerA = { probability: 0.125, decision: 'pass' as const, threshold: 0.5, modelVersion: 3, late: false };
    const answerB = { probability: 0.75, decision: 'alert' as const, threshold: 0.5, modelVersion: 4, late: false };
    expect(await a.rememberAnswers([tx.transactionId], [answerA])).toEqual([answerA]);
    expect(await b.rememberAnswers([tx.transactionId], [answerB])).toEqual([answerA]);
    const [third] = await c.apply([tx]);
    expect(third).toMatchObject({ fresh: false, answer: answerA });
    expect(await a.consumed()).toBe(1);

    const conflict = { ...tx, txAmount: tx.txAmount + 1 };
    const next = { ...txAt(data, 1) };
    await expect(c.apply([next, conflict])).rejects.toMatchObject({ code: 'CONFLICTING_TRANSACTION', index: 1 });
    // nothing of the refused batch was recorded
    expect(await a.consumed()).toBe(1);
    expect(await a.takenAt([next.transactionId])).toEqual([0]);
  });

  it('labels apply once; unknown transactions are reported; LATE_POLICY=reject refuses a transaction beyond the tolerance', async () => {
    const [a, b] = await replicas(2, 'labels:', baseline, 300, 'reject');
    const t0 = txAt(data, 0);
    const t1 = { ...txAt(data, 1), txDatetime: t0.txDatetime + 600 };
    await a.apply([t0, t1]);
    expect((await a.label([{ key: t0.transactionId, fraud: true }])).map((r) => r.outcome)).toEqual(['applied']);
    expect((await b.label([{ key: t0.transactionId, fraud: true }])).map((r) => r.outcome)).toEqual(['unchanged']);
    expect((await b.label([{ key: t0.transactionId, fraud: false }])).map((r) => r.outcome)).toEqual(['applied']);
    expect((await b.label([{ key: 987_654_321, fraud: true }])).map((r) => r.outcome)).toEqual(['unknown']);

    // 100 s late (tolerance 300 s): taken at the newest time, not flagged; 400 s late: refused, nothing recorded
    const late = { ...txAt(data, 2), transactionId: 555_001, txDatetime: t1.txDatetime - 100 };
    const [taken] = await b.apply([late]);
    expect(taken).toMatchObject({ fresh: true, late: false });
    const tooLate = { ...late, transactionId: 555_002, txDatetime: t1.txDatetime - 400 };
    await expect(a.apply([tooLate])).rejects.toBeInstanceOf(ScoringError);
    await expect(a.apply([tooLate])).rejects.toMatchObject({ code: 'OUT_OF_ORDER', index: 0 });
    expect(await a.takenAt([tooLate.transactionId])).toEqual([0]);
    // the retry of the late one is recognised, not refused
    const [retry] = await a.apply([late]);
    expect(retry.fresh).toBe(false);
  });

  it('late transactions are taken at the newest time like the memory engine (v2: recency 0 behind the newest), flagged beyond the tolerance, the flag kept for retries', async () => {
    const [a, b] = await replicas(2, 'late:', v2);
    const reference = new OnlineFeatureState(v2, { tieOrder: 'arrival' });
    const width = v2.features.length;
    const out = new Float64Array(width);
    const n = 600;
    // every 10th transaction an hour behind its stamp, every 10th + 5 a minute behind (within the 300 s tolerance)
    const shifted = (i: number) => ({
      ...txAt(data, i),
      txDatetime: data.txDatetime[i] - (i % 10 === 9 ? 3600 : i % 10 === 4 ? 60 : 0),
    });
    const vectors: Float64Array[] = [];
    let lateCount = 0;
    for (let i = 0; i < n; i++) {
      const tx = shifted(i);
      const [got] = await (i % 2 ? b : a).apply([tx]);
      const fresh = reference.processLateInto(
        tx.transactionId,
        tx.txDatetime,
        tx.customerId,
        tx.terminalId,
        tx.txAmount,
        out,
      );
      expect(got.fresh).toBe(fresh);
      // late exactly where the memory engine counts it late (more than 300 s behind the newest time)
      expect(got.late).toBe(reference.lateBySeconds(tx.transactionId) > 300);
      if (got.late) lateCount++;
      const report = compareFeatureRows(v2, out, got.vector);
      if (report.mismatches > 0) throw new Error(`transaction ${tx.transactionId}: ${report.firstMismatch}`);
      vectors.push(got.vector);
    }
    // the path is exercised: hour-late ones behind a newer transaction (at night an hour back may still be on time)
    expect(lateCount).toBeGreaterThan(10);
    // retries of the hour-late ones (odd rows, taken by b) on the other replica: same vector, same lateness, nothing taken twice
    for (let i = 0; i < n; i += 10) {
      const [retry] = await a.apply([shifted(i + 9)]);
      expect(retry).toMatchObject({ fresh: false, late: reference.lateBySeconds(data.transactionId[i + 9]) > 300 });
      expect(Array.from(retry.vector)).toEqual(Array.from(vectors[i + 9]));
    }
    expect(await a.consumed()).toBe(n);

    // LATE_POLICY=reject on the same state: a new hour-late transaction is refused with nothing recorded,
    // but the retry of one taken late before is recognised and keeps its flag
    const [strict] = await replicas(1, 'late:', v2, 300, 'reject');
    // stamped as the first transaction: days behind the newest
    const tooLate = { ...txAt(data, n), txDatetime: data.txDatetime[0] };
    await expect(strict.apply([tooLate])).rejects.toMatchObject({ code: 'OUT_OF_ORDER', index: 0 });
    expect(await strict.takenAt([tooLate.transactionId])).toEqual([0]);
    const [known] = await strict.apply([shifted(19)]);
    expect(known).toMatchObject({ fresh: false, late: true });
  }, 300_000);

  it('keys expire after the spec horizon plus a day', async () => {
    const [a] = await replicas(1, 'ttl:');
    const tx = txAt(data, 0);
    await a.apply([tx]);
    const horizonMs = Math.max(baseline.longestSpanUs, DAY_US) / 1000 + DAY_US / 1000;
    const entities = [`c:${tx.customerId}`, `t:${tx.terminalId}`];
    const keys = [`ttl:x:${tx.transactionId}`, ...entities.flatMap((e) => [`ttl:e:${e}`, `ttl:a:${e}`])];
    for (const key of keys) {
      const ttl = await a.client.pttl(key);
      expect(ttl).toBeGreaterThan(horizonMs - 60_000);
      expect(ttl).toBeLessThanOrEqual(horizonMs);
    }
  });
});

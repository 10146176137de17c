import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFeatures, baselineFeatureSpec } from '@fraudops/features';
import type { BenchContext, BenchResult, BenchSuite, Measurement } from '../suite.js';
import { parseSuiteOptions, type OptionRule } from '../suite-options.js';
import {
  DEFAULTS as SCORING_DEFAULTS,
  FEEDS,
  FIRST_TIME,
  SERVICE,
  buildService,
  cpuSeconds,
  prepareModel,
  start,
  stopped,
  waitFor,
} from './scoring.js';
import { feedTransaction } from './scoring-feed.js';

interface Settings {
  /** Rounds: in each, A and B each get `segment` requests (the order alternating). */
  rounds: number;
  /** Requests per turn. */
  segment: number;
  /** Transactions per request. */
  batch: number;
  /** Requests in flight per server. */
  connections: number;
}

const DEFAULTS: Settings = { rounds: 100, segment: 10, batch: 1000, connections: 4 };
const OPTIONS: Record<keyof Settings, OptionRule> = {
  rounds: { type: 'integer', min: 1 },
  segment: { type: 'integer', min: 1 },
  batch: { type: 'integer', min: 1 },
  connections: { type: 'integer', min: 1 },
};

interface Side {
  subject: 'a' | 'b';
  service: string;
  flags: string[];
  port: number;
  child?: ChildProcess;
  /** The side's next transaction number in the feed (both sides get the same transactions). */
  next: number;
  requests: number;
  cpu: number;
  latencies: number[];
}

const split = (flags: string | undefined) => (flags ?? '').split(' ').filter(Boolean);

/**
 * `npm run bench -- scoring-ab`: two launches of the scoring service — two builds (`BENCH_AB_A`, `BENCH_AB_B`:
 * `main.js` paths, default the workspace's build) and/or two sets of node flags (`BENCH_AB_A_FLAGS`,
 * `BENCH_AB_B_FLAGS`) — on the same steady feed, in short alternating turns, each server's CPU read around its own
 * turns only. A change worth a few per cent is lost in this host's drift between two separate runs; in turns of a
 * fraction of a second both sides meet the same drift. Run it with A = B first to see its own noise.
 */
export const scoringAbSuite: BenchSuite = {
  name: 'scoring-ab',
  description: 'two scoring-service builds or node-flag sets on the same feed, in alternating turns (CPU per request)',
  // eslint-disable-next-line max-lines-per-function -- prepare, start both, fill, alternate, report, in order
  async run(context: BenchContext): Promise<BenchResult> {
    const settings = parseSuiteOptions('scoring-ab', context.args, DEFAULTS, OPTIONS);
    const log = context.log;
    const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
    const portBase = Number(process.env['BENCH_PORT_BASE'] ?? 18731) + 3;
    const sides: Side[] = (['a', 'b'] as const).map((subject, i) => ({
      subject,
      service: process.env[`BENCH_AB_${subject.toUpperCase()}`] || SERVICE,
      flags: split(process.env[`BENCH_AB_${subject.toUpperCase()}_FLAGS`]),
      port: portBase + i,
      next: 1,
      requests: 0,
      cpu: 0,
      latencies: [],
    }));
    // a side on the workspace's build measures the sources as they are (as the scoring suite does)
    if (sides.some((side) => side.service === SERVICE)) await buildService(log);
    const work = await mkdtemp(join(tmpdir(), 'bench-scoring-ab-'));
    const load = [loadavg()[0]];
    try {
      log('training the XGBoost model both sides serve (as the scoring suite does)…');
      const model = await prepareModel(work, SCORING_DEFAULTS, python);
      log(`model: ${model.uri}`);
      for (const side of sides) {
        log(`${side.subject}: ${side.service} ${side.flags.join(' ') || '(no node flags)'} on port ${side.port}`);
        side.child = start(process.execPath, [...side.flags, side.service], {
          PORT: String(side.port),
          REGISTRY: join(work, 'registry'),
          LOG_LEVEL: 'warn',
          BODY_LIMIT: '8mb',
          LATE_TOLERANCE_S: '3600',
        });
      }
      await Promise.all(sides.map((side) => waitFor(side.port, '/readyz')));
      const { secondsPerTransaction } = FEEDS.steady;
      const body = (first: number) => {
        const rows: string[] = [];
        for (let n = first; n < first + settings.batch; n++) {
          const tx = feedTransaction(n, FIRST_TIME, secondsPerTransaction);
          rows.push(
            `{"transaction_id":${tx.transactionId},"tx_datetime":${tx.txDatetime},"customer_id":${tx.customerId},"terminal_id":${tx.terminalId},"tx_amount":${tx.txAmount.toFixed(2)}}`,
          );
        }
        return `{"transactions":[${rows.join(',')}]}`;
      };
      const turn = async (side: Side, requests: number, measured: boolean) => {
        const cpuBefore = await cpuSeconds(side.child?.pid);
        let sent = 0;
        const connection = async () => {
          while (sent < requests) {
            sent++;
            const payload = body(side.next);
            side.next += settings.batch;
            const started = performance.now();
            const response = await fetch(`http://127.0.0.1:${side.port}/v1/score`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: payload,
            });
            const text = await response.text();
            if (response.status !== 200)
              throw new Error(`scoring-ab: ${side.subject} answered ${response.status}: ${text.slice(0, 300)}`);
            if (measured) side.latencies.push(performance.now() - started);
          }
        };
        await Promise.all(Array.from({ length: settings.connections }, connection));
        if (measured) {
          side.cpu += (await cpuSeconds(side.child?.pid)) - cpuBefore;
          side.requests += requests;
        }
      };
      const fillRequests = Math.ceil(
        planFeatures(baselineFeatureSpec).longestSpanUs / 1e6 / secondsPerTransaction / settings.batch,
      );
      log(
        `filling both states with the retention's worth of the steady feed (${fillRequests} requests each), then a warm-up…`,
      );
      for (let done = 0; done < fillRequests; done += 20)
        for (const side of sides) await turn(side, Math.min(20, fillRequests - done), false);
      for (const side of sides) await turn(side, 4 * settings.segment, false);
      log(`${settings.rounds} rounds of ${settings.segment} requests of ${settings.batch} transaction(s) per side…`);
      const wallStart = Date.now();
      for (let r = 0; r < settings.rounds; r++)
        for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await turn(side, settings.segment, true);
      load.push(loadavg()[0]);
      const measurements: Measurement[] = [];
      const at = (side: Side, q: number) =>
        side.latencies[Math.min(side.latencies.length - 1, Math.floor(side.latencies.length * q))];
      for (const side of sides) {
        side.latencies.sort((x, y) => x - y);
        measurements.push(
          {
            name: 'requests_per_cpu_s',
            subject: side.subject,
            value: Number((side.requests / side.cpu).toFixed(1)),
            unit: 'req/cpu-s',
          },
          { name: 'cpu_s', subject: side.subject, value: Number(side.cpu.toFixed(2)), unit: 's' },
          { name: 'p50_ms', subject: side.subject, value: Number(at(side, 0.5).toFixed(3)), unit: 'ms' },
          { name: 'p99_ms', subject: side.subject, value: Number(at(side, 0.99).toFixed(3)), unit: 'ms' },
        );
      }
      const [a, b] = sides;
      return {
        suite: 'scoring-ab',
        ratios: {
          b_vs_a_requests_per_cpu_s: Number((b.requests / b.cpu / (a.requests / a.cpu)).toFixed(3)),
          b_vs_a_p99: Number((at(b, 0.99) / at(a, 0.99)).toFixed(3)),
        },
        measurements,
        notes: [
          ...sides.map((side) => `${side.subject}: ${side.service} ${side.flags.join(' ') || '(no node flags)'}`),
          `feed: the scoring suite's steady feed, the same transactions to both sides, each state first fed the retention; ${settings.rounds} rounds, each side ${settings.segment} requests of ${settings.batch} transaction(s) per turn over ${settings.connections} connections (Node fetch in this process), the side going first alternating; CPU = the server's user + system time (/proc, all its threads) around its own turns; ${((Date.now() - wallStart) / 1000).toFixed(0)} s of turns`,
          `machine: load average ${load.map((l) => l.toFixed(1)).join(' → ')}; A against itself (BENCH_AB_B unset, same flags) shows this suite's own noise`,
        ],
      };
    } finally {
      await Promise.all(sides.map((side) => (side.child ? stopped(side.child, 30_000) : Promise.resolve())));
      await rm(work, { recursive: true, force: true });
    }
  },
};

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { aucRoc, averagePrecision, baselineProfile } from '@fraudops/evaluation';
import {
  OnlineFeatureState,
  baselineFeatureSpec,
  featureNames,
  planFeatures,
  replayWithDelayedLabels,
  v2FeatureSpec,
  type FeatureSpec,
} from '@fraudops/features';
import {
  GBDT_DEFAULTS,
  OnnxScorer,
  TreeExplainer,
  exportOnnx,
  importXgboostJson,
  predictProbability,
  compileTreeEnsemble,
  topContributions,
  type TreeEnsemble,
} from '@fraudops/modeling';
import { LocalRegistry } from '@fraudops/registry';
import { simulateTransactions } from '@fraudops/transactions';
import type { BenchContext, BenchResult, BenchSuite, Measurement } from '../suite.js';
import { FEED_CUSTOMERS, steadyFeedVectors } from './scoring-feed.js';
import { runStateComparison } from './scoring-state.js';
import { joinRuns, type WrkResult } from './wrk-runs.js';
import { parseSuiteOptions, type OptionRule } from '../suite-options.js';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ROOT = here('../../../../');
const PEERS = here('../../peers/');
/**
 * The service the suite runs: the workspace's build, or `BENCH_SCORING_SERVICE` — another build's `main.js`
 * (e.g. a copy of the parent commit's `dist/`), for measuring two builds alternately in the same period; the suite
 * then builds nothing and the log names that file.
 */
export const SERVICE = process.env.BENCH_SCORING_SERVICE || join(ROOT, 'apps/scoring-api/dist/main.js');
const DAY = 86_400;
/** 2018-10-01: after the simulated world, before today (the service refuses future-dated transactions). */
export const FIRST_TIME = Date.UTC(2018, 9, 1) / 1000;

/**
 * How the feed's simulated clock moves (see `score-requests.lua`). `steady`: at the handbook world's rate — its
 * customers make 2 transactions a day on average (`meanTransactionsPerDay` is uniform on [0, 4]), so 5,000 of them
 * make 10,000 a day, one every 8.64 s — and each run continues where the server's previous run stopped; before
 * the measured runs every server is fed the retention's worth (the longest window + delay of the spec), so the
 * online state is at its steady size: full, evicting one old transaction per new one. `growing`: the feed before
 * 2026-12-07 — 20 transactions a second and 10 days between runs, so within a run nothing leaves the state and
 * it keeps growing (and resizing) towards a million transactions, which a service at steady state never does.
 */
export const FEEDS = {
  steady: { secondsPerTransaction: DAY / (2 * FEED_CUSTOMERS), gapSeconds: 1 },
  growing: { secondsPerTransaction: 1 / 20, gapSeconds: 10 * DAY },
} as const;
type Feed = keyof typeof FEEDS;

export interface Settings {
  /** Seconds of load per measured scenario and server (split into `rounds` turns when servers are compared). */
  duration: number;
  /**
   * Turns per compared scenario: the servers take `duration / rounds` seconds of load each in turn, `rounds` times,
   * with the in-process baseline between turns in the batch scenario (see `interleaved`). 1: one run each.
   */
  rounds: number;
  /**
   * CPU seconds the server spends under load before each measured run (JIT, connection set-up; not counted),
   * in wrk runs of at least 1 s, for at most 5× as many seconds of wall clock. CPU time rather than wall time:
   * on a loaded machine 2 s of wall clock may give a server half a CPU-second, too little for V8 to optimise
   * a real service's path while a hello-world is long warm. (`--state redis`: seconds of wall clock.)
   */
  warmup: number;
  trees: number;
  depth: number;
  batch: number;
  batchConnections: number;
  /** `memory` (this suite) or `redis`: 1 and 2 replicas on a shared Redis against one in-memory replica. */
  state: string;
  /** `--state redis`: cards in the warm-up history (twice as many terminals; the handbook's rates per card). */
  cards: number;
  /** `all` scenarios and ratios, or only the `single` (c=10, c=100) or `batch` runs (e.g. to profile one of them). */
  only: string;
  /**
   * The feed of the `--only` runs: `steady` or `growing` (see {@link FEEDS}). `--only all` measures every scenario
   * on the steady feed and the batch scenario on both.
   */
  feed: string;
}

export const DEFAULTS: Settings = {
  duration: 10,
  rounds: 5,
  warmup: 2,
  trees: GBDT_DEFAULTS.nEstimators,
  depth: GBDT_DEFAULTS.maxDepth,
  batch: 1000,
  batchConnections: 4,
  state: 'memory',
  cards: 1000,
  only: 'all',
  feed: 'steady',
};
const OPTIONS: Record<keyof Settings, OptionRule> = {
  duration: { type: 'integer', min: 1 },
  rounds: { type: 'integer', min: 1 },
  warmup: { type: 'integer', min: 0 },
  trees: { type: 'integer', min: 1 },
  depth: { type: 'integer', min: 1 },
  batch: { type: 'integer', min: 1 },
  batchConnections: { type: 'integer', min: 1 },
  state: { type: 'choice', values: ['memory', 'redis'] },
  cards: { type: 'integer', min: 10 },
  only: { type: 'choice', values: ['all', 'single', 'batch'] },
  feed: { type: 'choice', values: ['steady', 'growing'] },
};

/** A server under load: where wrk sends requests, and whose CPU time it reads. */
interface Target {
  subject: string;
  port: number;
  path: string;
  /** The serving process, whose CPU time each run reads from /proc. */
  pid?: number;
}

/** Builds the workspace's scoring service through Nx (a cache hit when nothing changed), so no stale dist/ is measured. */
export async function buildService(log: (message: string) => void): Promise<void> {
  log('building apps/scoring-api (nx run scoring-api:build)…');
  await run('npx', ['nx', 'run', 'scoring-api:build', '--output-style=static'], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux; clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `npm run bench -- scoring`: the scoring API under load from wrk (a separate process, loopback), side by
 * side in one run with its ceilings and its peer — an Express 5 hello-world parsing the same bodies, the
 * in-process OnnxScorer, and a FastAPI/uvicorn service (Debian) serving the same XGBoost model with the same
 * online features. Single transactions at c=10 and c=100; 1,000-transaction batches.
 */
export const scoringSuite: BenchSuite = {
  name: 'scoring',
  description: 'POST /v1/score (c=10, c=100, 1,000-tx batches) vs Express hello-world, in-process ONNX, FastAPI',
  // eslint-disable-next-line max-lines-per-function -- the suite's measurements in order, each peer timed around the same steps as ours
  async run(context: BenchContext): Promise<BenchResult> {
    const settings = parseSuiteOptions('scoring', context.args, DEFAULTS, OPTIONS);
    const log = context.log;
    /** Seconds of load per turn of a compared scenario (see `interleaved`). */
    const turnSeconds = Math.max(1, Math.round(settings.duration / settings.rounds));
    // Always through Nx (a cache hit when nothing changed): a dist/ left from older sources would measure old code
    // (both the in-memory suite and --state redis start this build).
    if (process.env.BENCH_SCORING_SERVICE) log(`serving the build BENCH_SCORING_SERVICE names: ${SERVICE}`);
    else await buildService(log);
    if (!existsSync(SERVICE)) throw new Error(`scoring suite: the build left no ${SERVICE}`);
    if (settings.state === 'redis') {
      return runStateComparison(context, settings, {
        service: SERVICE,
        peers: PEERS,
        // the spec `npm start` trains and serves: what a deployment on Redis runs
        prepareModel: (work, python) => prepareModel(work, settings, python, v2FeatureSpec),
        start,
        cpuSeconds,
      });
    }
    const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
    await requireTools(python);
    const profileDir = process.env['BENCH_CPU_PROF_DIR'];
    if (profileDir) log(`the service writes a V8 CPU profile (--cpu-prof) to ${profileDir} when it stops`);
    const work = await mkdtemp(join(tmpdir(), 'bench-scoring-'));
    const children: ChildProcess[] = [];
    const load = [loadavg()[0]];
    try {
      log('training the XGBoost model both services serve…');
      const model = await prepareModel(work, settings, python);
      log(
        `model: ${settings.trees} trees of depth ${settings.depth}, registered as ${model.uri}; threshold ${model.threshold.toFixed(4)}`,
      );

      // BENCH_PORT_BASE moves the three servers' ports, so two people can run the suite on one machine at once.
      const portBase = Number(process.env['BENCH_PORT_BASE'] ?? 18731);
      const ours: Target = { subject: 'fraudops', port: portBase, path: '/v1/score' };
      const hello: Target = { subject: 'express_hello', port: portBase + 1, path: '/hello' };
      const fastapi: Target = { subject: 'fastapi', port: portBase + 2, path: '/v1/score' };
      const [service, helloServer, fastapiServer] = [
        start(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), SERVICE], {
          PORT: String(ours.port),
          REGISTRY: join(work, 'registry'),
          LOG_LEVEL: 'warn',
          BODY_LIMIT: '8mb',
          LATE_TOLERANCE_S: '3600',
        }),
        start(process.execPath, [join(PEERS, 'express-hello.mjs'), String(hello.port)], {}),
        start(
          python,
          [
            join(PEERS, 'fastapi_scoring.py'),
            '--model',
            join(work, 'model.json'),
            '--threshold',
            String(model.threshold),
            '--port',
            String(fastapi.port),
          ],
          {},
        ),
      ];
      children.push(service, helloServer, fastapiServer);
      ours.pid = service.pid;
      hello.pid = helloServer.pid;
      fastapi.pid = fastapiServer.pid;
      await Promise.all([
        waitFor(ours.port, '/readyz'),
        waitFor(hello.port, '/healthz'),
        waitFor(fastapi.port, '/healthz'),
      ]);

      const measurements: Measurement[] = [];
      let runIndex = 0;
      /** Each server's simulated clock: where its next run's feed starts (its feed never goes back in time). */
      const clocks = new Map<string, number>();
      const clock = (target: Target) => clocks.get(target.subject) ?? FIRST_TIME;
      const once = async (
        target: Target,
        connections: number,
        batch: number,
        feed: Feed,
        seconds: number,
        explain: boolean,
      ): Promise<WrkResult> => {
        runIndex++;
        const { secondsPerTransaction, gapSeconds } = FEEDS[feed];
        const timeBase = clock(target) + gapSeconds;
        const { stdout, stderr } = await run(
          'wrk',
          [
            '-t1',
            `-c${connections}`,
            `-d${seconds}s`,
            '--timeout',
            '10s',
            '-s',
            join(PEERS, 'score-requests.lua'),
            `http://127.0.0.1:${target.port}`,
          ],
          {
            env: {
              ...process.env,
              BENCH_PATH: target.path,
              BENCH_BATCH: String(batch),
              BENCH_ID_BASE: String(runIndex * 100_000_000),
              // Every run starts after the server's previous one ended (steady) or 10 days later (growing).
              BENCH_TIME_BASE: String(timeBase),
              BENCH_SECONDS_PER_TX: String(secondsPerTransaction),
              BENCH_EXPLAIN: explain ? '1' : '0',
            },
            maxBuffer: 1 << 20,
          },
        );
        const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
        if (!line) throw new Error(`wrk printed no result for ${target.subject}:\n${stdout}\n${stderr}`);
        const result = JSON.parse(line.slice('WRK_JSON '.length)) as WrkResult;
        // Requests still in flight when wrk stopped were sent too (at most one per connection).
        const sent = (result.requests + connections) * batch;
        clocks.set(target.subject, timeBase + Math.ceil(sent * secondsPerTransaction) + 1);
        return result;
      };
      /**
       * The steady feed's premise: the server's state holds the retention's worth of transactions before anything
       * is measured. Fed as batches (the same transactions, fewer requests), for at most two minutes of wall clock.
       */
      const fill = async (target: Target) => {
        const until = clock(target) + retentionSeconds;
        const wallEnd = Date.now() + 120_000;
        while (clock(target) < until && Date.now() < wallEnd) {
          await once(target, settings.batchConnections, settings.batch, 'steady', 2, false);
        }
        filled.push(`${target.subject} ${((clock(target) - until + retentionSeconds) / DAY).toFixed(1)} days`);
      };
      const retentionSeconds = planFeatures(baselineFeatureSpec).longestSpanUs / 1e6;
      const filled: string[] = [];
      /** Load before measuring: `settings.warmup` CPU seconds of the server (JIT, connections), not counted. */
      const warm = async (target: Target, connections: number, batch: number, explain: boolean, feed: Feed) => {
        if (settings.warmup <= 0) return;
        const cpuStart = await cpuSeconds(target.pid);
        const wallEnd = Date.now() + settings.warmup * 5_000;
        do {
          await once(target, connections, batch, feed, Math.max(1, Math.ceil(settings.warmup / 2)), explain);
        } while ((await cpuSeconds(target.pid)) - cpuStart < settings.warmup && Date.now() < wallEnd);
      };
      /** One measured wrk run, with the server's CPU seconds around it. */
      const measure = async (
        target: Target,
        connections: number,
        batch: number,
        feed: Feed,
        seconds: number,
        explain: boolean,
      ): Promise<WrkResult> => {
        const cpuBefore = await cpuSeconds(target.pid);
        const result = await once(target, connections, batch, feed, seconds, explain);
        return { ...result, cpu_s: (await cpuSeconds(target.pid)) - cpuBefore };
      };
      /** Records a server's (possibly joined) result for a scenario as measurements and a log line. */
      const report = (target: Target, scenario: string, batch: number, result: WrkResult) => {
        const cpu = result.cpu_s ?? Number.NaN;
        const errors =
          result.errors_status +
          result.errors_connect +
          result.errors_read +
          result.errors_write +
          result.errors_timeout;
        const seconds = result.duration_us / 1e6;
        const add = (name: string, value: number, unit: string) =>
          measurements.push({ name: `${scenario}_${name}`, subject: target.subject, value, unit });
        add('requests_per_s', round(result.requests / seconds, 1), 'req/s');
        if (batch > 1) add('rows_per_s', round((result.requests * batch) / seconds, 0), 'rows/s');
        add('p50_ms', round(result.p50_us / 1000, 3), 'ms');
        add('p99_ms', round(result.p99_us / 1000, 3), 'ms');
        add('errors', errors, 'requests');
        // Requests per CPU-second of the serving process: fair on a shared machine, where wall-clock rates drift.
        if (cpu > 0) add('requests_per_cpu_s', round(result.requests / cpu, 1), 'req/cpu-s');
        log(
          `  ${target.subject.padEnd(14)} ${scenario.padEnd(10)} ${(result.requests / seconds).toFixed(0).padStart(7)} req/s  p50 ${(result.p50_us / 1000).toFixed(2)} ms  p99 ${(result.p99_us / 1000).toFixed(2)} ms  errors ${errors}  ${(result.requests / cpu).toFixed(0)} req/cpu-s`,
        );
      };
      /** A warmed-up, measured run of one server (scenarios that compare it with no other server). */
      const wrk = async (
        target: Target,
        connections: number,
        batch: number,
        scenario: string,
        explain = false,
        feed: Feed = 'steady',
      ): Promise<WrkResult> => {
        await warm(target, connections, batch, explain, feed);
        const result = await measure(target, connections, batch, feed, settings.duration, explain);
        report(target, scenario, batch, result);
        return result;
      };
      /**
       * A scenario compared across servers: each warmed up, then `settings.rounds` rounds in which every server gets
       * `duration / rounds` seconds of load in turn (the order rotating from round to round), and `between` runs after
       * each round. A server's runs are joined into one result ({@link joinRuns}). The machine is shared and its
       * speed drifts over tens of seconds: in turns of a few seconds, every server (and `between`'s in-process
       * baseline) meets the same drift, instead of one server meeting a fast minute and its peer a slow one.
       */
      const interleaved = async (
        scenario: string,
        targets: Target[],
        connections: number,
        batch: number,
        feed: Feed,
        between?: (seconds: number) => Promise<void>,
      ): Promise<Record<string, WrkResult>> => {
        for (const target of targets) await warm(target, connections, batch, false, feed);
        const runs = new Map<string, WrkResult[]>(targets.map((t) => [t.subject, []]));
        for (let r = 0; r < settings.rounds; r++) {
          for (let i = 0; i < targets.length; i++) {
            const target = targets[(i + r) % targets.length];
            runs.get(target.subject)?.push(await measure(target, connections, batch, feed, turnSeconds, false));
          }
          if (between) await between(turnSeconds);
        }
        const joined: Record<string, WrkResult> = {};
        for (const target of targets) {
          joined[target.subject] = joinRuns(runs.get(target.subject) ?? []);
          report(target, scenario, batch, joined[target.subject]);
        }
        return joined;
      };

      const rate = (r: WrkResult, rowsPerRequest = 1) => (r.requests * rowsPerRequest) / (r.duration_us / 1e6);
      const perCpu = (r: WrkResult, rowsPerRequest = 1) => (r.requests * rowsPerRequest) / (r.cpu_s ?? Number.NaN);
      const results: Record<string, Record<string, WrkResult>> = {};
      const scenarios: Array<[string, number, number]> = [
        ...(settings.only === 'batch'
          ? []
          : ([
              ['single_c10', 10, 1],
              ['single_c100', 100, 1],
            ] as Array<[string, number, number]>)),
        ...(settings.only === 'single'
          ? []
          : ([[`batch${settings.batch}`, settings.batchConnections, settings.batch]] as Array<
              [string, number, number]
            >)),
      ];
      const feed: Feed = settings.only === 'all' ? 'steady' : (settings.feed as Feed);
      const growingBatchKey = `batch${settings.batch}_growing_feed`;
      if (settings.only === 'all') {
        // The batch scenario on the feed of the runs before 2026-12-07 too, first, on the fresh service as they
        // ran it: its ratio beside the steady feed's, from the same run.
        log(`${growingBatchKey}: fraudops alone, the growing feed (20 transactions a second, 10 days between runs)`);
        results[growingBatchKey] = {
          fraudops: await wrk(ours, settings.batchConnections, settings.batch, growingBatchKey, false, 'growing'),
        };
      }
      if (feed === 'steady') {
        log(
          `filling every server's state with ${(retentionSeconds / DAY).toFixed(0)} days of the steady feed (${FEED_CUSTOMERS * 2} transactions a day)…`,
        );
        for (const target of [ours, hello, fastapi]) await fill(target);
      }
      // The batch ratio's in-process baseline takes turns with the servers (see `interleaved`).
      const inProcessTurns = await inProcessBatchTurns(model.onnx, model.spec, model.samples, settings.batch);
      try {
        for (const [scenario, connections, batch] of scenarios) {
          log(
            `${scenario}: wrk -t1 -c${connections}, ${batch} transaction(s) per request, ${feed} feed; ${settings.rounds} turns of ${turnSeconds} s per server` +
              (batch > 1 ? ', the in-process OnnxScorer between turns' : ''),
          );
          const between = batch > 1 ? inProcessTurns.run : undefined;
          results[scenario] = await interleaved(scenario, [ours, hello, fastapi], connections, batch, feed, between);
        }
      } finally {
        await inProcessTurns.release();
      }
      const inProcessTurnTotals = inProcessTurns.totals();
      const feedNote =
        `feed: ${feed === 'steady' ? `steady — one transaction every ${FEEDS.steady.secondsPerTransaction} s of simulated time (the handbook world's 2 a day for each of ${FEED_CUSTOMERS} customers), each run continuing the server's clock, every state first fed ${(retentionSeconds / DAY).toFixed(0)} days (the retention; reached: ${filled.join(', ')}), so the online state is at its steady size and evicting` : 'growing — 20 transactions a second of simulated time, 10 days between runs: the online state grows through every run'}` +
        (settings.only === 'all'
          ? `; ${growingBatchKey}: fraudops alone on the growing feed, first, on the fresh service (the feed of the runs before 2026-12-07)`
          : '');

      const cpuShares = Object.entries(results).flatMap(([scenario, bySubject]) =>
        Object.entries(bySubject).map(([subject, r]) => ({
          scenario,
          subject,
          share: (r.cpu_s ?? Number.NaN) / (r.duration_us / 1e6),
        })),
      );
      const starvedSubjects = cpuShares.filter((c) => c.share < STARVED_BELOW);
      const loadNote = () =>
        `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${load.map((l) => l.toFixed(1)).join(' → ')}; ` +
        `servers' CPU share in their measured runs (CPU s / wall s; a one-thread server at its ceiling uses ≈ 1): ` +
        `${cpuShares.map((c) => `${c.subject} ${c.scenario} ${c.share.toFixed(2)}`).join(', ')}. ` +
        (starvedSubjects.length > 0
          ? `STARVED (below ${STARVED_BELOW}): ${starvedSubjects.map((c) => `${c.subject} ${c.scenario}`).join(', ')} — the machine's other work took their CPU, so wall-clock rates and p99 measure the load as much as the servers; read the per-CPU-second ratios first.`
          : `no server starved (all ≥ ${STARVED_BELOW}).`);
      if (settings.only !== 'all') {
        load.push(loadavg()[0]);
        return {
          suite: 'scoring',
          ratios: {},
          measurements,
          notes: [`--only ${settings.only}: these scenarios alone, no ratios`, feedNote, loadNote()],
        };
      }

      // Reason codes: the same single transactions without and with "explain": true (3 reasons each), on
      // fraudops only, alternated twice so that the machine's load drifts alike for both. What an explained
      // row costs is the difference in the service's CPU time per request.
      log('explain: single transactions at c=10 without and with "explain": true, alternated');
      const explainRuns: { plain: WrkResult[]; explained: WrkResult[] } = { plain: [], explained: [] };
      for (let round = 1; round <= 2; round++) {
        explainRuns.plain.push(await wrk(ours, 10, 1, `explain_off_c10_run${round}`));
        explainRuns.explained.push(await wrk(ours, 10, 1, `explain_on_c10_run${round}`, true));
      }
      const cpuPerRequest = (runs: WrkResult[]) =>
        runs.reduce((sum, r) => sum + (r.cpu_s ?? Number.NaN), 0) / runs.reduce((sum, r) => sum + r.requests, 0);
      const plainCpu = cpuPerRequest(explainRuns.plain);
      const explainedCpu = cpuPerRequest(explainRuns.explained);
      measurements.push(
        { name: 'single_c10_cpu_ms_per_request', subject: 'fraudops', value: round(plainCpu * 1000, 4), unit: 'ms' },
        {
          name: 'single_c10_explain_cpu_ms_per_request',
          subject: 'fraudops',
          value: round(explainedCpu * 1000, 4),
          unit: 'ms',
        },
        {
          name: 'explain_cpu_ms_per_row',
          subject: 'fraudops',
          value: round((explainedCpu - plainCpu) * 1000, 4),
          unit: 'ms',
        },
      );
      load.push(loadavg()[0]);

      log('in-process TreeSHAP (one row and its top 3 reasons) beside one-row OnnxScorer calls…');
      const shapRow = measureExplainRow(model.ensemble, model.samples, model.spec.width);
      measurements.push({
        name: 'explain_row_us',
        subject: 'treeshap_in_process',
        value: round(shapRow.microsPerRow, 2),
        unit: 'µs',
      });

      // The TypeScript trees: the modeling library's walk (predictProbability), and the ensemble compiled to
      // JavaScript (compileTreeEnsemble), which is what the service scores tree models with, every batch size.
      log('in-process TypeScript tree predictors (CPU per row, 1 row and batches)…');
      const width = model.spec.width;
      const trees = measureTreePredictor(
        (values, rows) => predictProbability(model.ensemble, { rows, cols: width, values }),
        model.samples,
        width,
        settings.batch,
      );
      const compile = compileTreeEnsemble(model.ensemble);
      if (!compile) throw new Error('scoring suite: the benchmark model did not compile');
      const compiled = measureTreePredictor(compile, model.samples, width, settings.batch);
      measurements.push(
        {
          name: 'single_row_cpu_us',
          subject: 'compiled_trees_in_process',
          value: round(compiled.singleMicros, 2),
          unit: 'µs',
        },
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'compiled_trees_in_process',
          value: round(compiled.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
        {
          name: 'single_row_cpu_us',
          subject: 'typescript_trees_in_process',
          value: round(trees.singleMicros, 2),
          unit: 'µs',
        },
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'typescript_trees_in_process',
          value: round(trees.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
      );

      log('in-process OnnxScorer (the inference ceiling)…');
      const inProcess = await measureInProcess(model.onnx, model.spec, model.samples, settings.batch);
      // The same kernel on the rows the service scores: the steady feed's vectors (see the note below).
      log("in-process OnnxScorer on the steady feed's own rows…");
      const feedRows = steadyFeedVectors(baselineFeatureSpec, 20_000, {
        timeBase: FIRST_TIME,
        secondsPerTransaction: FEEDS.steady.secondsPerTransaction,
      });
      const inProcessFeed = await measureInProcess(model.onnx, model.spec, feedRows, settings.batch);
      const compiledFeed = measureTreePredictor(compile, feedRows, width, settings.batch);
      measurements.push(
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'compiled_trees_in_process_feed_rows',
          value: round(compiledFeed.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
        { name: 'single_row_p50_ms', subject: 'onnx_in_process', value: round(inProcess.singleP50Ms, 4), unit: 'ms' },
        { name: 'single_row_p99_ms', subject: 'onnx_in_process', value: round(inProcess.singleP99Ms, 4), unit: 'ms' },
        {
          name: 'single_rows_per_s',
          subject: 'onnx_in_process',
          value: round(inProcess.singleRowsPerS, 0),
          unit: 'rows/s',
        },
        {
          name: `batch${settings.batch}_rows_per_s`,
          subject: 'onnx_in_process',
          value: round(inProcess.batchRowsPerS, 0),
          unit: 'rows/s',
        },
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'onnx_in_process',
          value: round(inProcess.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
        {
          name: `batch${settings.batch}_rows_per_s`,
          subject: 'onnx_in_process_turns',
          value: round(inProcessTurnTotals.batchRowsPerS, 0),
          unit: 'rows/s',
        },
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'onnx_in_process_turns',
          value: round(inProcessTurnTotals.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
        {
          name: `batch${settings.batch}_rows_per_cpu_s`,
          subject: 'onnx_in_process_feed_rows',
          value: round(inProcessFeed.batchRowsPerCpuS, 0),
          unit: 'rows/cpu-s',
        },
      );

      const batchKey = `batch${settings.batch}`;
      const ratio = (a: number, b: number) => round(a / b, 3);
      const ratios: Record<string, number> = {
        single_c10_rps_vs_express_hello: ratio(
          rate(results.single_c10.fraudops),
          rate(results.single_c10.express_hello),
        ),
        single_c100_rps_vs_express_hello: ratio(
          rate(results.single_c100.fraudops),
          rate(results.single_c100.express_hello),
        ),
        single_c10_rps_vs_fastapi: ratio(rate(results.single_c10.fraudops), rate(results.single_c10.fastapi)),
        single_c100_rps_vs_fastapi: ratio(rate(results.single_c100.fraudops), rate(results.single_c100.fastapi)),
        batch_rows_vs_express_hello: ratio(rate(results[batchKey].fraudops), rate(results[batchKey].express_hello)),
        batch_rows_vs_onnx_in_process: ratio(
          rate(results[batchKey].fraudops, settings.batch),
          inProcessTurnTotals.batchRowsPerS,
        ),
        batch_rows_vs_fastapi: ratio(rate(results[batchKey].fraudops), rate(results[batchKey].fastapi)),
        single_c10_p99_ms: round(results.single_c10.fraudops.p99_us / 1000, 3),
        single_c10_p99_vs_express_hello: ratio(
          results.single_c10.fraudops.p99_us,
          results.single_c10.express_hello.p99_us,
        ),
        // The same comparisons per CPU-second of each server: what each request costs, whatever the machine's load.
        single_c10_cpu_efficiency_vs_express_hello: ratio(
          perCpu(results.single_c10.fraudops),
          perCpu(results.single_c10.express_hello),
        ),
        single_c10_cpu_efficiency_vs_fastapi: ratio(
          perCpu(results.single_c10.fraudops),
          perCpu(results.single_c10.fastapi),
        ),
        single_c100_cpu_efficiency_vs_express_hello: ratio(
          perCpu(results.single_c100.fraudops),
          perCpu(results.single_c100.express_hello),
        ),
        single_c100_cpu_efficiency_vs_fastapi: ratio(
          perCpu(results.single_c100.fraudops),
          perCpu(results.single_c100.fastapi),
        ),
        // The issue's batch ratio: against the in-process baseline measured in the turns between the servers' turns.
        batch_rows_per_cpu_s_vs_onnx_in_process: ratio(
          perCpu(results[batchKey].fraudops, settings.batch),
          inProcessTurnTotals.batchRowsPerCpuS,
        ),
        // The same against the baseline measured alone after every server (3 s): how the ratio read before 2026-12-08.
        batch_rows_per_cpu_s_vs_onnx_in_process_measured_after: ratio(
          perCpu(results[batchKey].fraudops, settings.batch),
          inProcess.batchRowsPerCpuS,
        ),
        // The same against onnxruntime on the steady feed's own rows (what the service's kernel does per row).
        batch_rows_per_cpu_s_vs_onnx_in_process_feed_rows: ratio(
          perCpu(results[batchKey].fraudops, settings.batch),
          inProcessFeed.batchRowsPerCpuS,
        ),
        // The same on the feed of the runs before 2026-12-07 (the state growing through the run), for comparison.
        batch_rows_per_cpu_s_vs_onnx_in_process_growing_feed: ratio(
          perCpu(results[growingBatchKey].fraudops, settings.batch),
          inProcess.batchRowsPerCpuS,
        ),
        // The library's tree walk per row against onnxruntime's kernel (< 1: onnxruntime wins).
        tree_predictor_batch_rows_per_cpu_s_vs_onnx_in_process: ratio(
          trees.batchRowsPerCpuS,
          inProcess.batchRowsPerCpuS,
        ),
        // Why the service scores tree models with the compiled trees: > 1 means they beat onnxruntime per row.
        compiled_trees_batch_rows_per_cpu_s_vs_onnx_in_process: ratio(
          compiled.batchRowsPerCpuS,
          inProcess.batchRowsPerCpuS,
        ),
        compiled_trees_batch_rows_per_cpu_s_vs_onnx_in_process_feed_rows: ratio(
          compiledFeed.batchRowsPerCpuS,
          inProcessFeed.batchRowsPerCpuS,
        ),
        batch_cpu_efficiency_vs_fastapi: ratio(perCpu(results[batchKey].fraudops), perCpu(results[batchKey].fastapi)),
        // Target < 1: explaining a single transaction costs less CPU than the request itself.
        explain_cost_per_row_vs_request_cost: ratio(explainedCpu - plainCpu, plainCpu),
        explain_cpu_per_request_vs_plain: ratio(explainedCpu, plainCpu),
        explain_row_in_process_vs_onnx_single_row: ratio(shapRow.microsPerRow / 1000, inProcess.singleP50Ms),
      };
      return {
        suite: 'scoring',
        ratios,
        measurements,
        notes: [
          `load: wrk 4.1 (-t1, a separate process over loopback) with a Lua script giving every transaction a new id and a later time; ${settings.duration} s per run after a warm-up of ${settings.warmup} CPU-seconds of the server (at most ${settings.warmup * 5} s)`,
          feedNote,
          `model: XGBoost ${model.xgboost} binary:logistic, ${settings.trees} trees, depth ${settings.depth}, trained on ${model.trainRows} simulated transactions (15 baseline features); fraudops serves its ONNX conversion, FastAPI the booster JSON`,
          "fraudops: apps/scoring-api/dist/main.js (one Node process; the model's trees compiled to JavaScript score every batch — onnxruntime, 1 intra-op thread, is loaded for models that do not compile); express_hello: express.json() + res.json() on the same bodies; fastapi: pydantic validation, the same 15 features in Python deques, booster.inplace_predict, one uvicorn worker",
          `batch runs: ${settings.batch} transactions per request over ${settings.batchConnections} connections; rows/s = requests/s × ${settings.batch}`,
          `onnx_in_process: OnnxScorer.score in this process on 20,000 rows of the model's own simulated world (varied, realistic rows), single rows one after another and ${settings.batch}-row batches; typescript_trees_in_process: predictProbability on the imported trees (the modeling library's walk), the same rows; compiled_trees_in_process: the same trees compiled to JavaScript (compileTreeEnsemble: the service's predictor for tree models, every batch size), the same rows, and on the feed's rows (_feed_rows); onnx_in_process_feed_rows: the same OnnxScorer on 20,000 rows of the steady feed as the service computes them (a state fed the retention, no labels) — the feed is regular (every card twice a day, every terminal once), so the trees' paths are cheaper to walk than on the world's rows: the issue's batch target reads against onnx_in_process_turns (the same scorer and rows, measured in turns between the servers' turns: see the next note), and batch_rows_per_cpu_s_vs_onnx_in_process_feed_rows says what the service adds to the kernel on its own rows`,
          `turns: in each compared scenario the three servers take ${settings.rounds} turns of ${turnSeconds} s of load each (the order rotating), after one warm-up each; a server's turns are joined (requests, wall and CPU seconds summed; p50 and p99 of all its requests, from each turn's percentiles). In the batch scenario the in-process OnnxScorer scores for a turn's length after every round (onnx_in_process_turns). The machine's speed drifts over tens of seconds; in turns, every subject meets the same drift.`,
          `explain: fraudops at c=10, single transactions, ${settings.duration} s without then ${settings.duration} s with "explain": true (3 reasons), twice; cost per explained row = the difference in the service's CPU time per request; treeshap_in_process: TreeExplainer.explainRow + the top 3 on the same rows in this process`,
          `issue 19 targets, this run: single c=10 ${ratios.single_c10_rps_vs_express_hello}× Express hello-world (≥ 0.85), single c=100 ${ratios.single_c100_rps_vs_express_hello}× (≥ 0.75), p99 c=10 ${ratios.single_c10_p99_vs_express_hello}× the hello-world's (≤ 1.25), ${settings.batch}-row batches ${ratios.batch_rows_per_cpu_s_vs_onnx_in_process}× in-process onnxruntime per CPU-second (≥ 0.5; ${ratios.batch_rows_per_cpu_s_vs_onnx_in_process_growing_feed}× on the growing feed)`,
          loadNote(),
        ],
      };
    } finally {
      // The service writes its snapshot (and, profiled, its CPU profile) on the way out: wait for the exits.
      await Promise.all(children.map((child) => stopped(child, 30_000)));
      await rm(work, { recursive: true, force: true });
    }
  },
};

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A server that got less CPU than this per wall second in its measured run was starved by the machine's other work. */
const STARVED_BELOW = 0.75;

async function requireTools(python: string): Promise<void> {
  await run('wrk', ['--version']).catch((error: { code?: string; stdout?: string }) => {
    // wrk --version exits 1 after printing its banner; only a missing binary is a problem.
    if (error.code === 'ENOENT') throw new Error('scoring suite: wrk is not installed (Debian: apt-get install wrk)');
  });
  await run(python, ['-c', 'import fastapi, uvicorn, pydantic, xgboost, numpy']).catch(
    (error: Error & { stderr?: string }) => {
      const missing = /No module named '([^']+)'/.exec(error.stderr ?? error.message)?.[1];
      throw new Error(
        `scoring suite: ${python} cannot import ${missing ?? 'fastapi, uvicorn, pydantic, xgboost or numpy'}; the FastAPI peer needs Debian's packages. Install them with:\n` +
          `  sudo apt-get install python3-fastapi python3-uvicorn python3-pydantic python3-xgboost python3-numpy\n` +
          `(or point FRAUDOPS_PYTHON at an interpreter that has them). ${(error.stderr ?? '').trim().split('\n').pop() ?? ''}`,
      );
    },
  );
}

interface PreparedModel {
  uri: string;
  onnx: Uint8Array;
  threshold: number;
  xgboost: string;
  trainRows: number;
  spec: { hash: string; width: number };
  /** Real feature vectors (row-major) for the in-process measurement. */
  samples: Float32Array;
  /** The trees both services serve, for the in-process TreeSHAP measurement. */
  ensemble: TreeEnsemble;
}

/**
 * Simulated transactions → the online features (labels with their delay) → XGBoost (Debian's, in Python)
 * → booster JSON for the peer, and its ONNX conversion registered as `@champion` for fraudops.
 */
// eslint-disable-next-line max-lines-per-function -- the benchmark model's recipe in order (simulate, features, train the peer, convert, register)
export async function prepareModel(
  work: string,
  settings: Settings,
  python: string,
  spec: FeatureSpec = baselineFeatureSpec,
): Promise<PreparedModel> {
  const simulated = simulateTransactions({ customers: 1000, terminals: 2000, days: 70, seed: 3 });
  const state = new OnlineFeatureState(spec);
  const vectors = Float32Array.from(replayWithDelayedLabels(state, simulated));
  const width = state.width;
  // Skip the first 30 days (windows filling up).
  const first = simulated.txDatetime.findIndex((t) => t >= simulated.txDatetime[0] + 30 * DAY);
  const rows = simulated.length - first;
  const features = vectors.subarray(first * width);
  const labels = simulated.txFraud.subarray(first);
  await writeFile(join(work, 'features.f32'), features);
  await writeFile(join(work, 'labels.u8'), labels);
  await writeFile(
    join(work, 'job.json'),
    JSON.stringify({
      rows,
      cols: width,
      trees: settings.trees,
      depth: settings.depth,
      learning_rate: GBDT_DEFAULTS.learningRate,
      threads: 2,
    }),
  );
  const { stdout } = await run(python, [join(PEERS, 'xgboost_scoring_model.py'), work], { maxBuffer: 1 << 20 });
  const trained = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { xgboost: string };

  const imported = importXgboostJson(await readFile(join(work, 'model.json'), 'utf8'));
  const names = featureNames(spec);
  const onnx = exportOnnx(imported.model, { featureNames: names, featureSpecHash: state.specHash });
  const scores = predictProbability(imported.model, { rows, cols: width, values: features });
  const threshold = Float32Array.from(scores).sort()[Math.floor(rows * 0.99)];
  const profile = baselineProfile({
    score: scores,
    features: Object.fromEntries(
      names.map((n, f) => [n, Float64Array.from({ length: rows }, (_, r) => features[r * width + f])]),
    ),
  });
  const day = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);
  const registry = new LocalRegistry(join(work, 'registry'));
  const registered = await registry.register({
    name: 'fraud-detector',
    onnx,
    card: {
      model: { algorithm: 'xgboost', producer: `xgboost ${trained.xgboost}` },
      gitSha: null,
      featureSpec: { name: spec.name, hash: state.specHash, features: names },
      trainingData: {
        fingerprint: 'simulator:customers=1000,terminals=2000,days=70,seed=3',
        train: { start: day(simulated.txDatetime[first]), end: day(simulated.txDatetime[simulated.length - 1]), rows },
        test: { start: day(simulated.txDatetime[first]), end: day(simulated.txDatetime[simulated.length - 1]), rows },
      },
      params: { trees: settings.trees, depth: settings.depth },
      metrics: {
        average_precision: { value: averagePrecision(scores, labels) },
        auc_roc: { value: aucRoc(scores, labels) },
      },
      threshold: {
        value: threshold,
        rule: 'top:1%',
        rationale: 'benchmark model: alerts on the top 1% of training scores',
      },
      driftBaseline: { score: profile.score, features: profile.features, rows: profile.rows },
    },
    reports: { html: '<p>benchmark model</p>', markdown: 'benchmark model\n' },
  });
  await registry.setAlias('fraud-detector', 'champion', registered.version);
  return {
    uri: registered.uri,
    onnx,
    threshold,
    xgboost: trained.xgboost,
    trainRows: rows,
    spec: { hash: state.specHash, width },
    samples: features.slice(0, 20_000 * width),
    ensemble: imported.model,
  };
}

export function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (signal !== 'SIGTERM' && code !== 0)
      process.stderr.write(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${errors}\n`);
  });
  return child;
}

/** Sends SIGTERM and resolves when the process has exited (or after `ms`, then with SIGKILL). */
export function stopped(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function waitFor(port: number, path: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`scoring suite: nothing answered on port ${port}${path} within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** TreeSHAP of one row and its 3 largest reasons, row after row, as the service explains a transaction. */
function measureExplainRow(ensemble: TreeEnsemble, samples: Float32Array, width: number): { microsPerRow: number } {
  const explainer = new TreeExplainer(ensemble);
  const rows = samples.length / width;
  const contributions = new Float64Array(width);
  const one = { rows: 1, featureCount: width, values: contributions, bias: explainer.bias };
  const explainRow = (r: number) => {
    explainer.explainRow(samples, (r % rows) * width, contributions, 0);
    return topContributions(one, 0, 3).length;
  };
  for (let r = 0; r < 1_000; r++) explainRow(r);
  let reasons = 0;
  const started = process.cpuUsage();
  const count = 5_000;
  for (let r = 0; r < count; r++) reasons += explainRow(r);
  const cpu = process.cpuUsage(started);
  if (reasons === 0) throw new Error('scoring suite: TreeSHAP gave no reasons at all');
  return { microsPerRow: (cpu.user + cpu.system) / count };
}

/** CPU per row of an in-process tree predictor: single rows one after another, and whole batches. */
function measureTreePredictor(
  predictRows: (values: Float32Array, rows: number) => Float32Array,
  samples: Float32Array,
  width: number,
  batch: number,
): { singleMicros: number; batchRowsPerCpuS: number } {
  const rows = samples.length / width;
  const predict = (first: number, count: number) =>
    predictRows(samples.subarray(first * width, (first + count) * width), count)[0];
  const cpu = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1e6;
  };
  // Warm-up: a compiled ensemble runs in V8's interpreter until each of its large generated functions is
  // optimised (about 0.1 s of compiling each, in the background), so both predictors get a CPU-second of whole
  // batches before anything is timed, then single rows as before.
  let sink = 0;
  const warmed = cpu();
  for (let b = 0; cpu() - warmed < 1; b++) {
    const first = (b * batch) % rows;
    sink += predict(first, Math.min(batch, rows - first));
  }
  for (let r = 0; r < 2_000; r++) sink += predict(r % rows, 1);
  const single = 20_000;
  let started = cpu();
  for (let r = 0; r < single; r++) sink += predict(r % rows, 1);
  const singleMicros = ((cpu() - started) / single) * 1e6;
  const batches = Math.max(1, Math.floor(rows / batch));
  const rounds = Math.max(5, Math.ceil(20_000 / batch));
  started = cpu();
  for (let b = 0; b < rounds; b++) sink += predict((b % batches) * batch, Math.min(batch, rows));
  const batchRowsPerCpuS = (rounds * Math.min(batch, rows)) / (cpu() - started);
  if (!Number.isFinite(sink)) throw new Error('scoring suite: the tree predictor gave a non-finite probability');
  return { singleMicros, batchRowsPerCpuS };
}

async function measureInProcess(
  onnx: Uint8Array,
  spec: { hash: string; width: number },
  samples: Float32Array,
  batch: number,
): Promise<{
  singleP50Ms: number;
  singleP99Ms: number;
  singleRowsPerS: number;
  batchRowsPerS: number;
  batchRowsPerCpuS: number;
}> {
  const scorer = await OnnxScorer.load(onnx, {
    featureSpecHash: spec.hash,
    featureCount: spec.width,
    intraOpNumThreads: 1,
  });
  try {
    const rows = samples.length / spec.width;
    const single = 20_000;
    for (let i = 0; i < 2_000; i++)
      await scorer.score(samples.subarray((i % rows) * spec.width, ((i % rows) + 1) * spec.width));
    const latencies = new Float64Array(single);
    const started = process.hrtime.bigint();
    for (let i = 0; i < single; i++) {
      const t = process.hrtime.bigint();
      const r = i % rows;
      await scorer.score(samples.subarray(r * spec.width, (r + 1) * spec.width));
      latencies[i] = Number(process.hrtime.bigint() - t) / 1e6;
    }
    const singleSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort();
    const batches = await scoreBatches(scorer, samples, spec.width, batch, 3, 0);
    return {
      singleP50Ms: latencies[Math.floor(single * 0.5)],
      singleP99Ms: latencies[Math.floor(single * 0.99)],
      singleRowsPerS: single / singleSeconds,
      batchRowsPerS: batches.rows / batches.seconds,
      batchRowsPerCpuS: batches.rows / batches.cpuSeconds,
    };
  } finally {
    await scorer.release();
  }
}

/**
 * Scores `batch`-row batches of `samples` (cycling through them, from batch number `first`) for `seconds` of wall
 * clock, one `OnnxScorer.score` call at a time: the rows, wall and CPU seconds (this process) it took.
 */
async function scoreBatches(
  scorer: OnnxScorer,
  samples: Float32Array,
  width: number,
  batch: number,
  seconds: number,
  first: number,
): Promise<{ rows: number; seconds: number; cpuSeconds: number }> {
  const batches = Math.max(1, Math.floor(samples.length / width / batch));
  let scored = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < seconds * 1e9) {
    const b = (first + scored / batch) % batches;
    await scorer.score(samples.subarray(b * batch * width, (b + 1) * batch * width));
    scored += batch;
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    rows: scored,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * The batch ratio's in-process baseline, measured in turns between the servers' turns (see `interleaved`): the same
 * OnnxScorer on the same rows and batches as `measureInProcess`, its rows and seconds summed over the turns.
 */
async function inProcessBatchTurns(
  onnx: Uint8Array,
  spec: { hash: string; width: number },
  samples: Float32Array,
  batch: number,
): Promise<{
  run: (seconds: number) => Promise<void>;
  totals: () => { batchRowsPerS: number; batchRowsPerCpuS: number; seconds: number };
  release: () => Promise<void>;
}> {
  const scorer = await OnnxScorer.load(onnx, {
    featureSpecHash: spec.hash,
    featureCount: spec.width,
    intraOpNumThreads: 1,
  });
  await scoreBatches(scorer, samples, spec.width, batch, 0.5, 0); // warm-up, not counted
  const sum = { rows: 0, seconds: 0, cpuSeconds: 0 };
  return {
    run: async (seconds) => {
      const turn = await scoreBatches(scorer, samples, spec.width, batch, seconds, sum.rows / batch);
      sum.rows += turn.rows;
      sum.seconds += turn.seconds;
      sum.cpuSeconds += turn.cpuSeconds;
    },
    totals: () => ({
      batchRowsPerS: sum.rows / sum.seconds,
      batchRowsPerCpuS: sum.rows / sum.cpuSeconds,
      seconds: sum.seconds,
    }),
    release: () => scorer.release(),
  };
}

import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext, BenchResult, BenchSuite, Measurement } from '../suite.js';
import { parseSuiteOptions, type OptionRule } from '../suite-options.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./simulator-worker.js', import.meta.url));
const PEER = fileURLToPath(new URL('../../peers/simulator_numpy.py', import.meta.url));

interface Settings {
  customers: number;
  terminals: number;
  days: number;
  /** Runs of our simulator (the best is kept); the numpy peer runs once (it takes minutes). */
  repeats: number;
}

const DEFAULTS: Settings = { customers: 5000, terminals: 10000, days: 183, repeats: 3 };
const OPTIONS: Record<keyof Settings, OptionRule> = {
  customers: { type: 'integer', min: 1 },
  terminals: { type: 'integer', min: 1 },
  days: { type: 'integer', min: 1 },
  repeats: { type: 'integer', min: 1 },
};

interface OursRun {
  rows: number;
  simulateSeconds: number;
  simulateCpuSeconds: number;
  simulatePeakRssMib: number;
  fingerprint: string;
  parquetWriteSeconds?: number;
  parquetReadSeconds?: number;
  parquetWriteCpuSeconds?: number;
  parquetReadCpuSeconds?: number;
  parquetBytes?: number;
  roundTripExact?: boolean;
  peakRssMib?: number;
}

interface PeerRun {
  rows: number;
  sha256: string;
  simulate_wall_s: number;
  simulate_cpu_s: number;
  peak_rss_mib: number;
  numpy: string;
  python: string;
}

async function runOurs(settings: Settings, io: boolean): Promise<OursRun> {
  const params = JSON.stringify({ customers: settings.customers, terminals: settings.terminals, days: settings.days });
  const { stdout } = await run(process.execPath, [WORKER, params, ...(io ? ['--io'] : [])], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as OursRun;
}

// eslint-disable-next-line max-lines-per-function -- the suite's measurements in order, each peer timed around the same steps as ours
async function runSuite({ args, log }: BenchContext): Promise<BenchResult> {
  const settings = parseSuiteOptions('simulator', args, DEFAULTS, OPTIONS);
  const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
  const world = `${settings.customers} customers, ${settings.terminals} terminals, ${settings.days} days`;

  // Ours first and last around the peer, so a load change on the machine shows up as spread, not as bias.
  const runs: OursRun[] = [];
  log(`fraudops: simulate + Parquet write/read, ${world} (child process)`);
  runs.push(await runOurs(settings, true));
  log(`numpy peer (${python}): simulate, ${world} — this takes minutes`);
  const peerStarted = performance.now();
  const { stdout } = await run(
    python,
    [
      PEER,
      '--customers',
      String(settings.customers),
      '--terminals',
      String(settings.terminals),
      '--days',
      String(settings.days),
      '--json',
    ],
    { maxBuffer: 1 << 20 },
  );
  const peerProcessSeconds = (performance.now() - peerStarted) / 1000;
  const peer = JSON.parse(stdout) as PeerRun;
  for (let i = 1; i < settings.repeats; i++) {
    log(`fraudops: simulate again (${i + 1}/${settings.repeats})`);
    runs.push(await runOurs(settings, false));
  }

  const io = runs[0];
  const best = runs.reduce((a, b) => (b.simulateSeconds < a.simulateSeconds ? b : a));
  const bestCpu = Math.min(...runs.map((r) => r.simulateCpuSeconds));
  const peakRss = Math.max(...runs.map((r) => r.simulatePeakRssMib));
  const parity = runs.every((r) => r.fingerprint === peer.sha256 && r.rows === peer.rows);
  const measurements: Measurement[] = [
    { name: 'simulate_wall_s', subject: 'fraudops', value: best.simulateSeconds, unit: 's' },
    { name: 'simulate_wall_s', subject: 'numpy', value: peer.simulate_wall_s, unit: 's' },
    { name: 'simulate_cpu_s', subject: 'fraudops', value: bestCpu, unit: 's' },
    { name: 'simulate_cpu_s', subject: 'numpy', value: peer.simulate_cpu_s, unit: 's' },
    { name: 'simulate_peak_rss_mib', subject: 'fraudops', value: peakRss, unit: 'MiB' },
    { name: 'simulate_peak_rss_mib', subject: 'numpy', value: peer.peak_rss_mib, unit: 'MiB' },
    { name: 'parquet_write_s', subject: 'fraudops', value: io.parquetWriteSeconds ?? NaN, unit: 's' },
    { name: 'parquet_read_s', subject: 'fraudops', value: io.parquetReadSeconds ?? NaN, unit: 's' },
    { name: 'parquet_write_cpu_s', subject: 'fraudops', value: io.parquetWriteCpuSeconds ?? NaN, unit: 's' },
    { name: 'parquet_read_cpu_s', subject: 'fraudops', value: io.parquetReadCpuSeconds ?? NaN, unit: 's' },
    { name: 'parquet_size_mib', subject: 'fraudops', value: (io.parquetBytes ?? NaN) / 2 ** 20, unit: 'MiB' },
    { name: 'process_peak_rss_mib', subject: 'fraudops', value: io.peakRssMib ?? NaN, unit: 'MiB' },
    { name: 'process_wall_s', subject: 'numpy', value: peerProcessSeconds, unit: 's' },
  ];
  const parquetRoundTrip = (io.parquetWriteSeconds ?? NaN) + (io.parquetReadSeconds ?? NaN);
  return {
    suite: 'simulator',
    ratios: {
      sim_time_vs_numpy: best.simulateSeconds / peer.simulate_wall_s,
      sim_speedup_over_numpy: peer.simulate_wall_s / best.simulateSeconds,
      // CPU time holds up when other jobs stretch wall time on a shared machine
      sim_cpu_time_vs_numpy: bestCpu / peer.simulate_cpu_s,
      sim_peak_rss_vs_numpy: peakRss / peer.peak_rss_mib,
      parquet_write_read_s: parquetRoundTrip,
    },
    measurements,
    notes: [
      `${world}: ${best.rows.toLocaleString('en-US')} transactions`,
      `bit-exact parity with numpy (SHA-256 of every column): ${parity ? 'yes' : 'NO'} (${peer.sha256.slice(0, 16)}…)`,
      `Parquet round trip exact: ${io.roundTripExact ? 'yes' : 'NO'}`,
      `fraudops simulate wall / CPU seconds over ${runs.length} runs: ${runs.map((r) => `${r.simulateSeconds.toFixed(2)} / ${r.simulateCpuSeconds.toFixed(2)}`).join(', ')} (best kept)`,
      `peer: numpy ${peer.numpy}, Python ${peer.python}; ours: Node ${process.versions.node}`,
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    ],
  };
}

export const simulatorSuite: BenchSuite = {
  name: 'simulator',
  description: 'transaction simulator vs a numpy implementation of the same spec; Parquet write + read',
  run: runSuite,
};

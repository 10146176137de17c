/** What `peers/score-requests.lua` reports for one wrk run (its `WRK_JSON` line), plus the server's CPU time. */
export interface WrkResult {
  requests: number;
  duration_us: number;
  errors_status: number;
  errors_connect: number;
  errors_read: number;
  errors_write: number;
  errors_timeout: number;
  p50_us: number;
  p99_us: number;
  /** Latencies (µs) at {@link PERCENTILE_POINTS}, for joining runs (older scripts print none). */
  pcts?: number[];
  /** CPU seconds the serving process used during the measured run (added by the suite). */
  cpu_s?: number;
}

/** The percentiles `score-requests.lua` prints in `pcts` (its `points`): the body, and the tail finely. */
export const PERCENTILE_POINTS = [10, 25, 50, 75, 90, 95, 97, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 100];

/**
 * The fraction of a run's requests answered within `latency` µs, read off its percentile points (linear between
 * them; below the first point, linear from 0 µs).
 */
function fractionWithin(run: WrkResult, latency: number): number {
  const pcts = run.pcts ?? [];
  if (latency >= pcts[pcts.length - 1]) return 1;
  let previousLatency = 0;
  let previousPoint = 0;
  for (let i = 0; i < pcts.length; i++) {
    if (latency < pcts[i]) {
      const span = pcts[i] - previousLatency;
      const share = span > 0 ? (latency - previousLatency) / span : 1;
      return (previousPoint + share * (PERCENTILE_POINTS[i] - previousPoint)) / 100;
    }
    previousLatency = pcts[i];
    previousPoint = PERCENTILE_POINTS[i];
  }
  return 1;
}

/**
 * The q-th percentile (0–100) of several runs' requests taken together: the latency at which the requests-weighted
 * share answered within it reaches q, each run's distribution read off its percentile points. Exact when the runs
 * agree; otherwise between the runs' own q-th percentiles, as the joint one is.
 */
export function joinedPercentile(runs: WrkResult[], q: number): number {
  const total = runs.reduce((sum, r) => sum + r.requests, 0);
  const share = (latency: number) => runs.reduce((sum, r) => sum + r.requests * fractionWithin(r, latency), 0) / total;
  let low = 0;
  let high = Math.max(...runs.map((r) => (r.pcts ?? [0])[(r.pcts ?? [0]).length - 1]));
  for (let i = 0; i < 60 && high - low > 0.5; i++) {
    const middle = (low + high) / 2;
    if (share(middle) >= q / 100) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * Several runs of one server on one scenario as one result: requests, wall time, errors and CPU summed, p50 and p99
 * joined ({@link joinedPercentile}). Runs without percentile points (an old script) give the requests-weighted
 * mean of their own p50 and p99 instead.
 */
export function joinRuns(runs: WrkResult[]): WrkResult {
  if (runs.length === 0) throw new Error('joinRuns: no runs');
  const sum = (field: keyof WrkResult) => runs.reduce((total, r) => total + Number(r[field] ?? 0), 0);
  const requests = sum('requests');
  const withPoints = runs.every((r) => r.pcts?.length === PERCENTILE_POINTS.length);
  const weighted = (field: 'p50_us' | 'p99_us') =>
    runs.reduce((total, r) => total + r[field] * r.requests, 0) / requests;
  return {
    requests,
    duration_us: sum('duration_us'),
    errors_status: sum('errors_status'),
    errors_connect: sum('errors_connect'),
    errors_read: sum('errors_read'),
    errors_write: sum('errors_write'),
    errors_timeout: sum('errors_timeout'),
    p50_us: withPoints ? joinedPercentile(runs, 50) : weighted('p50_us'),
    p99_us: withPoints ? joinedPercentile(runs, 99) : weighted('p99_us'),
    cpu_s: runs.some((r) => r.cpu_s === undefined) ? undefined : sum('cpu_s'),
  };
}

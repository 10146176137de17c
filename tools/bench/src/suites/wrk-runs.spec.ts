import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERCENTILE_POINTS, joinRuns, joinedPercentile, type WrkResult } from './wrk-runs.js';

/** A run whose latencies are uniform on [0, maxUs]: its percentile points lie on a straight line. */
function uniformRun(requests: number, maxUs: number, extra: Partial<WrkResult> = {}): WrkResult {
  return {
    requests,
    duration_us: 2_000_000,
    errors_status: 0,
    errors_connect: 0,
    errors_read: 0,
    errors_write: 0,
    errors_timeout: 0,
    p50_us: maxUs / 2,
    p99_us: (maxUs * 99) / 100,
    pcts: PERCENTILE_POINTS.map((p) => (maxUs * p) / 100),
    ...extra,
  };
}

describe('joining wrk runs', () => {
  it('reads the percentiles score-requests.lua prints', () => {
    const lua = readFileSync(join(__dirname, '../../peers/score-requests.lua'), 'utf8');
    const points = /local points = \{([^}]*)\}/.exec(lua)?.[1].split(',').map(Number);
    expect(points).toEqual(PERCENTILE_POINTS);
  });

  it("gives a run's own percentiles back, alone or joined with its twin", () => {
    const run = uniformRun(1000, 1000);
    expect(joinedPercentile([run], 99)).toBeCloseTo(990, 0);
    expect(joinedPercentile([run, run], 50)).toBeCloseTo(500, 0);
  });

  it('finds the percentile of the requests taken together, not an average of the runs’ percentiles', () => {
    // equal halves uniform on [0, 1000] and [0, 2000] µs: F(L) = L/2000 + L/4000 up to 1000, then 1/2 + L/4000
    const fast = uniformRun(1000, 1000);
    const slow = uniformRun(1000, 2000);
    expect(joinedPercentile([fast, slow], 50)).toBeCloseTo(2000 / 3, 0);
    expect(joinedPercentile([fast, slow], 99)).toBeCloseTo(1960, 0);
    // weighted by requests: three quarters fast, F(L) = 3/4 + L/8000 past 1000 µs
    expect(joinedPercentile([fast, fast, fast, slow], 99)).toBeCloseTo(1920, 0);
  });

  it('sums requests, wall time, errors and CPU, and joins p50 and p99', () => {
    const joined = joinRuns([
      uniformRun(1000, 1000, { cpu_s: 1.5, errors_timeout: 1 }),
      uniformRun(1000, 2000, { cpu_s: 2.25, errors_status: 2 }),
    ]);
    expect(joined).toMatchObject({
      requests: 2000,
      duration_us: 4_000_000,
      errors_status: 2,
      errors_timeout: 1,
      cpu_s: 3.75,
    });
    expect(joined.p50_us).toBeCloseTo(2000 / 3, 0);
    expect(joined.p99_us).toBeCloseTo(1960, 0);
  });

  it("falls back to the requests-weighted mean of the runs' p50 and p99 without percentile points", () => {
    const old = (requests: number, p99: number): WrkResult => ({
      ...uniformRun(requests, 0),
      p50_us: p99 / 2,
      p99_us: p99,
      pcts: undefined,
    });
    const joined = joinRuns([old(3000, 1000), old(1000, 2000)]);
    expect(joined.p99_us).toBe(1250);
    expect(joined.p50_us).toBe(625);
    expect(joined.cpu_s).toBeUndefined();
  });
});

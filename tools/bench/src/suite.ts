/**
 * The benchmark convention: every suite measures fraudops and a baseline in the SAME run and reports
 * ratios between them, because absolute times drift on shared, noisy machines.
 */
export interface Measurement {
  /** What was measured, e.g. `train_wall_s` or `peak_rss_mib`. */
  name: string;
  /** Which implementation: `fraudops`, `xgboost`, `numpy`, … */
  subject: string;
  value: number;
  unit: string;
}

export interface BenchResult {
  suite: string;
  /** Named ratios, e.g. `train_time_vs_xgboost: 1.7` (ours / theirs unless the name says otherwise). */
  ratios: Record<string, number>;
  measurements: Measurement[];
  /** Free-form facts worth recording next to the figures (dataset size, parity checks, …). */
  notes: string[];
}

export interface BenchContext {
  /** Arguments after the suite name, e.g. `--rows 100000`. */
  args: string[];
  /** Progress and diagnostics: stderr, so that `--json` stdout stays machine-readable. */
  log: (message: string) => void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchResult>;
}

export type { BenchContext, BenchResult, BenchSuite, Measurement } from './suite.js';
export { formatResult } from './report.js';
export { runBenchCli } from './cli.js';

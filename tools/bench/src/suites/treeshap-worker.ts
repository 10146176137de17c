/**
 * Child process of the modeling suite's TreeSHAP comparison: explains the first N test rows with the
 * XGBoost model the peer trained (imported from its JSON), on this one thread, and compares the result
 * with the peer's `pred_contribs`. Prints one JSON object on stdout.
 *
 *   node treeshap-worker.js <dir> --rows N
 *
 * The timer covers what XGBoost's predict call does: compiling the explainer (XGBoost computes its node
 * means per call) and explaining every row into a fresh output array.
 */
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TreeExplainer, importXgboostJson } from '@fraudops/modeling';
import type { ModelingJob } from './modeling-worker.js';

async function main(): Promise<void> {
  const { positionals, values: flags } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: treeshap-worker.js <job directory> [--rows N]');
  const job = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as ModelingJob;
  const rows = Math.min(job.test_rows, Number(flags.rows ?? job.test_rows));
  const cols = job.cols;
  const { model } = importXgboostJson(await readFile(join(dir, 'xgboost-model.json'), 'utf8'));
  const bytes = await readFile(join(dir, 'test.f32'));
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, rows * cols).slice();
  const matrix = { rows, cols, values };

  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const explainer = new TreeExplainer(model);
  const contributions = explainer.explain(matrix);
  const cpu = process.cpuUsage(startedCpu);
  const wall = (performance.now() - started) / 1000;

  const peerBytes = await readFile(join(dir, 'xgboost-contribs.f32'));
  const peer = new Float32Array(peerBytes.buffer, peerBytes.byteOffset, peerBytes.byteLength / 4);
  let maxGap = 0;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) {
      maxGap = Math.max(maxGap, Math.abs(contributions.values[r * cols + f] - peer[r * (cols + 1) + f]));
    }
    maxGap = Math.max(maxGap, Math.abs(contributions.bias - peer[r * (cols + 1) + cols]));
  }
  const nodes = model.trees.reduce((n, t) => n + t.feature.length, 0);
  process.stdout.write(
    `${JSON.stringify({ rows, wall_s: wall, cpu_s: (cpu.user + cpu.system) / 1e6, max_abs_diff: maxGap, trees: model.trees.length, nodes, table_entries: explainer.tabulated.entries, tabulated_trees: explainer.tabulated.trees })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

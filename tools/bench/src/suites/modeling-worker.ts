/**
 * Child process of the modeling suite: trains the GBDT on one split in a fresh process, so that its peak
 * RSS is the trainer's alone (the parent holds the simulated dataset and DuckDB). With --onnx it also
 * exports the model, scores the test set with onnxruntime and with the in-TypeScript predictor in batches,
 * and compares the two. Prints one JSON object on stdout; writes the test probabilities to ours-test.f32.
 *
 *   node modeling-worker.js <dir> [--onnx] [--threads N] [--no-predictions]
 *
 * --threads overrides job.json's thread count.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  OnnxScorer,
  predictProbability,
  trainGbdt,
  treeEnsembleToOnnx,
  type FeatureMatrix,
  type GbdtParams,
} from '@fraudops/modeling';
import { errorMessage } from '@fraudops/core';

/**
 * Peak resident memory of this process in MiB: VmHWM, which exec resets. (`resourceUsage().maxRSS` would
 * report the parent's RSS at fork time when that was larger: Linux carries it across exec.)
 */
async function peakRssMib(): Promise<number> {
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

export interface ModelingJob {
  cols: number;
  train_rows: number;
  test_rows: number;
  threads: number;
  params: Required<GbdtParams>;
  feature_names: string[];
  feature_spec_hash: string;
  batch_rows: number;
}

async function matrix(
  dir: string,
  name: string,
  rows: number,
  cols: number,
): Promise<{ features: FeatureMatrix; labels: Uint8Array }> {
  const bytes = await readFile(join(dir, `${name}.f32`));
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  const labels = new Uint8Array(await readFile(join(dir, `${name}.u8`)));
  return { features: { rows, cols, values }, labels };
}

/** Rows per second of `score` over the matrix in batches, best of `repeats` passes. */
async function throughput(
  features: FeatureMatrix,
  batchRows: number,
  repeats: number,
  score: (batch: FeatureMatrix) => unknown,
): Promise<number> {
  let best = Infinity;
  for (let pass = 0; pass < repeats; pass++) {
    const started = performance.now();
    for (let start = 0; start < features.rows; start += batchRows) {
      const rows = Math.min(batchRows, features.rows - start);
      await score({
        rows,
        cols: features.cols,
        values: features.values.subarray(start * features.cols, (start + rows) * features.cols),
      });
    }
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return features.rows / best;
}

/**
 * The first 16 hex digits of the SHA-256 of the model's JSON with typed arrays written as arrays: a speed change to
 * training must leave it as it was, and it is the same for every thread count.
 */
function modelSha256(model: unknown): string {
  const json = JSON.stringify(model, (_, value: unknown) =>
    ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value,
  );
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

// eslint-disable-next-line max-lines-per-function -- the worker's one job: read its inputs, train or score, write its outputs and timings
async function main(): Promise<void> {
  const { positionals, values: flags } = parseArgs({
    allowPositionals: true,
    options: { onnx: { type: 'boolean' }, threads: { type: 'string' }, 'no-predictions': { type: 'boolean' } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: modeling-worker.js <job directory> [--onnx] [--threads N] [--no-predictions]');
  const withOnnx = flags.onnx === true;
  const job = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as ModelingJob;
  if (flags.threads !== undefined) job.threads = Number(flags.threads);
  const train = await matrix(dir, 'train', job.train_rows, job.cols);
  const test = await matrix(dir, 'test', job.test_rows, job.cols);

  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const { model } = await trainGbdt(train.features, train.labels, job.params, { threads: job.threads });
  const trainSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(startedCpu);
  const peakRss = await peakRssMib();

  const probability = predictProbability(model, test.features);
  if (flags['no-predictions'] !== true) await writeFile(join(dir, 'ours-test.f32'), probability);
  const result: Record<string, unknown> = {
    train_wall_s: trainSeconds,
    train_cpu_s: (cpu.user + cpu.system) / 1e6,
    peak_rss_mib: peakRss,
    trees: model.trees.length,
    nodes: model.trees.reduce((n, t) => n + t.feature.length, 0),
    model_sha256: modelSha256(model),
  };
  if (withOnnx) {
    const bytes = treeEnsembleToOnnx(model, {
      featureNames: job.feature_names,
      featureSpecHash: job.feature_spec_hash,
    });
    await writeFile(join(dir, 'model.onnx'), bytes);
    const scorer = await OnnxScorer.load(join(dir, 'model.onnx'), {
      featureSpecHash: job.feature_spec_hash,
      featureCount: job.cols,
    });
    const onnx = await scorer.score(test.features.values);
    let mismatches = 0;
    let maxGap = 0;
    for (let r = 0; r < test.features.rows; r++) {
      if (onnx.probability[r] !== probability[r]) mismatches++;
      maxGap = Math.max(maxGap, Math.abs(onnx.probability[r] - probability[r]));
    }
    // Decisions at every distinct score of either implementation as the threshold: a row is decided
    // differently at threshold t exactly when min(p, q) < t <= max(p, q).
    const thresholds = Float64Array.from(new Set([...probability, ...onnx.probability])).sort();
    const below = (value: number) => {
      let lo = 0;
      let hi = thresholds.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (thresholds[mid] <= value) lo = mid + 1;
        else hi = mid;
      }
      return lo; // thresholds <= value
    };
    let decisionDifferences = 0;
    for (let r = 0; r < test.features.rows; r++) {
      const p = probability[r];
      const q = onnx.probability[r];
      if (p !== q) decisionDifferences += below(Math.max(p, q)) - below(Math.min(p, q));
    }
    result['onnx_bytes'] = bytes.length;
    result['parity_rows'] = test.features.rows;
    result['parity_max_abs_diff'] = maxGap;
    result['parity_mismatched_rows'] = mismatches;
    result['parity_thresholds_checked'] = thresholds.length;
    result['parity_decision_differences'] = decisionDifferences;
    result['onnx_rows_per_s'] = await throughput(test.features, job.batch_rows, 3, (batch) =>
      scorer.score(batch.values),
    );
    result['ts_rows_per_s'] = await throughput(test.features, job.batch_rows, 3, (batch) =>
      predictProbability(model, batch),
    );
    await scorer.release();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error, { stack: true })}\n`);
  process.exitCode = 1;
});

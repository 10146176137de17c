import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Measurement } from '../suite.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./treeshap-worker.js', import.meta.url));
const PEER = fileURLToPath(new URL('../../peers/xgboost_treeshap.py', import.meta.url));

interface ShapRun {
  rows: number;
  wall_s: number;
  cpu_s: number;
}

interface OursShapRun extends ShapRun {
  max_abs_diff: number;
  trees: number;
  nodes: number;
  table_entries: number;
  tabulated_trees: number;
}

interface PeerShapRun extends ShapRun {
  version: string;
}

export interface TreeShapComparison {
  ratios: Record<string, number>;
  measurements: Measurement[];
  notes: string[];
}

/**
 * TreeSHAP throughput on one thread, fraudops vs XGBoost's `pred_contribs`, on the same model (XGBoost
 * trains it once; fraudops imports its JSON) and the same test rows of a split directory written by the
 * modeling suite. Runs alternate; the best CPU time of each side is kept.
 */
export async function compareTreeShap(
  dir: string,
  python: string,
  options: { rows: number; repeats: number; log: (message: string) => void },
): Promise<TreeShapComparison> {
  const ours: OursShapRun[] = [];
  const peer: PeerShapRun[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    options.log(
      `TreeSHAP: XGBoost pred_contribs, 1 thread, ${options.rows} rows (run ${repeat + 1}/${options.repeats}${repeat === 0 ? ', after training the model' : ''})`,
    );
    const peerArgs = [PEER, dir, '--rows', String(options.rows), ...(repeat === 0 ? ['--train'] : [])];
    peer.push(JSON.parse((await run(python, peerArgs, { maxBuffer: 1 << 20 })).stdout) as PeerShapRun);
    options.log(`TreeSHAP: fraudops TreeExplainer, 1 thread (run ${repeat + 1}/${options.repeats})`);
    ours.push(
      JSON.parse(
        (await run(process.execPath, [WORKER, dir, '--rows', String(options.rows)], { maxBuffer: 1 << 20 })).stdout,
      ) as OursShapRun,
    );
  }
  const best = <T extends ShapRun>(runs: T[]) => runs.reduce((a, b) => (b.cpu_s < a.cpu_s ? b : a));
  const o = best(ours);
  const p = best(peer);
  const oursRate = o.rows / o.cpu_s;
  const peerRate = p.rows / p.cpu_s;
  return {
    ratios: {
      // Above 1: fraudops explains more rows per CPU-second than XGBoost.
      treeshap_throughput_vs_xgboost: oursRate / peerRate,
      treeshap_wall_vs_xgboost: o.wall_s / p.wall_s,
    },
    measurements: [
      { name: 'treeshap_rows_per_cpu_s', subject: 'fraudops', value: oursRate, unit: 'rows/s' },
      { name: 'treeshap_rows_per_cpu_s', subject: 'xgboost', value: peerRate, unit: 'rows/s' },
      { name: 'treeshap_wall_s', subject: 'fraudops', value: o.wall_s, unit: 's' },
      { name: 'treeshap_wall_s', subject: 'xgboost', value: p.wall_s, unit: 's' },
      {
        name: 'treeshap_max_abs_diff',
        subject: 'fraudops',
        value: Math.max(...ours.map((r) => r.max_abs_diff)),
        unit: '',
      },
    ],
    notes: [
      `TreeSHAP: XGBoost ${p.version} model, ${o.trees} trees, ${o.nodes} nodes (${o.tabulated_trees} trees in leaf tables of ${o.table_entries} float64 numbers); ${o.rows} test rows, 1 thread each; CPU s per run fraudops ${ours.map((r) => r.cpu_s.toFixed(3)).join(', ')} / XGBoost ${peer.map((r) => r.cpu_s.toFixed(3)).join(', ')} (best kept); max |Δ| against pred_contribs (float32) ${Math.max(...ours.map((r) => r.max_abs_diff)).toExponential(2)}`,
    ],
  };
}

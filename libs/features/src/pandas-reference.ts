import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FeaturesError } from './errors.js';

/** Where the reference script lives in the repository. */
export const PANDAS_REFERENCE_SCRIPT = 'libs/features/reference/features_pandas.py';

export interface PandasReferenceOptions {
  /** A CSV with transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud. */
  input: string;
  /**
   * The Python interpreter (it needs pandas and numpy).
   * @defaultValue env FRAUDOPS_PYTHON, else `/usr/bin/python3` (Debian's, where python3-pandas installs)
   */
  python?: string;
  /** The script. @defaultValue PANDAS_REFERENCE_SCRIPT under the workspace root found from the cwd */
  script?: string;
}

export interface PandasReferenceResult {
  names: string[];
  rows: number;
  /** transaction_id per row, rows in (tx_datetime, transaction_id) order. */
  transactionId: Float64Array;
  /** Row-major rows × names.length. */
  values: Float64Array;
  loadSeconds: number;
  computeSeconds: number;
  /** CPU seconds of the load and compute steps. */
  loadCpuSeconds: number;
  computeCpuSeconds: number;
  writeSeconds: number;
  /** The script's own wall time, interpreter start-up included. */
  wallSeconds: number;
  peakRssKib: number;
  pandasVersion: string;
}

/** The nearest ancestor of `from` holding nx.json: the workspace root. */
export function findWorkspaceRoot(from: string = process.cwd()): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir)
      throw new FeaturesError('REFERENCE_FAILED', `no nx.json above ${from}: not inside the workspace`);
  }
}

/**
 * Runs the pandas reference implementation of the 15 baseline features (libs/features/reference) on a CSV.
 * A missing interpreter or pandas is an error (REFERENCE_FAILED), never a silent skip.
 */
// eslint-disable-next-line max-lines-per-function -- spawns the reference, writes its input and reads its output; each failure names what was missing
export async function runPandasReference(options: PandasReferenceOptions): Promise<PandasReferenceResult> {
  const python = options.python ?? process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
  const script = options.script ?? join(findWorkspaceRoot(), PANDAS_REFERENCE_SCRIPT);
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-pandas-'));
  const output = join(dir, 'features.f64');
  try {
    const started = performance.now();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        python,
        [script, '--input', options.input, '--output', output],
        { maxBuffer: 1 << 20 },
        (error, out, err) => {
          if (error) {
            reject(
              new FeaturesError(
                'REFERENCE_FAILED',
                `pandas reference failed (${python} ${script}; set FRAUDOPS_PYTHON to an interpreter with pandas): ` +
                  `${(err || error.message).trim().split('\n').slice(-3).join(' | ')}`,
                { cause: error },
              ),
            );
          } else {
            resolve(out);
          }
        },
      );
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as {
      names: string[];
      rows: number;
      load_s: number;
      compute_s: number;
      load_cpu_s: number;
      compute_cpu_s: number;
      write_s: number;
      peak_rss_kib: number;
      pandas: string;
    };
    const bytes = await readFile(output);
    // copy: a Buffer's offset need not be 8-byte aligned
    const matrix = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const width = summary.names.length;
    const rows = summary.rows;
    if (matrix.length !== rows * (width + 1)) {
      throw new FeaturesError(
        'REFERENCE_FAILED',
        `pandas reference wrote ${matrix.length} values, expected ${rows * (width + 1)}`,
      );
    }
    const transactionId = new Float64Array(rows);
    const values = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      transactionId[r] = matrix[r * (width + 1)];
      values.set(matrix.subarray(r * (width + 1) + 1, (r + 1) * (width + 1)), r * width);
    }
    return {
      names: summary.names,
      rows,
      transactionId,
      values,
      loadSeconds: summary.load_s,
      computeSeconds: summary.compute_s,
      loadCpuSeconds: summary.load_cpu_s,
      computeCpuSeconds: summary.compute_cpu_s,
      writeSeconds: summary.write_s,
      wallSeconds,
      peakRssKib: summary.peak_rss_kib,
      pandasVersion: summary.pandas,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

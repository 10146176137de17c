import { execFileSync } from 'node:child_process';

/**
 * Runs a Python reference script (Debian's interpreter with numpy, scikit-learn, xgboost, onnx) and returns
 * its stdout. A missing interpreter or package fails the test: references are never skipped.
 */
export function runPython(script: string, input?: string | Buffer): string {
  const python = process.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3';
  return execFileSync(python, ['-c', script], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

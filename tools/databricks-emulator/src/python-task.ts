import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

/** Databricks caps a task's logs at 5 MB, keeping the last 5 MB (where the error is). */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

export interface ProcessTaskInput {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Epoch ms after which the task is killed and reported TIMEDOUT. */
  deadline?: number;
  /** Fires on cancellation: the task is killed and reported CANCELED. */
  signal: AbortSignal;
}

export interface TaskOutcome {
  result: 'SUCCESS' | 'FAILED' | 'TIMEDOUT' | 'CANCELED';
  logs: string;
  logsTruncated: boolean;
  /** One line: the exception (`ValueError: bad input`) or why the task failed. */
  error?: string;
  /** The Python traceback, when there is one. */
  errorTrace?: string;
}

const KILL_GRACE_MS = 2000;

/** The last `Traceback …` block of stderr, and its final line (the exception). */
export function pythonError(stderr: string): { error?: string; errorTrace?: string } {
  const at = stderr.lastIndexOf('Traceback (most recent call last):');
  const trace = at >= 0 ? stderr.slice(at).trimEnd() : undefined;
  const lines = (trace ?? stderr)
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1]?.trim();
  return { ...(last ? { error: last } : {}), ...(trace ? { errorTrace: trace } : {}) };
}

/** Runs a process as a task: logs are stdout and stderr interleaved, the last 5 MB of them. */
// eslint-disable-next-line max-lines-per-function -- the child process's life (spawn, capped logs, abort, exit) shares one promise's state
export function runProcessTask(input: ProcessTaskInput): Promise<TaskOutcome> {
  // eslint-disable-next-line max-lines-per-function -- the child process's life (spawn, capped logs, abort, exit) shares one promise's state
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const stderrChunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let stoppedBy: 'TIMEDOUT' | 'CANCELED' | undefined;
    // The last MAX_LOG_BYTES of the interleaved output: the oldest chunks are dropped (or cut) as new ones come.
    const collect = (chunk: Buffer, isStderr: boolean) => {
      if (isStderr) stderrChunks.push(chunk);
      chunks.push(chunk);
      size += chunk.length;
      while (size > MAX_LOG_BYTES) {
        truncated = true;
        const excess = size - MAX_LOG_BYTES;
        if (chunks[0].length <= excess) {
          size -= chunks[0].length;
          chunks.shift();
        } else {
          chunks[0] = chunks[0].subarray(excess);
          size -= excess;
        }
      }
    };

    const child = spawn(input.command, input.args, {
      cwd: input.cwd,
      env: input.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => collect(c, false));
    child.stderr.on('data', (c: Buffer) => collect(c, true));

    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'TIMEDOUT' | 'CANCELED') => {
      if (stoppedBy || child.exitCode !== null) return;
      stoppedBy = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = () => stop('CANCELED');
    input.signal.addEventListener('abort', onAbort, { once: true });
    // an abort that fired before the listener was added (a cancel during the run's set-up) is not replayed
    if (input.signal.aborted) onAbort();
    const deadlineTimer =
      input.deadline !== undefined
        ? setTimeout(() => stop('TIMEDOUT'), Math.max(0, input.deadline - Date.now()))
        : undefined;

    const finish = (outcome: TaskOutcome) => {
      clearTimeout(killTimer);
      clearTimeout(deadlineTimer);
      input.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.on('error', (error) =>
      finish({
        result: 'FAILED',
        logs: '',
        logsTruncated: false,
        error: `Cannot start ${input.command}: ${error.message}. Set FRAUDOPS_PYTHON to a Python 3 interpreter.`,
      }),
    );
    child.on('close', (code, signal) => {
      const logs = Buffer.concat(chunks).toString('utf8');
      if (stoppedBy) {
        finish({
          result: stoppedBy,
          logs,
          logsTruncated: truncated,
          error: stoppedBy === 'TIMEDOUT' ? 'The task ran past its timeout and was stopped.' : 'The run was cancelled.',
        });
        return;
      }
      if (code === 0) {
        finish({ result: 'SUCCESS', logs, logsTruncated: truncated });
        return;
      }
      const { error, errorTrace } = pythonError(Buffer.concat(stderrChunks).toString('utf8'));
      finish({
        result: 'FAILED',
        logs,
        logsTruncated: truncated,
        error: error ?? (signal ? `The process was killed by ${signal}.` : `The process exited with code ${code}.`),
        ...(errorTrace ? { errorTrace } : {}),
      });
    });
  });
}

/** A spark_python_task: `python <file> <args…>` in the file's folder. */
export function runPythonFile(
  python: string,
  file: string,
  args: string[],
  options: Omit<ProcessTaskInput, 'command' | 'args' | 'cwd'>,
): Promise<TaskOutcome> {
  return runProcessTask({ ...options, command: python, args: [file, ...args], cwd: dirname(file) });
}

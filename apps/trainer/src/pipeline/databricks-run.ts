import { createInterface } from 'node:readline';
import {
  DatabricksAbortError,
  DatabricksError,
  describeRunState,
  WaitTimeoutError,
  type DatabricksClient,
  type Run,
} from '@fraudops/databricks';
import type { Output } from '@fraudops/cli';
import type { InterruptAction } from '../cli/databricks-flags.js';
import { TRAIN_TASK_KEY } from './databricks-job.js';

/**
 * Where interrupts come from: SIGINT and SIGTERM of this process by default (a cancelled GitHub workflow sends the
 * step SIGINT, then SIGTERM 7.5 s later). `interactive` says whether a person can answer a question (stdin and
 * stderr are terminals).
 */
export interface InterruptSource {
  interactive: boolean;
  subscribe(listener: () => void): () => void;
  /** Asks a yes/no question (only when interactive); `signal` withdraws it (the run ended meanwhile): false. */
  confirm?(question: string, signal: AbortSignal): Promise<boolean>;
}

export const processInterrupts: InterruptSource = {
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  subscribe(listener) {
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
  confirm(question, signal) {
    return new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answered = false;
      const done = (yes: boolean) => {
        if (answered) return;
        answered = true;
        signal.removeEventListener('abort', withdraw);
        rl.close();
        resolve(yes);
      };
      const withdraw = () => done(false);
      signal.addEventListener('abort', withdraw, { once: true });
      // Ctrl-C (or end of input) at the question means "no": stop waiting, leave the run alone.
      rl.once('SIGINT', () => done(false));
      rl.once('close', () => done(false));
      rl.question(question, (answer) => done(/^\s*y(es)?\s*$/i.test(answer)));
    });
  },
};

export interface WatchOptions {
  output: Output;
  /** Milliseconds; the run goes on after it (exit 6). */
  timeout: number;
  pollInterval?: number;
  onInterrupt: InterruptAction;
  interrupts?: InterruptSource;
  /**
   * How to wait for the run again, in the messages of a detach or a timeout. Default: `runs attach <id>` (a
   * training run); a tune run is waited for again by repeating `tune` with its idempotency token.
   */
  reattachHint?: string;
}

const attachHint = (runId: number) =>
  `re-attach with: fraudops-train runs attach ${runId}; cancel with: fraudops-train runs cancel ${runId}`;

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The training task of a run (the one whose output holds the error), else its first task. */
export function trainingTask(run: Run): { run_id: number; task_key: string } | undefined {
  return run.tasks?.find((t) => t.task_key === TRAIN_TASK_KEY) ?? run.tasks?.[0];
}

/** Cancels a run and waits (up to `timeout`) until Databricks reports it terminal. */
export async function cancelAndWait(
  client: DatabricksClient,
  runId: number,
  options: { timeout: number; pollInterval?: number; output: Output },
): Promise<Run> {
  await client.jobs.cancelRun(runId);
  options.output.status(`  cancelling run ${runId}…`);
  const run = await client.waitForRun(runId, {
    timeout: options.timeout,
    ...(options.pollInterval !== undefined ? { pollIntervalMs: options.pollInterval } : {}),
  });
  options.output.status(`  run ${runId} is ${describeRunState(run)}`);
  return run;
}

/**
 * Waits for a run with live progress (a line per change of state or message, with the run page URL first),
 * and handles Ctrl-C as `onInterrupt` says:
 * - `cancel`: cancel the run, wait until it stops, exit 130;
 * - `detach`: stop waiting, leave the run going, exit 130 (re-attach with `runs attach`);
 * - `ask`: on a terminal, ask whether to cancel (no → detach); without one, the first Ctrl-C says what the
 *   second does, and a second Ctrl-C cancels.
 * `--timeout` passing is exit 6 with the run left going. Returns the terminal run (successful or not).
 */
// eslint-disable-next-line max-lines-per-function -- one polling loop whose states (Ctrl-C once/twice, --timeout, terminal run) share the loop's variables
export async function watchRun(client: DatabricksClient, runId: number, options: WatchOptions): Promise<Run> {
  const { output } = options;
  const interrupts = options.interrupts ?? processInterrupts;
  const controller = new AbortController();
  // Withdraws an open question when the wait ends for another reason (the run finished while it was asked).
  const finished = new AbortController();
  let decision: 'cancel' | 'detach' | undefined;
  let interrupted = 0;
  let asking = false;

  const decide = (what: 'cancel' | 'detach') => {
    if (decision) return;
    decision = what;
    controller.abort();
  };
  const unsubscribe = interrupts.subscribe(() => {
    interrupted++;
    if (options.onInterrupt !== 'ask') return decide(options.onInterrupt);
    if (interrupts.interactive && interrupts.confirm) {
      if (asking) return;
      asking = true;
      void interrupts.confirm(`\nCancel run ${runId} on Databricks? [y/N] `, finished.signal).then((yes) => {
        if (!finished.signal.aborted) decide(yes ? 'cancel' : 'detach');
      });
      return;
    }
    if (interrupted === 1) {
      output.status(
        `  interrupt: still waiting for run ${runId}. Interrupt again to CANCEL it on Databricks (to leave it running, stop with --on-interrupt detach).`,
      );
      return;
    }
    decide('cancel');
  });

  let last = '';
  try {
    const run = await client.waitForRun(runId, {
      timeout: options.timeout,
      signal: controller.signal,
      ...(options.pollInterval !== undefined ? { pollIntervalMs: options.pollInterval } : {}),
      onProgress: (current, poll) => {
        const state = describeRunState(current);
        if (state === last) return;
        if (!last && current.run_page_url) output.status(`  run ${runId}: ${current.run_page_url}`);
        last = state;
        output.status(`  ${elapsed(poll.elapsedMs).padStart(6)}  ${state}`);
      },
    });
    return run;
  } catch (error) {
    if (error instanceof DatabricksAbortError && decision) {
      if (decision === 'cancel') {
        const run = await cancelAndWait(client, runId, {
          timeout: 10 * 60_000,
          pollInterval: options.pollInterval,
          output,
        });
        throw new DatabricksAbortError('ABORTED', `interrupted: run ${runId} was cancelled (${describeRunState(run)})`);
      }
      throw new DatabricksAbortError(
        'ABORTED',
        `interrupted: stopped waiting; run ${runId} goes on. ${options.reattachHint ?? attachHint(runId)}`,
      );
    }
    if (error instanceof WaitTimeoutError) {
      throw new WaitTimeoutError(
        'WAIT_TIMEOUT',
        `${error.message.replace(/ Wait again.*$/, '')} ${options.reattachHint ?? attachHint(runId)}`,
      );
    }
    throw error;
  } finally {
    finished.abort();
    unsubscribe();
  }
}

export interface RunFailure {
  state: string;
  taskRunId?: number;
  error?: string;
  errorTrace?: string;
  logsTail?: string;
}

/** Why a terminal run did not succeed: its state, and the task's error and traceback (`runs/get-output` of the TASK run). */
export async function describeFailure(client: DatabricksClient, run: Run): Promise<RunFailure> {
  const task = trainingTask(run);
  const failure: RunFailure = { state: describeRunState(run), ...(task ? { taskRunId: task.run_id } : {}) };
  if (!task) return failure;
  try {
    const out = await client.jobs.getRunOutput(task.run_id);
    if (out.error) failure.error = out.error;
    if (out.error_trace) failure.errorTrace = out.error_trace;
    if (!out.error && out.logs) failure.logsTail = out.logs.split('\n').slice(-20).join('\n');
  } catch {
    // The output is a courtesy: the state alone still says the run failed.
  }
  return failure;
}

/** Prints a failed run's error and trace on stderr and throws `RUN_FAILED`. */
export async function failRun(
  client: DatabricksClient,
  run: Run,
  output: Output,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<never> {
  const failure = await describeFailure(client, run);
  const lines = [`run ${run.run_id} ended ${failure.state}${run.run_page_url ? ` (${run.run_page_url})` : ''}`];
  if (failure.error) lines.push(`task ${trainingTask(run)?.task_key ?? ''} error: ${failure.error}`);
  if (failure.errorTrace) lines.push(failure.errorTrace);
  else if (failure.logsTail) lines.push('last lines of the task log:', failure.logsTail);
  stderr.write(`${lines.join('\n')}\n`);
  output.result({ run: { runId: run.run_id, url: run.run_page_url ?? null, state: run.state }, failure });
  throw new DatabricksError(
    'RUN_FAILED',
    `Databricks run ${run.run_id} did not succeed (${failure.state})${failure.error ? `: ${failure.error}` : ''}`,
  );
}

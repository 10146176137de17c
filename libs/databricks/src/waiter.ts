import { ClientErrorCode, DatabricksError, WaitTimeoutError } from './errors.js';
import { TERMINAL_LIFE_CYCLE_STATES, type JobsService, type Run } from './jobs.js';
import { abortError, systemClock, type Clock } from './retry.js';

export interface WaitForRunOptions {
  /**
   * Give up waiting after this many milliseconds (the run itself keeps going; re-attach with its id).
   * The official waiters stop at 20 minutes, which training jobs outlive. @defaultValue 12 h
   */
  timeout?: number;
  /** Called after every poll with the latest run, so callers can show the state or a progress bar. */
  onProgress?: (run: Run, poll: { attempt: number; elapsedMs: number }) => void;
  /** Stops waiting (not the run) when it fires; `waitForRun` then rejects with a DatabricksAbortError. */
  signal?: AbortSignal;
  /** Pause before poll `attempt + 1`. @defaultValue the official cadence, `min(attempt, 10) s + jitter` */
  pollIntervalMs?: number | ((attempt: number) => number);
  clock?: Clock;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 12 * 60 * 60 * 1000;

/** The official SDK waiters' cadence: 1 s, 2 s, … up to 10 s, each plus up to 750 ms of jitter. */
export function officialPollIntervalMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(attempt, 10) * 1000 + Math.floor(random() * 750);
}

// API 2.2 describes a run by `status` (`state` is deprecated): decisions read `status` and fall back to
// `state` only for answers without it.

/** Whether a run is over (which does not mean it succeeded). */
export function isTerminal(run: Run): boolean {
  if (run.status?.state) return run.status.state === 'TERMINATED';
  return TERMINAL_LIFE_CYCLE_STATES.includes(run.state.life_cycle_state);
}

/** Whether a run ended successfully: `status.termination_details.code` SUCCESS (or, without `status`, result SUCCESS). */
export function runSucceeded(run: Run): boolean {
  if (run.status?.state) return run.status.state === 'TERMINATED' && run.status.termination_details?.code === 'SUCCESS';
  return run.state.life_cycle_state === 'TERMINATED' && run.state.result_state === 'SUCCESS';
}

/** `RUNNING`, `TERMINATED/FAILED: <message>` — a short state for logs and spinners (from `status` when `state` is absent). */
export function describeRunState(run: Run): string {
  if (!run.state && run.status) {
    const details = run.status.termination_details;
    const state = details ? `${run.status.state}/${details.code}` : run.status.state;
    const message = details?.message || run.status.queue_details?.message;
    return message ? `${state}: ${message}` : state;
  }
  const { life_cycle_state, result_state, state_message } = run.state;
  const state = result_state ? `${life_cycle_state}/${result_state}` : life_cycle_state;
  return state_message ? `${state}: ${state_message}` : state;
}

/** Throws a DatabricksError `RUN_FAILED` naming the run's state unless it ended in SUCCESS. */
export function assertRunSucceeded(run: Run): void {
  if (runSucceeded(run)) return;
  throw new DatabricksError(
    'RUN_FAILED',
    `Run ${run.run_id} ended ${describeRunState(run)}` + (run.run_page_url ? ` (see ${run.run_page_url}).` : '.'),
  );
}

/**
 * Polls a run until it reaches a terminal state and returns it (whatever its result: check it, or use
 * {@link assertRunSucceeded}). Network hiccups are retried by the client underneath; a missing run is a
 * NotFound; running out of `timeout` is a {@link WaitTimeoutError} that leaves the run alone.
 */
export async function waitForRun(jobs: JobsService, runId: number, options: WaitForRunOptions = {}): Promise<Run> {
  const clock = options.clock ?? systemClock;
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  const interval = options.pollIntervalMs ?? ((attempt: number) => officialPollIntervalMs(attempt));
  const intervalFor = typeof interval === 'number' ? () => interval : interval;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const run = await jobs.getRun(runId, { signal: options.signal });
    const elapsedMs = clock.now() - started;
    options.onProgress?.(run, { attempt, elapsedMs });
    if (isTerminal(run)) return run;
    const remaining = timeout - elapsedMs;
    if (remaining <= 0) {
      throw new WaitTimeoutError(
        ClientErrorCode.waitTimeout,
        `Run ${runId} is still ${run.status?.state ?? run.state.life_cycle_state} after ${Math.round(elapsedMs / 1000)} s of waiting; ` +
          'it keeps running. Wait again with a longer timeout, or cancel it.',
      );
    }
    await clock.sleep(Math.min(intervalFor(attempt), remaining), options.signal);
  }
}

import { PatProvider } from './auth.js';
import { DatabricksAbortError, NotFound, WaitTimeoutError } from './errors.js';
import { ApiClient } from './http.js';
import { JobsService, type Run, type RunLifeCycleState } from './jobs.js';
import { recordingClock, startScriptedServer, type ScriptedServer } from './testing/scripted-server.js';
import {
  assertRunSucceeded,
  describeRunState,
  isTerminal,
  officialPollIntervalMs,
  runSucceeded,
  waitForRun,
} from './waiter.js';

function run(life: RunLifeCycleState, result?: Run['state']['result_state'], message?: string): string {
  return JSON.stringify({
    run_id: 77,
    run_page_url: 'https://ws/#job/1/run/77',
    state: {
      life_cycle_state: life,
      ...(result ? { result_state: result } : {}),
      ...(message ? { state_message: message } : {}),
    },
  });
}

describe('waitForRun', () => {
  let server: ScriptedServer;
  afterEach(async () => server.close());

  const jobsFor = () => new JobsService(new ApiClient({ host: server.url, credentials: new PatProvider('t') }));

  it('polls through the life cycle on the official cadence and returns the terminal run', async () => {
    const states = [
      run('QUEUED'),
      run('PENDING'),
      run('RUNNING'),
      run('RUNNING'),
      run('TERMINATING'),
      run('TERMINATED', 'SUCCESS'),
    ];
    server = await startScriptedServer((_, i) => ({ status: 200, body: states[Math.min(i, states.length - 1)] }));
    const clock = recordingClock();
    const seen: string[] = [];
    const final = await waitForRun(jobsFor(), 77, {
      clock,
      pollIntervalMs: (attempt) => officialPollIntervalMs(attempt, () => 0),
      onProgress: (r, poll) => seen.push(`${poll.attempt}:${r.state.life_cycle_state}`),
    });
    expect(final.state).toEqual({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(seen).toEqual(['1:QUEUED', '2:PENDING', '3:RUNNING', '4:RUNNING', '5:TERMINATING', '6:TERMINATED']);
    expect(clock.sleeps).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(server.requests.every((r) => r.url === '/api/2.2/jobs/runs/get?run_id=77')).toBe(true);
  });

  it('returns a failed run as it is (terminal is not successful); assertRunSucceeded says why', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: run('TERMINATED', 'FAILED', 'Workload failed') }));
    const final = await waitForRun(jobsFor(), 77, { clock: recordingClock() });
    expect(describeRunState(final)).toBe('TERMINATED/FAILED: Workload failed');
    expect(() => assertRunSucceeded(final)).toThrow(
      'Run 77 ended TERMINATED/FAILED: Workload failed (see https://ws/#job/1/run/77).',
    );
  });

  it('stops waiting after the timeout with a WaitTimeoutError (the run is left alone)', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: run('RUNNING') }));
    const clock = recordingClock();
    const error = await waitForRun(jobsFor(), 77, { clock, timeout: 25_000, pollIntervalMs: 10_000 }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toBe(
      'Run 77 is still RUNNING after 25 s of waiting; it keeps running. Wait again with a longer timeout, or cancel it.',
    );
    expect(clock.sleeps).toEqual([10_000, 10_000, 5_000]);
    expect(server.requests.some((r) => r.url.includes('cancel'))).toBe(false);
  });

  it('stops waiting when the signal fires, on the real clock', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: run('RUNNING') }));
    const controller = new AbortController();
    setTimeout(() => controller.abort('detached'), 100);
    const started = Date.now();
    const error = await waitForRun(jobsFor(), 77, { signal: controller.signal, pollIntervalMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabricksAbortError);
    expect(Date.now() - started).toBeLessThan(15_000); // well inside the 30 s poll interval it would otherwise wait out
  });

  it('throws NotFound for a run that does not exist (the API answers 400)', async () => {
    server = await startScriptedServer(() => ({
      status: 400,
      body: JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Run 77 does not exist.' }),
    }));
    await expect(waitForRun(jobsFor(), 77, { clock: recordingClock() })).rejects.toBeInstanceOf(NotFound);
  });
});

describe('run state from status (API 2.2), state as the fallback', () => {
  const base = { run_id: 5 };
  it('decides by status when the answer has it, whatever the deprecated state says', () => {
    const done: Run = {
      ...base,
      state: { life_cycle_state: 'RUNNING' },
      status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS', type: 'SUCCESS', message: '' } },
    };
    expect([isTerminal(done), runSucceeded(done)]).toEqual([true, true]);
    const failed: Run = {
      ...base,
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      status: {
        state: 'TERMINATED',
        termination_details: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: 'Workload failed' },
      },
    };
    expect([isTerminal(failed), runSucceeded(failed)]).toEqual([true, false]);
    const queued: Run = {
      ...base,
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      status: { state: 'QUEUED' },
    };
    expect([isTerminal(queued), runSucceeded(queued)]).toEqual([false, false]);
  });

  it('falls back to state without status, and describes a status-only run', () => {
    const legacy: Run = { ...base, state: { life_cycle_state: 'INTERNAL_ERROR', state_message: 'cluster died' } };
    expect([isTerminal(legacy), runSucceeded(legacy)]).toEqual([true, false]);
    expect(runSucceeded({ ...base, state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' } })).toBe(true);
    const statusOnly = {
      ...base,
      status: {
        state: 'TERMINATED',
        termination_details: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'The run was cancelled.' },
      },
    } as unknown as Run;
    expect(describeRunState(statusOnly)).toBe('TERMINATED/USER_CANCELED: The run was cancelled.');
  });
});

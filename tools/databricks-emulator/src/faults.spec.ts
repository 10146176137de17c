import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadRequest,
  DatabricksClient,
  DatabricksNetworkError,
  PermissionDenied,
  TemporarilyUnavailable,
  Unauthenticated,
  type Clock,
} from '@fraudops/databricks';
import { startEmulator, type Emulator } from './index.js';
import { waitUntil } from './testing/wait.js';

/** Records the back-off the client asks for and skips the wait, so Retry-After: 5 costs nothing. */
function recordingClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('the client under injected faults (retries against the emulator)', () => {
  let emulator: Emulator;
  let scripts: string;
  beforeAll(async () => {
    emulator = await startEmulator({
      runner: { tickMs: 5 },
      servicePrincipals: [{ clientId: 'sp-ci', clientSecret: 'sp-ci-secret' }],
    });
    scripts = mkdtempSync(join(tmpdir(), 'faults-'));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(scripts, { recursive: true, force: true });
  });
  beforeEach(() => {
    emulator.faults.clear();
    emulator.requests.length = 0;
  });

  const client = (clock = recordingClock(), requestTimeoutMs?: number) =>
    DatabricksClient.fromEnvironment({
      host: emulator.url,
      token: emulator.token,
      env: {},
      retry: { clock, jitterMs: 0 },
      requestTimeoutMs,
    });

  it('waits out a 429 burst for the Retry-After seconds, then gets the answer', async () => {
    const clock = recordingClock();
    emulator.faults.inject({ path: '/api/2.0/workspace/get-status', status: 429, retryAfterSeconds: 5, times: 3 });
    const status = await client(clock).workspace.getStatus('/Repos');
    expect(status.object_type).toBe('DIRECTORY');
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 429, 429, 200]);
    expect(emulator.faults.hits).toEqual([3]);
  });

  it('backs off linearly on 503 without Retry-After', async () => {
    const clock = recordingClock();
    emulator.faults.inject({ status: 503, times: 2 });
    await client(clock).workspace.getStatus('/Shared');
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('does not retry a 400', async () => {
    const clock = recordingClock();
    const error = await client(clock)
      .jobs.create({ name: 'x', tasks: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(emulator.requests).toEqual([{ method: 'POST', path: '/api/2.2/jobs/create', status: 400 }]);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a GET whose connection dropped, and an attempt slower than the per-request timeout', async () => {
    // The margins hold on a loaded machine: a plain local GET answers well inside the 1.5 s per-request timeout
    // (at 150 ms it sometimes did not, and the client rightly retried once more), and the slow attempt is 2 s
    // beyond it.
    emulator.faults.inject({ method: 'GET', drop: 'before' }).inject({ method: 'GET', latencyMs: 3500 });
    const status = await client(recordingClock(), 1500).workspace.getStatus('/Shared');
    expect(status.path).toBe('/Shared');
    expect(emulator.faults.hits).toEqual([1, 1]);
    // the slow attempt is logged when the emulator finishes it, after the client gave up on it
    await waitUntil('the slow attempt to be logged', () => emulator.requests.length >= 3);
    expect(emulator.requests.map((r) => [r.status, r.fault])).toEqual([
      ['dropped', 'drop'],
      [200, undefined],
      [200, 'latency'],
    ]);
  });

  it('retries run-now whose answer was lost only with an idempotency token, and starts one run', async () => {
    const file = join(scripts, 'ok.py');
    writeFileSync(file, 'print("ok")\n');
    const db = client();
    const { job_id } = await db.jobs.create({
      name: 'idem',
      tasks: [{ task_key: 'ok', spark_python_task: { python_file: file } }],
      queue: { enabled: true },
    });

    emulator.faults.inject({ path: '/api/2.2/jobs/run-now', drop: 'after' });
    const { run_id } = await db.jobs.runNow({ job_id, idempotency_token: 'ci-build-1234' });
    const runNows = emulator.requests.filter((r) => r.path === '/api/2.2/jobs/run-now');
    expect(runNows.map((r) => r.status)).toEqual(['dropped', 200]);
    const runs = Object.values(await collectRuns(db, job_id));
    expect(runs).toEqual([run_id]);

    // Without a token the client must not guess: the run may or may not have started.
    emulator.faults.inject({ path: '/api/2.2/jobs/run-now', drop: 'after' });
    await expect(db.jobs.runNow({ job_id })).rejects.toBeInstanceOf(DatabricksNetworkError);
    expect(await collectRuns(db, job_id)).toHaveLength(2);
    await db.waitForRun(run_id, { pollIntervalMs: 5 });
  });

  it('gives up at the retry deadline with the last real error', async () => {
    emulator.faults.inject({ status: 503, times: 100, message: 'Workspace is being upgraded' });
    const db = DatabricksClient.fromEnvironment({
      host: emulator.url,
      token: emulator.token,
      env: {},
      retry: { clock: recordingClock(), jitterMs: 0, deadlineMs: 20_000 },
    });
    const error = (await db.repos.get(1).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect(error.message).toBe('Workspace is being upgraded (gave up after 6 attempts in 15 s)');
  });

  it('answers 401 without credentials and 403 for an unknown token', async () => {
    const none = await fetch(`${emulator.url}/api/2.0/workspace/get-status?path=/`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error_code: 'UNAUTHENTICATED',
      message: 'Credential was not sent or was of an unsupported type for this API.',
    });
    // The service's exact answer to an unknown token carries a numeric error_code.
    const raw = await fetch(`${emulator.url}/api/2.0/workspace/get-status?path=/`, {
      headers: { authorization: 'Bearer dapi-wrong' },
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toEqual({ error_code: 403, message: 'Invalid access token.' });
    const bad = DatabricksClient.fromEnvironment({ host: emulator.url, token: 'dapi-wrong', env: {} });
    await expect(bad.workspace.getStatus('/')).rejects.toBeInstanceOf(PermissionDenied);
    await expect(bad.workspace.getStatus('/')).rejects.toMatchObject({ status: 403, message: 'Invalid access token.' });
  });

  it('issues OAuth M2M tokens to a known service principal and refuses others', async () => {
    const sp = DatabricksClient.fromEnvironment({
      host: emulator.url,
      clientId: 'sp-ci',
      clientSecret: 'sp-ci-secret',
      env: {},
    });
    expect((await sp.workspace.getStatus('/Repos')).object_type).toBe('DIRECTORY');
    const wrong = DatabricksClient.fromEnvironment({
      host: emulator.url,
      clientId: 'sp-ci',
      clientSecret: 'nope',
      env: {},
    });
    await expect(wrong.workspace.getStatus('/Repos')).rejects.toBeInstanceOf(Unauthenticated);
  });
});

async function collectRuns(db: DatabricksClient, jobId: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const run of db.jobs.listRuns({ jobId })) ids.push(run.run_id);
  return ids;
}

import { Readable } from 'node:stream';
import { PatProvider } from './auth.js';
import {
  BadRequest,
  DatabricksAbortError,
  DatabricksNetworkError,
  NotFound,
  TemporarilyUnavailable,
  TooManyRequests,
} from './errors.js';
import { ApiClient, type RequestEvent } from './http.js';
import { JobsService } from './jobs.js';
import { recordingClock, startScriptedServer, type ScriptedServer } from './testing/scripted-server.js';
import { FRAUDOPS_VERSION } from './version.js';

const TOKEN = 'dapi-super-secret-token-123';

function clientFor(server: ScriptedServer, extra: { deadlineMs?: number; requestTimeoutMs?: number } = {}) {
  const clock = recordingClock();
  const events: RequestEvent[] = [];
  const api = new ApiClient({
    host: server.url,
    credentials: new PatProvider(TOKEN),
    retry: { clock, baseDelayMs: 1000, jitterMs: 0, deadlineMs: extra.deadlineMs ?? 300_000 },
    requestTimeoutMs: extra.requestTimeoutMs,
    product: 'fraudops-test/1.0',
    onEvent: (e) => events.push(e),
  });
  return { api, clock, events };
}

const ok = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });
const apiError = (status: number, error_code: string, message: string, headers?: Record<string, string>) => ({
  status,
  body: JSON.stringify({ error_code, message }),
  headers,
});

describe('ApiClient retries (the official SDK policy)', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('retries 429 after the Retry-After seconds, then succeeds', async () => {
    server = await startScriptedServer((_, i) =>
      i < 2 ? apiError(429, 'REQUEST_LIMIT_EXCEEDED', 'slow down', { 'retry-after': '3' }) : ok({ value: 7 }),
    );
    const { api, clock, events } = clientFor(server);
    await expect(api.json({ method: 'GET', path: '/api/2.0/thing' })).resolves.toEqual({ value: 7 });
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(events.map((e) => [e.attempt, e.status, e.retryInMs])).toEqual([
      [1, 429, 3000],
      [2, 429, 3000],
      [3, 200, undefined],
    ]);
  });

  it('retries 503 without Retry-After on a linear back-off, for POST too (the server did not act)', async () => {
    server = await startScriptedServer((_, i) =>
      i < 3 ? apiError(503, 'TEMPORARILY_UNAVAILABLE', 'busy') : ok({ job_id: 5 }),
    );
    const { api, clock } = clientFor(server);
    await expect(api.json({ method: 'POST', path: '/api/2.2/jobs/create', json: { name: 'x' } })).resolves.toEqual({
      job_id: 5,
    });
    expect(clock.sleeps).toEqual([1000, 2000, 3000]);
    // the body is sent again on every attempt
    expect(server.requests.map((r) => r.body.toString())).toEqual(Array(4).fill('{"name":"x"}'));
  });

  it('caps the back-off at ten steps and adds jitter below the jitter bound', async () => {
    server = await startScriptedServer((_, i) => (i < 12 ? { status: 503 } : ok({})));
    const clock = recordingClock();
    const api = new ApiClient({
      host: server.url,
      credentials: new PatProvider(TOKEN),
      retry: { clock, baseDelayMs: 100, jitterMs: 50, random: () => 0.5 },
    });
    await api.json({ method: 'GET', path: '/api/2.0/x' });
    expect(clock.sleeps).toEqual([125, 225, 325, 425, 525, 625, 725, 825, 925, 1025, 1025, 1025]);
  });

  it('never retries a 400 and returns the typed error with code, message and request id', async () => {
    server = await startScriptedServer(() =>
      apiError(400, 'INVALID_PARAMETER_VALUE', 'Missing required field: name', { 'x-request-id': 'req-42' }),
    );
    const { api, clock } = clientFor(server);
    const error = await api.json({ method: 'GET', path: '/api/2.0/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(error).toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      errorCode: 'INVALID_PARAMETER_VALUE',
      status: 400,
      message: 'Missing required field: name',
      requestId: 'req-42',
      endpoint: 'GET /api/2.0/x',
      attempts: 1,
    });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('maps the jobs 400 "does not exist" to NotFound through the real endpoint', async () => {
    server = await startScriptedServer(() => apiError(400, 'INVALID_PARAMETER_VALUE', 'Run 456 does not exist.'));
    const { api } = clientFor(server);
    const error = await new JobsService(api).getRun(456).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect(server.requests[0].url).toBe('/api/2.2/jobs/runs/get?run_id=456');
  });

  it('retries a dropped connection on GET', async () => {
    server = await startScriptedServer((_, i) => (i === 0 ? 'drop' : ok({ fine: true })));
    const { api, clock } = clientFor(server);
    await expect(api.json({ method: 'GET', path: '/api/2.0/x' })).resolves.toEqual({ fine: true });
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('retries a refused connection on an idempotent call until the deadline, and not on an unsafe POST', async () => {
    const gone = await startScriptedServer(() => ok({}));
    await gone.close(); // nothing listens on its port any more: every connection is refused
    const { api, clock } = clientFor(gone, { deadlineMs: 10_000 });
    const get = await api.json({ method: 'GET', path: '/api/2.0/x' }).catch((e: unknown) => e);
    expect(get).toBeInstanceOf(DatabricksNetworkError);
    expect((get as Error).message).toContain('failed (ECONNREFUSED). (gave up after 5 attempts in 10 s)');
    expect(clock.sleeps).toEqual([1000, 2000, 3000, 4000]); // a 5 s step more would pass the 10 s deadline
    const post = await api
      .json({ method: 'POST', path: '/api/2.2/jobs/run-now', json: { job_id: 1 } })
      .catch((e: unknown) => e);
    expect(post).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
    expect(clock.sleeps).toHaveLength(4);
  });

  it('does not retry a dropped connection on a POST that is not safe to repeat', async () => {
    server = await startScriptedServer(() => 'drop');
    const { api } = clientFor(server);
    const error = await api
      .json({ method: 'POST', path: '/api/2.2/jobs/run-now', json: { job_id: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksNetworkError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries run-now after a dropped connection when it carries an idempotency token', async () => {
    server = await startScriptedServer((_, i) => (i === 0 ? 'drop' : ok({ run_id: 9, number_in_job: 1 })));
    const { api } = clientFor(server);
    const jobs = new JobsService(api);
    await expect(jobs.runNow({ job_id: 1, idempotency_token: 'deploy-abc' })).resolves.toEqual({
      run_id: 9,
      number_in_job: 1,
    });
    expect(server.requests.map((r) => JSON.parse(r.body.toString()).idempotency_token)).toEqual([
      'deploy-abc',
      'deploy-abc',
    ]);
  });

  it('times out a slow attempt and retries it', async () => {
    server = await startScriptedServer((_, i) =>
      i === 0 ? { status: 200, body: '{}', delayMs: 5000 } : ok({ second: true }),
    );
    // generous margins: on a loaded CI machine even a quick answer can take a few hundred milliseconds
    const { api } = clientFor(server, { requestTimeoutMs: 1500 });
    await expect(api.json({ method: 'GET', path: '/api/2.0/x' })).resolves.toEqual({ second: true });
    // the first (slow) attempt was abandoned and answered by a retry; a very slow machine may need one more
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('reports the last real error, not a bare timeout, when the retry deadline passes', async () => {
    server = await startScriptedServer(() => apiError(503, 'TEMPORARILY_UNAVAILABLE', 'The service is being upgraded'));
    const { api, clock } = clientFor(server, { deadlineMs: 9_000 });
    const error = await api.json({ method: 'GET', path: '/api/2.0/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarilyUnavailable);
    expect((error as Error).message).toMatch(/^The service is being upgraded \(gave up after 4 attempts in 6 s\)$/);
    // 1 + 2 + 3 = 6 s slept; the next 4 s step would pass the 9 s deadline
    expect(clock.sleeps).toEqual([1000, 2000, 3000]);
  });

  it('gives up at once when Retry-After is beyond the deadline', async () => {
    server = await startScriptedServer(() =>
      apiError(429, 'REQUEST_LIMIT_EXCEEDED', 'quota', { 'retry-after': '600' }),
    );
    const { api, clock } = clientFor(server, { deadlineMs: 60_000 });
    await expect(api.json({ method: 'GET', path: '/api/2.0/x' })).rejects.toBeInstanceOf(TooManyRequests);
    expect(clock.sleeps).toEqual([]);
  });

  it('sends a one-shot stream once and does not retry it; a stream factory is re-opened per attempt', async () => {
    let factoryCalls = 0;
    server = await startScriptedServer((r) => {
      if (r.url.endsWith('/one-shot')) return { status: 503 };
      factoryCalls++;
      return factoryCalls === 1 ? { status: 503 } : ok({});
    });
    const { api } = clientFor(server);
    await expect(
      api.json({ method: 'PUT', path: '/api/2.0/fs/files/one-shot', body: Readable.from([Buffer.from('payload')]) }),
    ).rejects.toBeInstanceOf(TemporarilyUnavailable);
    await expect(
      api.json({
        method: 'PUT',
        path: '/api/2.0/fs/files/factory',
        body: () => Readable.from([Buffer.from('payload')]),
      }),
    ).resolves.toEqual({});
    expect(server.requests.map((r) => [r.url, r.body.toString()])).toEqual([
      ['/api/2.0/fs/files/one-shot', 'payload'],
      ['/api/2.0/fs/files/factory', 'payload'],
      ['/api/2.0/fs/files/factory', 'payload'],
    ]);
  });

  it('stops at once when the caller aborts, even during a back-off', async () => {
    server = await startScriptedServer(() => ({ status: 503 }));
    const controller = new AbortController();
    const api = new ApiClient({
      host: server.url,
      credentials: new PatProvider(TOKEN),
      retry: { baseDelayMs: 60_000, jitterMs: 0 },
    });
    setTimeout(() => controller.abort('user pressed Ctrl-C'), 50);
    const started = Date.now();
    const error = await api
      .json({ method: 'GET', path: '/api/2.0/x', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksAbortError);
    expect((error as Error).message).toBe('The request was cancelled: user pressed Ctrl-C.');
    expect(Date.now() - started).toBeLessThan(30_000); // well inside the 60 s back-off it would otherwise wait out
  });
});

describe('ApiClient headers and secrets', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => server?.close());

  it('sends the bearer token and a User-Agent naming fraudops and its version', async () => {
    server = await startScriptedServer(() => ok({}));
    const { api } = clientFor(server);
    await api.json({ method: 'GET', path: '/api/2.0/x', query: { path: '/Repos/a b', n: 3, skip: undefined } });
    const seen = server.requests[0];
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.headers['user-agent']).toBe(
      `fraudops/${FRAUDOPS_VERSION} fraudops-test/1.0 node/${process.versions.node} os/${process.platform} auth/pat`,
    );
    expect(seen.url).toBe('/api/2.0/x?path=%2FRepos%2Fa+b&n=3');
  });

  it('keeps the token out of errors, their JSON and the request log', async () => {
    server = await startScriptedServer((_, i) =>
      i === 0 ? { status: 503 } : apiError(403, 'PERMISSION_DENIED', 'Invalid access token.'),
    );
    const { api, events } = clientFor(server);
    const error = await api.json({ method: 'GET', path: '/api/2.0/x' }).catch((e: unknown) => e as Error);
    const everything = [String(error), (error as Error).stack, JSON.stringify(error), JSON.stringify(events)].join(
      '\n',
    );
    expect(everything).toContain('Invalid access token.');
    expect(everything).not.toContain(TOKEN);
  });

  it('answers {} for an empty 200 body and refuses a 200 that is not JSON', async () => {
    server = await startScriptedServer((_, i) =>
      i === 0 ? { status: 200, body: '' } : { status: 200, body: '<html>proxy</html>' },
    );
    const { api } = clientFor(server);
    await expect(api.json({ method: 'PATCH', path: '/api/2.0/repos/1', json: { branch: 'main' } })).resolves.toEqual(
      {},
    );
    await expect(api.json({ method: 'GET', path: '/api/2.0/x' })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});

import express from 'express';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { listen, type RunningServer } from '../server.js';
import { call } from '../testing/harness.js';
import { errorHandler, notFound } from './error-handler.js';
import { jsonBody } from './json-body.js';
import { requestContext } from './request-context.js';

describe('error mapping', () => {
  const logs: string[] = [];
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.use(
      requestContext(
        createLogger('info', { write: (line: string) => void logs.push(line) }),
        createMetrics({ defaultMetrics: false }),
      ),
    );
    // A handler with a bug: what any unexpected failure looks like to the error handler.
    app.post('/bug', jsonBody(1024), (req) => {
      const body = req.body as { items?: unknown[] };
      return body.items?.map((item) => (item as { name: string }).name.toUpperCase());
    });
    app.use(notFound());
    app.use(errorHandler(1024));
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close(1000));

  it('answers an unexpected error with 500 and the request id, and logs the stack under that id', async () => {
    const reply = await call(
      server.url,
      'POST',
      '/bug',
      { items: [{ nom: 'x' }] },
      { 'x-request-id': 'bug-report-42' },
    );
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({
      error: {
        code: 'INTERNAL',
        message: 'Internal error; quote request id bug-report-42 when reporting it.',
        request_id: 'bug-report-42',
      },
    });
    const entry = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'unexpected error');
    expect(entry).toMatchObject({ request_id: 'bug-report-42', level: 'error' });
    expect(entry.err.stack).toContain('TypeError');
    expect(JSON.stringify(reply.body)).not.toContain('TypeError');
  });

  it('replaces an unsafe caller request id with a fresh one', async () => {
    const reply = await call(server.url, 'GET', '/nowhere', undefined, { 'x-request-id': 'bad id\twith spaces' });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body.error.request_id).toBe(reply.headers.get('x-request-id'));
  });
});

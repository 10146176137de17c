import express from 'express';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { listen, type RunningServer } from '../server.js';
import { closeRawConnections, rawRequest } from '../testing/harness.js';
import { errorHandler } from './error-handler.js';
import { jsonBody } from './json-body.js';
import { requestContext } from './request-context.js';

/**
 * The everyday body (exactly `application/json`, uncompressed, with a length) is read without body-parser; every
 * body must get the answer body-parser's strict `express.json` gives it, whichever reader took it.
 */
describe('JSON request bodies', () => {
  const LIMIT = 256;
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.use(requestContext(createLogger('warn'), createMetrics({ defaultMetrics: false })));
    app.post('/echo', jsonBody(LIMIT), (req, res) => {
      res.json({ body: req.body as unknown });
    });
    app.use(errorHandler(LIMIT));
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(async () => {
    closeRawConnections();
    await server.close(1000);
  });

  const post = async (body: string | Uint8Array, contentType: string) => {
    const reply = await rawRequest(server.url, 'POST', '/echo', body, { 'content-type': contentType });
    const { body: parsed, error } = JSON.parse(reply.text) as { body?: unknown; error?: { code: string } };
    // An error's request id differs from one request to the next: compare its code.
    return { status: reply.status, body: error ? { error: { code: error.code } } : { body: parsed } };
  };

  it('gives both readers the same objects and arrays, whitespace and byte-order mark allowed', async () => {
    const bodies = [
      '{"transactions":[{"transaction_id":1,"tx_amount":12.5}]}',
      ' \r\n\t[1, "two", {"three": null}]',
      '\uFEFF{"name":"Zoë ✓"}',
      `{"long":"${'x'.repeat(200)}"}`,
    ];
    for (const body of bodies) {
      const everyday = await post(body, 'application/json');
      const parsed = await post(body, 'application/json; charset=utf-8');
      expect(everyday).toEqual({ status: 200, body: { body: JSON.parse(body.replace(/^\uFEFF/, '')) } });
      expect(everyday).toEqual(parsed);
    }
  });

  it('refuses what strict express.json refuses, with the same codes', async () => {
    for (const body of ['123', '"text"', 'null', '{"a":', ' \n', '\uFEFF7']) {
      const everyday = await post(body, 'application/json');
      expect(everyday.status).toBe(400);
      expect(everyday.body.error?.code).toBe('MALFORMED_JSON');
      expect(await post(body, 'application/json; charset=utf-8')).toEqual(everyday);
    }
    const huge = `{"long":"${'x'.repeat(LIMIT)}"}`;
    const tooLarge = await post(huge, 'application/json');
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await post(huge, 'application/json; charset=utf-8')).toEqual(tooLarge);
  });
});

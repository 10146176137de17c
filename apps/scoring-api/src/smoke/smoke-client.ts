import { LocalRegistry, type ModelCard, type ModelCardDraft } from '@fraudops/registry';
import { requestJson, type Reply } from './json-request.js';
import { errorMessage } from '@fraudops/core';

export interface SmokeOptions {
  /** Base URL of a running service, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The local registry directory the service reads (a new version is registered there for the reload step). */
  registry: string;
  /** The served model's name (the champion alias is moved to the new version). @defaultValue fraud-detector */
  modelName?: string;
  apiKey?: string;
  adminToken?: string;
  /** How long to wait for /readyz. @defaultValue 60000 */
  readyTimeoutMs?: number;
  log: (line: string) => void;
}

/** A smoke step that did not behave: names the step, what was expected and what came back. */
export class SmokeFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'SmokeFailure';
  }
}

/**
 * The deployment check: drives a running service the way a payment system and an operator would —
 * readiness, model info, scoring (and a retry), feedback, the Open Inference Protocol, bad input, a hot
 * reload to a newly registered version, metrics. Throws {@link SmokeFailure} at the first surprise.
 */
// eslint-disable-next-line max-lines-per-function -- the smoke check's script: one request after another in the order a deployment is checked
export async function driveSmoke(options: SmokeOptions): Promise<{ steps: number }> {
  const base = options.url.replace(/\/$/, '');
  const name = options.modelName ?? 'fraud-detector';
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  let steps = 0;

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    requestJson(base, method, path, body, { ...auth, ...headers });
  const step = async (title: string, run: () => Promise<void>) => {
    const started = Date.now();
    try {
      await run();
    } catch (error) {
      if (error instanceof SmokeFailure) throw error;
      throw new SmokeFailure(title, errorMessage(error));
    }
    steps++;
    options.log(`ok  ${title} (${Date.now() - started} ms)`);
  };
  const expect = (title: string, condition: boolean, message: string) => {
    if (!condition) throw new SmokeFailure(title, message);
  };

  await step('ready', async () => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      const reply = await call('GET', '/readyz').catch(() => undefined);
      if (reply?.status === 200) return;
      if (Date.now() > deadline)
        throw new SmokeFailure(
          'ready',
          `/readyz not 200 in time (last: ${reply ? JSON.stringify(reply.body) : 'no answer'})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  let version = 0;
  let threshold = 0;
  let features: string[] = [];
  await step('model info', async () => {
    const reply = await call('GET', '/v1/model');
    expect('model info', reply.status === 200, `GET /v1/model answered ${reply.status}`);
    expect('model info', reply.body.name === name, `serves "${reply.body.name}", expected "${name}"`);
    version = reply.body.version;
    threshold = reply.body.threshold?.value;
    features = reply.body.feature_spec?.features ?? [];
    expect('model info', Number.isInteger(version) && version > 0, 'no version');
    expect('model info', threshold >= 0 && threshold <= 1, 'threshold not in [0, 1]');
    expect('model info', features.length > 0 && typeof reply.body.feature_spec.hash === 'string', 'no feature spec');
  });

  // Transactions "now", with ids no earlier run used.
  const now = Math.floor(Date.now() / 1000);
  const firstId = now * 1000;
  const transactions = [0, 1, 2].map((i) => ({
    transaction_id: firstId + i,
    tx_datetime: now + i,
    customer_id: 11 + i,
    terminal_id: 101 + i,
    tx_amount: [12.5, 80, 1999.99][i],
  }));
  let firstAnswer: { probability: number; decision: string } | undefined;
  await step('score', async () => {
    const reply = await call('POST', '/v1/score', { transactions });
    expect('score', reply.status === 200, `POST /v1/score answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    expect('score', reply.body.results?.length === 3, 'expected 3 results');
    for (const [i, result] of (reply.body.results as Array<Record<string, unknown>>).entries()) {
      const p = result.probability as number;
      expect('score', result.transaction_id === transactions[i].transaction_id, 'results out of request order');
      expect('score', p >= 0 && p <= 1, `probability ${p} outside [0, 1]`);
      expect(
        'score',
        result.decision === (p >= threshold ? 'alert' : 'pass'),
        'decision does not follow the threshold',
      );
    }
    firstAnswer = reply.body.results[0];
  });

  await step('score retry returns the same answer', async () => {
    const reply = await call('POST', '/v1/score', { transactions: [transactions[0]] });
    expect('retry', reply.status === 200, `answered ${reply.status}`);
    expect('retry', reply.body.results[0].probability === firstAnswer?.probability, 'a retry changed the answer');
  });

  await step('feedback', async () => {
    const unknownId = firstId + 999;
    const reply = await call('POST', '/v1/feedback', {
      labels: [
        { transaction_id: transactions[0].transaction_id, is_fraud: false },
        { transaction_id: transactions[2].transaction_id, is_fraud: true },
        { transaction_id: unknownId, is_fraud: false },
      ],
    });
    expect('feedback', reply.status === 200, `answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    expect('feedback', reply.body.applied === 2, `applied ${reply.body.applied}, expected 2`);
    expect(
      'feedback',
      JSON.stringify(reply.body.unknown) === JSON.stringify([unknownId]),
      'the unknown id was not reported',
    );
  });

  await step('open inference protocol', async () => {
    const reply = await call('POST', `/v2/models/${name}/infer`, {
      inputs: [
        {
          name: 'features',
          shape: [2, features.length],
          datatype: 'FP32',
          data: new Array(2 * features.length).fill(0),
        },
      ],
    });
    expect('infer', reply.status === 200, `answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const output = reply.body.outputs?.[0];
    expect(
      'infer',
      JSON.stringify(output?.shape) === '[2,1]' && output.data.every((p: number) => p >= 0 && p <= 1),
      'bad output tensor',
    );
  });

  await step('bad input is refused with the right status', async () => {
    const cases: Array<[string, () => Promise<Reply>, number, string]> = [
      ['malformed JSON', () => call('POST', '/v1/score', '{"transactions": [', {}), 400, 'MALFORMED_JSON'],
      [
        'missing field',
        () => call('POST', '/v1/score', { transactions: [{ ...transactions[0], transaction_id: undefined }] }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'negative amount',
        () =>
          call('POST', '/v1/score', {
            transactions: [{ ...transactions[0], transaction_id: firstId + 50, tx_amount: -1 }],
          }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'wrong content type',
        () => call('POST', '/v1/score', 'transactions=1', { 'content-type': 'text/plain' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['unknown model', () => call('GET', '/v2/models/no-such-model'), 404, 'NOT_FOUND'],
    ];
    if (options.apiKey) {
      cases.push(['no API key', () => requestJson(base, 'GET', '/v1/model'), 401, 'UNAUTHORIZED']);
    }
    for (const [what, send, status, code] of cases) {
      const reply = await send();
      expect(
        'bad input',
        reply.status === status && reply.body?.error?.code === code,
        `${what}: got ${reply.status} ${JSON.stringify(reply.body)}, expected ${status} ${code}`,
      );
    }
    const missing = await call('POST', '/v1/score', { transactions: [{ ...transactions[0], tx_amount: undefined }] });
    expect(
      'bad input',
      missing.body.error.details?.[0]?.path === 'transactions[0].tx_amount',
      'the error does not name the field',
    );
  });

  let next = 0;
  await step('register a new version and reload', async () => {
    if (!options.adminToken) {
      options.log('--  reload skipped: no admin token given');
      return;
    }
    next = await copyToChampion(
      options.registry,
      options.registry,
      name,
      version,
      'scoring-api smoke check: admin reload',
    );
    const admin = { authorization: `Bearer ${options.adminToken}` };
    const reply = await call('POST', '/admin/reload', undefined, admin);
    expect('reload', reply.status === 200, `answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const champion = reply.body.steps.find((s: { role: string }) => s.role === 'champion');
    expect(
      'reload',
      champion?.status === 'swapped' && champion.to.version === next,
      `expected a swap to version ${next}: ${JSON.stringify(champion)}`,
    );
    const info = await call('GET', '/v1/model');
    expect('reload', info.body.version === next, `GET /v1/model still says version ${info.body.version}`);
    const again = await call('POST', '/admin/reload', undefined, admin);
    expect('reload', again.body.steps?.[0]?.status === 'unchanged', 'a second reload should find nothing new');
    const refused = await call('POST', '/admin/reload', undefined, { authorization: 'Bearer wrong-token-0123456789' });
    expect('reload', refused.status === 403, `a wrong admin token got ${refused.status}`);
  });

  await step('score after reload', async () => {
    const reply = await call('POST', '/v1/score', {
      transactions: [{ ...transactions[1], transaction_id: firstId + 10, tx_datetime: now + 10 }],
    });
    expect('score after reload', reply.status === 200, `answered ${reply.status}`);
    if (next > 0) expect('score after reload', reply.body.model.version === next, 'not scored by the new version');
  });

  await step('metrics', async () => {
    const reply = await call('GET', '/metrics');
    const text = String(reply.body);
    expect('metrics', reply.status === 200, `answered ${reply.status}`);
    for (const metric of [
      'scoring_http_requests_total',
      'scoring_model_info',
      'scoring_transactions_total',
      'scoring_http_request_duration_seconds',
    ]) {
      expect('metrics', text.includes(metric), `${metric} missing`);
    }
  });
  return { steps };
}

/**
 * Registers a copy of `version` from one registry as a new version in another (or the same) and points
 * `@champion` at it: a genuinely new version for a service to pick up. Returns the new version number.
 */
export async function copyToChampion(
  from: string,
  to: string,
  name: string,
  version: number,
  reason: string,
): Promise<number> {
  const source = new LocalRegistry(from);
  const target = new LocalRegistry(to);
  const current = await source.loadModel(`models:/${name}/${version}`);
  const text = async (file: 'report.html' | 'report.md') =>
    new TextDecoder().decode(await source.readArtifact(name, version, file));
  const registered = await target.register({
    name,
    onnx: current.onnx,
    card: draftOf(current.card, `copy of ${current.uri} (${reason})`),
    reports: { html: await text('report.html'), markdown: await text('report.md') },
  });
  await target.setAlias(name, 'champion', registered.version, { reason });
  return registered.version;
}

/** What `register` takes back from a stored card: everything but what the registry fills in. */
export function draftOf(card: ModelCard, description?: string): ModelCardDraft {
  const {
    schemaVersion: _schema,
    name: _name,
    version: _version,
    created: _created,
    artifacts: _artifacts,
    ...draft
  } = card;
  return { ...draft, ...(description ? { description } : {}) };
}

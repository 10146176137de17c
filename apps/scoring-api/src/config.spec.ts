import { loadConfig } from './config.js';
import { ScoringError } from './errors.js';

const KEY = 'k-0123456789abcdef';

function configError(env: Record<string, string>): ScoringError {
  try {
    loadConfig(env);
  } catch (error) {
    return error as ScoringError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('has defaults that work on a laptop', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      modelUri: 'models:/fraud-detector@champion',
      registry: 'models',
      apiKeys: [],
      bodyLimitBytes: 1024 * 1024,
      maxBatch: 10_000,
      historyDays: 37,
      production: false,
    });
    expect(config.challengerUri).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.explainAlerts).toBeUndefined();
    expect(loadConfig({ EXPLAIN_ALERTS: 'off' }).explainAlerts).toBeUndefined();
    expect(loadConfig({ EXPLAIN_ALERTS: 'top3' }).explainAlerts).toBe(3);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      MODEL_URI: 'models:/fraud-detector/3',
      CHALLENGER_URI: 'models:/fraud-detector@challenger',
      REGISTRY: '/srv/models',
      API_KEYS: ` ${KEY} , ${KEY}-second `,
      ADMIN_TOKEN: 'admin-0123456789abcdef',
      HISTORY: 'data/history.csv',
      HISTORY_DAYS: '30',
      STATE_SNAPSHOT: '/tmp/state.bin',
      BODY_LIMIT: '2mb',
      MAX_BATCH: '500',
      CHUNK_ROWS: '64',
      EXPLAIN_ALERTS: 'top5',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      modelUri: 'models:/fraud-detector/3',
      challengerUri: 'models:/fraud-detector@challenger',
      registry: '/srv/models',
      apiKeys: [KEY, `${KEY}-second`],
      adminToken: 'admin-0123456789abcdef',
      history: 'data/history.csv',
      historyDays: 30,
      stateSnapshot: '/tmp/state.bin',
      bodyLimitBytes: 2 * 1024 * 1024,
      maxBatch: 500,
      chunkRows: 64,
      explainAlerts: 5,
      logLevel: 'warn',
      production: true,
    });
  });

  it.each([
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535'],
    [{ PORT: 'eighty' }, 'PORT must be an integer'],
    [{ MODEL_URI: 'fraud-detector' }, 'MODEL_URI must look like models:/<name>@<alias>'],
    [{ CHALLENGER_URI: 'models:/Fraud@Champion' }, 'CHALLENGER_URI must look like'],
    [{ BODY_LIMIT: 'lots' }, 'BODY_LIMIT must be a size'],
    [{ MAX_BATCH: '0' }, 'MAX_BATCH must be an integer from 1'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [
      { EXPLAIN_ALERTS: 'top0' },
      'EXPLAIN_ALERTS must be off or top<k> with k from 1 to 999 reasons per alert, e.g. top3',
    ],
    [{ EXPLAIN_ALERTS: 'all' }, 'EXPLAIN_ALERTS must be off or top<k>'],
    [{ NODE_ENV: 'production' }, 'API_KEYS is required when NODE_ENV=production'],
  ])('names the bad setting: %j', (env, message) => {
    const error = configError(env);
    expect(error).toBeInstanceOf(ScoringError);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(message);
  });

  it('rejects weak secrets without repeating them', () => {
    const error = configError({ API_KEYS: `${KEY},short-secret`, ADMIN_TOKEN: 'hunter2' });
    expect(error.message).toContain('API_KEYS');
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).toContain('ADMIN_TOKEN');
    expect(error.message).not.toContain('short-secret');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain(KEY);
  });
});

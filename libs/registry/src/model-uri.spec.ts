import { errorOf } from './fixtures/errors.js';
import { assertAlias, assertModelName, formatModelUri, parseModelUri } from './model-uri.js';

describe('parseModelUri', () => {
  it('parses an alias, a version and latest', () => {
    expect(parseModelUri('models:/fraud-detector@champion')).toEqual({
      kind: 'alias',
      name: 'fraud-detector',
      alias: 'champion',
    });
    expect(parseModelUri('models:/fraud-detector/12')).toEqual({
      kind: 'version',
      name: 'fraud-detector',
      version: 12,
    });
    expect(parseModelUri('models:/fraud_detector_v2/latest')).toEqual({ kind: 'latest', name: 'fraud_detector_v2' });
  });

  it('round-trips through formatModelUri', () => {
    for (const uri of ['models:/a@champion', 'models:/fraud-detector/3', 'models:/m-1/latest']) {
      expect(formatModelUri(parseModelUri(uri))).toBe(uri);
    }
  });

  it.each([
    ['fraud-detector@champion', 'must start with "models:/"'],
    ['models://fraud-detector@champion', 'use one slash after "models:"'],
    ['models:/', 'the model name is missing'],
    ['models:/@champion', 'the model name is missing'],
    ['models:/fraud-detector', 'add @<alias> or /<version>'],
    ['models:/fraud-detector@', 'the alias after "@" is missing'],
    ['models:/fraud-detector/', 'the version after "/" is missing'],
    ['models:/fraud-detector/0', 'version "0" must be a positive integer'],
    ['models:/fraud-detector/v2', 'version "v2" must be a positive integer'],
    ['models:/fraud-detector/1.5', 'version "1.5" must be a positive integer'],
    ['models:/fraud-detector/99999999999999999999', 'must be a positive integer'],
    ['models:/fraud-detector/2/3', 'version "2/3"'],
    ['models:/fraud-detector@champion/2', 'not both'],
    ['models:/Fraud@champion', 'model name "Fraud" must be 1–255 lower-case'],
    ['models:/main.fraud.detector@champion', 'model name "main.fraud.detector"'],
    ['models:/fraud-detector@Champion', 'alias "Champion"'],
    ['models:/fraud-detector@latest', 'reserved'],
    ['models:/fraud-detector@v3', 'reserved'],
  ])('rejects %s naming the problem', (uri, problem) => {
    const error = errorOf(() => parseModelUri(uri));
    expect(error.code).toBe('INVALID_MODEL_URI');
    expect(error.message).toContain(JSON.stringify(uri));
    expect(error.message).toContain(problem);
  });
});

describe('names', () => {
  it('accepts lower-case names and aliases', () => {
    expect(() => assertModelName('fraud-detector_2')).not.toThrow();
    expect(() => assertAlias('champion')).not.toThrow();
    expect(() => assertAlias('shadow_2')).not.toThrow();
  });

  it('rejects names that would differ between backends or escape the registry directory', () => {
    for (const name of ['', '..', '.hidden', 'a/b', 'Fraud', 'fraud detector', 'x'.repeat(256)]) {
      expect(errorOf(() => assertModelName(name)).code).toBe('INVALID_NAME');
    }
    for (const alias of ['', 'latest', 'v1', '1st', 'my-alias']) {
      expect(errorOf(() => assertAlias(alias)).code).toBe('INVALID_NAME');
    }
  });
});

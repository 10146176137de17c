import { errorOf } from './fixtures/errors.js';
import { formatRegistryUri, parseRegistryUri } from './registry-uri.js';

const cwd = '/srv/fraudops';

describe('parseRegistryUri', () => {
  it('defaults to models/ under the working directory', () => {
    expect(parseRegistryUri(undefined, cwd)).toEqual({ kind: 'local', root: '/srv/fraudops/models' });
    expect(parseRegistryUri('  ', cwd)).toEqual({ kind: 'local', root: '/srv/fraudops/models' });
  });

  it('takes plain paths and file: URIs as local directories', () => {
    expect(parseRegistryUri('registry', cwd)).toEqual({ kind: 'local', root: '/srv/fraudops/registry' });
    expect(parseRegistryUri('./out/models', cwd)).toEqual({ kind: 'local', root: '/srv/fraudops/out/models' });
    expect(parseRegistryUri('/var/lib/models', cwd)).toEqual({ kind: 'local', root: '/var/lib/models' });
    expect(parseRegistryUri('file:models', cwd)).toEqual({ kind: 'local', root: '/srv/fraudops/models' });
    expect(parseRegistryUri('file:///var/lib/my%20models', cwd)).toEqual({ kind: 'local', root: '/var/lib/my models' });
  });

  it('reads a Unity Catalog location with its defaults and options', () => {
    expect(parseRegistryUri('databricks-uc://main.fraud', cwd)).toEqual({
      kind: 'unity-catalog',
      catalog: 'main',
      schema: 'fraud',
      volume: 'models',
      prefix: '',
    });
    expect(
      parseRegistryUri('databricks-uc://ml_prod.fraud-ops?volume=artifacts&prefix=/registry/v1/&profile=prod', cwd),
    ).toEqual({
      kind: 'unity-catalog',
      catalog: 'ml_prod',
      schema: 'fraud-ops',
      volume: 'artifacts',
      prefix: 'registry/v1',
      profile: 'prod',
    });
  });

  it('round-trips through formatRegistryUri', () => {
    const uc = 'databricks-uc://main.fraud?volume=artifacts&prefix=a%2Fb&profile=dev';
    expect(formatRegistryUri(parseRegistryUri(uc))).toBe(uc);
    expect(parseRegistryUri(formatRegistryUri(parseRegistryUri(uc)))).toEqual(parseRegistryUri(uc));
    expect(formatRegistryUri(parseRegistryUri('/var/lib/my models'))).toBe('file:///var/lib/my%20models');
  });

  it.each([
    ['databricks-uc://main', 'expected databricks-uc://<catalog>.<schema>'],
    ['databricks-uc://main.fraud.models', 'expected databricks-uc://<catalog>.<schema>'],
    ['databricks-uc://main.', 'expected databricks-uc://<catalog>.<schema>'],
    ['databricks-uc://ma in.fraud', 'catalog "ma in"'],
    ['databricks-uc://main.fraud?volume=a/b', 'volume "a/b"'],
    ['databricks-uc://main.fraud?vol=x', 'unknown parameter "vol"'],
    ['databricks-uc://main.fraud?prefix=a/../b', 'must not contain'],
    ['databricks-uc://main.fraud?profile=', 'profile is empty'],
    ['s3://bucket/models', 'unsupported scheme "s3:"'],
    ['databricks://main.fraud', 'unsupported scheme "databricks:"'],
    ['file:', 'the directory after "file:" is missing'],
  ])('rejects %s', (uri, problem) => {
    const error = errorOf(() => parseRegistryUri(uri, cwd));
    expect(error.code).toBe('INVALID_REGISTRY_URI');
    expect(error.message).toContain(problem);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describeConfig, resolveConfig, type DatabricksConfigOptions } from './config.js';
import { parseConfigFile } from './config-file.js';
import { DatabricksConfigError } from './errors.js';

const CFG = `
; a comment
[DEFAULT]
host = https://default.cloud.databricks.com
token = dapi-default-secret

[staging]
host = staging.cloud.databricks.com/
client_id = sp-staging
client_secret = sp-staging-secret
warehouse_id = wh-stg

[broken]
host = https://broken.example
token = dapi-broken
client_id = sp-broken

[half]
host = https://half.example
client_secret = only-the-secret
`;

describe('resolveConfig: explicit → environment → ~/.databrickscfg', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbcfg-'));
    writeFileSync(join(home, '.databrickscfg'), CFG);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const resolve = (options: DatabricksConfigOptions) => resolveConfig({ homeDir: home, env: {}, ...options });
  const errorOf = (options: DatabricksConfigOptions): DatabricksConfigError => {
    try {
      resolve(options);
    } catch (error) {
      if (error instanceof DatabricksConfigError) return error;
      throw error;
    }
    throw new Error('expected a DatabricksConfigError');
  };

  it('reads [DEFAULT] from ~/.databrickscfg when nothing else is set', () => {
    const c = resolve({});
    expect(c.host).toBe('https://default.cloud.databricks.com');
    expect(c.credentials.kind).toBe('pat');
    expect(c.credentials.kind === 'pat' && c.credentials.token.reveal()).toBe('dapi-default-secret');
    expect(c.sources).toEqual({ host: 'profile', credentials: 'profile' });
    expect(c.profile).toBe('DEFAULT');
  });

  it('lets the environment win over the file, and explicit options over both', () => {
    const env = { DATABRICKS_HOST: 'env.example.com', DATABRICKS_TOKEN: 'dapi-env' };
    const fromEnv = resolve({ env });
    expect(fromEnv.host).toBe('https://env.example.com');
    expect(fromEnv.credentials.kind === 'pat' && fromEnv.credentials.token.reveal()).toBe('dapi-env');
    expect(fromEnv.sources).toEqual({ host: 'env', credentials: 'env' });

    const explicit = resolve({ env, host: 'http://127.0.0.1:8787', token: 'dapi-explicit' });
    expect(explicit.host).toBe('http://127.0.0.1:8787');
    expect(explicit.credentials.kind === 'pat' && explicit.credentials.token.reveal()).toBe('dapi-explicit');
    expect(explicit.sources).toEqual({ host: 'explicit', credentials: 'explicit' });
  });

  it('takes host and credentials independently: env host with file credentials', () => {
    const c = resolve({ env: { DATABRICKS_HOST: 'https://env.example.com' } });
    expect(c.host).toBe('https://env.example.com');
    expect(c.sources).toEqual({ host: 'env', credentials: 'profile' });
  });

  it('takes credentials as a group from one layer: an env token beats a file OAuth pair without conflict', () => {
    const c = resolve({ profile: 'staging', env: { DATABRICKS_TOKEN: 'dapi-env' } });
    expect(c.credentials.kind).toBe('pat');
    expect(c.host).toBe('https://staging.cloud.databricks.com');
  });

  it('selects a profile by option or DATABRICKS_CONFIG_PROFILE, with OAuth M2M and a warehouse id', () => {
    for (const c of [resolve({ profile: 'staging' }), resolve({ env: { DATABRICKS_CONFIG_PROFILE: 'staging' } })]) {
      expect(c.host).toBe('https://staging.cloud.databricks.com');
      expect(c.credentials).toMatchObject({ kind: 'oauth-m2m', clientId: 'sp-staging' });
      expect(c.warehouseId).toBe('wh-stg');
      expect(c.profile).toBe('staging');
    }
  });

  it('reads DATABRICKS_CONFIG_FILE instead of ~/.databrickscfg', () => {
    const other = join(home, 'other.cfg');
    writeFileSync(other, '[DEFAULT]\nhost = other.example\ntoken = t\n');
    expect(resolve({ env: { DATABRICKS_CONFIG_FILE: other } }).host).toBe('https://other.example');
  });

  it('reads OAuth M2M from the environment', () => {
    const c = resolve({
      env: { DATABRICKS_HOST: 'h.example', DATABRICKS_CLIENT_ID: 'sp', DATABRICKS_CLIENT_SECRET: 'sp-secret' },
      homeDir: join(home, 'empty-home'),
    });
    expect(c.credentials).toMatchObject({ kind: 'oauth-m2m', clientId: 'sp' });
  });

  it('names both settings when two credential kinds are set in one layer', () => {
    const env = errorOf({
      env: {
        DATABRICKS_HOST: 'h',
        DATABRICKS_TOKEN: 'dapi-x',
        DATABRICKS_CLIENT_ID: 'sp',
        DATABRICKS_CLIENT_SECRET: 's',
      },
    });
    expect(env.code).toBe('CONFIG_INVALID');
    expect(env.message).toContain('DATABRICKS_TOKEN');
    expect(env.message).toContain('DATABRICKS_CLIENT_ID');
    const file = errorOf({ profile: 'broken' });
    expect(file.message).toContain('token in profile [broken] of ~/.databrickscfg');
    expect(file.message).toContain('client_id in profile [broken]');
    const explicit = errorOf({ host: 'h', token: 't', clientSecret: 's' });
    expect(explicit.message).toContain('the token option');
    expect(explicit.message).toContain('the clientSecret option');
  });

  it('names the missing half of an OAuth pair', () => {
    const e = errorOf({ profile: 'half' });
    expect(e.code).toBe('CONFIG_MISSING');
    expect(e.message).toBe(
      'OAuth M2M needs both a client id and a client secret: client_secret in profile [half] of ~/.databrickscfg is set but client_id in profile [half] of ~/.databrickscfg is missing.',
    );
  });

  it('says how to set a host when there is none', () => {
    const e = errorOf({ homeDir: join(home, 'empty-home'), env: { DATABRICKS_TOKEN: 'x' } });
    expect(e.code).toBe('CONFIG_MISSING');
    expect(e.message).toMatch(/^No Databricks host is configured\. Set DATABRICKS_HOST/);
  });

  it('says how to set credentials when there are none', () => {
    const e = errorOf({ homeDir: join(home, 'empty-home'), env: { DATABRICKS_HOST: 'h.example' } });
    expect(e.message).toMatch(
      /^No Databricks credentials are configured for https:\/\/h\.example\. Set DATABRICKS_TOKEN/,
    );
  });

  it('fails on a named profile that is not in the file, listing the ones that are', () => {
    const e = errorOf({ profile: 'prod' });
    expect(e.message).toBe(
      'Profile [prod] is not in ~/.databrickscfg (it has: [DEFAULT], [staging], [broken], [half]).',
    );
  });

  it('fails on a named profile when the file does not exist, and on a named file that does not exist', () => {
    rmSync(join(home, '.databrickscfg'));
    expect(errorOf({ profile: 'prod' }).message).toMatch(
      /^Profile \[prod\] was asked for, but ~\/\.databrickscfg does not exist/,
    );
    expect(errorOf({ env: { DATABRICKS_CONFIG_FILE: join(home, 'x.cfg') } }).message).toContain('does not exist');
    // no file and no profile named: fine when the environment has everything
    expect(resolve({ env: { DATABRICKS_HOST: 'h', DATABRICKS_TOKEN: 't' } }).host).toBe('https://h');
  });

  it('refuses a host that is not an http(s) URL', () => {
    expect(errorOf({ host: 'ftp://x', token: 't' }).message).toBe(
      'The host "ftp://x" (the host option) must be an https:// URL (http:// only for a local emulator).',
    );
    expect(errorOf({ host: 'https://bad host', token: 't' }).code).toBe('CONFIG_INVALID');
  });

  it('never shows a secret when the config is printed, serialised or described', () => {
    const c = resolve({ profile: 'staging' });
    const printed = [
      JSON.stringify(c),
      inspect(c, { depth: 5 }),
      String(c.credentials.kind === 'oauth-m2m' && c.credentials.clientSecret),
      describeConfig(c),
    ].join('\n');
    expect(printed).not.toContain('sp-staging-secret');
    expect(describeConfig(c)).toBe(
      'https://staging.cloud.databricks.com (from profile [staging]), OAuth M2M (client sp-staging) (from profile [staging])',
    );
  });
});

describe('parseConfigFile', () => {
  it('reads sections and keys, lower-cases keys, skips comments and stray lines, does not inherit DEFAULT', () => {
    const profiles = parseConfigFile('stray = 1\n[DEFAULT]\nHost = a\n# c\n[p]\ntoken=b=c\n');
    expect([...profiles.keys()]).toEqual(['DEFAULT', 'p']);
    expect(profiles.get('DEFAULT')?.get('host')).toBe('a');
    expect(profiles.get('p')?.get('token')).toBe('b=c');
    expect(profiles.get('p')?.get('host')).toBeUndefined();
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { credentialsProvider } from './auth.js';
import { describeConfig, resolveConfig, type DatabricksConfigOptions } from './config.js';
import { parseConfigFile } from './config-file.js';
import { DatabricksConfigError } from './errors.js';

interface ConformanceCase {
  id: number;
  title: string;
  env: Record<string, string>;
  file?: string;
  alsoHosts?: string[];
  expect: {
    authType?: string;
    host?: string;
    workspaceId?: string;
    profile?: string;
    code?: string;
    message?: string[];
    notMessage?: string[];
  };
}

const TABLE = JSON.parse(readFileSync(join(__dirname, 'testing/auth-conformance.json'), 'utf8')) as {
  cases: ConformanceCase[];
};

const TOKEN = 'dapi-conformance-secret';
const TOKEN_A = 'dapi-workspace-a-secret';

/** A `databricks` stand-in that prints a token for `auth token --host <host>` (an external program). */
function writeStubCli(dir: string, token: string): string {
  const bin = join(dir, 'stub-bin');
  mkdirSync(bin, { recursive: true });
  const script = join(bin, 'databricks');
  writeFileSync(
    script,
    `#!/bin/sh\nif [ "$1 $2 $3" != "auth token --host" ]; then echo "unexpected: $*" >&2; exit 2; fi\n` +
      `echo "$4" >> "${join(dir, 'cli-calls.log')}"\n` +
      `printf '{"access_token":"%s","token_type":"Bearer","expiry":"%s"}\\n' "${token}" "2999-01-01T00:00:00Z"\n`,
  );
  chmodSync(script, 0o755);
  return bin;
}

describe('configuration conformance with the official SDKs (shared/reference/databricks-auth.md)', () => {
  let home: string;
  let stubPath: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'dbcfg-conformance-'));
    stubPath = writeStubCli(home, TOKEN);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const substitute = (text: string) =>
    text
      .replaceAll('@HOST_A@', 'a.example')
      .replaceAll('@TOKEN_A@', TOKEN_A)
      .replaceAll('@HOST@', 'x')
      .replaceAll('@URL@', 'https://x')
      .replaceAll('@TOKEN@', TOKEN)
      .replaceAll('@MISSING_FILE@', join(home, 'missing.cfg'))
      .replaceAll('@STUB_PATH@', stubPath)
      .replaceAll('@EMPTY_PATH@', join(home, 'empty-bin'));

  function run(c: ConformanceCase, host?: string) {
    const caseHome = join(home, `case-${c.id}`);
    mkdirSync(caseHome, { recursive: true });
    rmSync(join(caseHome, '.databrickscfg'), { force: true });
    if (c.file !== undefined) writeFileSync(join(caseHome, '.databrickscfg'), substitute(c.file));
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, substitute(v)]));
    if (host !== undefined) env['DATABRICKS_HOST'] = host;
    try {
      return { config: resolveConfig({ env, homeDir: caseHome }) };
    } catch (error) {
      if (error instanceof DatabricksConfigError) return { error };
      throw error;
    }
  }

  it.each(TABLE.cases.map((c) => [`${c.id}: ${c.title}`, c] as const))('%s', (_, c) => {
    for (const host of [undefined, ...(c.alsoHosts ?? [])]) {
      const { config, error } = run(c, host);
      const expected = c.expect;
      if (expected.code !== undefined) {
        expect(config).toBeUndefined();
        expect(error?.code).toBe(expected.code);
        for (const part of expected.message ?? []) expect(error?.message).toContain(substitute(part));
        for (const part of expected.notMessage ?? []) expect(error?.message).not.toContain(substitute(part));
        for (const secret of [TOKEN, TOKEN_A, 'ci-password-secret']) expect(error?.message).not.toContain(secret);
        continue;
      }
      expect(error).toBeUndefined();
      expect(config?.authType).toBe(expected.authType);
      expect(config?.host).toBe(substitute(expected.host as string));
      expect(config?.workspaceId).toBe(expected.workspaceId);
      if (expected.profile !== undefined) expect(config?.profile).toBe(expected.profile);
      expect(JSON.stringify(config) + inspect(config, { depth: 5 })).not.toContain(TOKEN);
    }
  });
});

describe('resolveConfig: sources, settings and messages', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbcfg-'));
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
  const file = (text: string) => writeFileSync(join(home, '.databrickscfg'), text);

  it('takes each setting from the first source that has it: options, then environment, then the profile', () => {
    file('[p]\nhost = file.example\ntoken = dapi-file\nwarehouse_id = wh-file\n');
    const c = resolve({
      profile: 'p',
      token: 'dapi-explicit',
      env: { DATABRICKS_HOST: 'env.example', DATABRICKS_TOKEN: 'dapi-env' },
    });
    expect(c.host).toBe('https://env.example');
    expect(c.credentials.kind === 'pat' && c.credentials.token.reveal()).toBe('dapi-explicit');
    expect(c.warehouseId).toBe('wh-file');
    expect(c.sources).toEqual({ profile: 'explicit', token: 'explicit', host: 'env', warehouseId: 'file' });
    expect(c.debug).toBe(
      'Config: host=https://env.example, token=***, warehouse_id=wh-file, profile=p. Env: DATABRICKS_HOST',
    );
  });

  it('reads OAuth M2M, basic and github-oidc settings, and auth_type from the profile', () => {
    file(
      '[m2m]\nhost = h\nclient_id = sp\nclient_secret = sp-secret\n' +
        '[gh]\nhost = h\nclient_id = sp-app-id\nauth_type = github-oidc\ntoken_audience = aud-1\n',
    );
    expect(resolve({ profile: 'm2m' }).credentials).toMatchObject({ kind: 'oauth-m2m', clientId: 'sp' });
    const gh = resolve({
      profile: 'gh',
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/id?api-version=2.0',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-secret',
      },
    });
    expect(gh.credentials).toMatchObject({
      kind: 'github-oidc',
      clientId: 'sp-app-id',
      idTokenRequestUrl: 'https://gh.example/id?api-version=2.0',
      audience: 'aud-1',
    });
    expect(JSON.stringify(gh) + inspect(gh, { depth: 5 })).not.toContain('req-secret');
  });

  it('uses github-oidc without auth_type when a client id and the GitHub job variables are all there is', () => {
    const c = resolve({
      env: {
        DATABRICKS_HOST: 'h',
        DATABRICKS_CLIENT_ID: 'sp',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/id',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r',
      },
    });
    expect(c.authType).toBe('github-oidc');
  });

  it('says the GitHub variables are missing when auth_type is github-oidc outside a job with id-token: write', () => {
    const e = errorOf({
      env: { DATABRICKS_HOST: 'h', DATABRICKS_CLIENT_ID: 'sp', DATABRICKS_AUTH_TYPE: 'github-oidc' },
    });
    expect(e.message).toBe(
      'github-oidc auth: not configured: missing ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN. ' +
        'Config: host=https://h, client_id=sp, auth_type=github-oidc. Env: DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_AUTH_TYPE',
    );
  });

  it('names the missing half of a pair', () => {
    expect(errorOf({ env: { DATABRICKS_HOST: 'h', DATABRICKS_CLIENT_SECRET: 's' } }).message).toBe(
      'default auth: cannot configure default credentials: oauth-m2m needs client_id with client_secret. ' +
        'Config: host=https://h, client_secret=***. Env: DATABRICKS_HOST, DATABRICKS_CLIENT_SECRET',
    );
    expect(errorOf({ host: 'h', username: 'u' }).message).toContain('basic needs both username and password');
  });

  it('refuses a host that is not an http(s) URL, naming where it came from', () => {
    expect(errorOf({ host: 'ftp://x', token: 't' }).message).toBe(
      'The host "ftp://x" (the host option) must be an https:// URL (http:// only for a local emulator).',
    );
    file('[DEFAULT]\nhost = https://bad host\ntoken = t\n');
    expect(errorOf({}).message).toBe('The host "https://bad host" (host in profile [DEFAULT]) is not a URL.');
  });

  it('keeps http:// and a port for a local emulator, and drops what a browser URL adds', () => {
    expect(resolve({ host: 'http://127.0.0.1:8787/login?o=7', token: 't' })).toMatchObject({
      host: 'http://127.0.0.1:8787',
      workspaceId: '7',
    });
    expect(resolve({ host: 'HTTPS://Acme.Cloud.Databricks.com:8443/x/', token: 't' }).host).toBe(
      'https://acme.cloud.databricks.com:8443',
    );
  });

  it('never shows a secret when the config is printed, serialised or described', () => {
    file('[staging]\nhost = staging.example/\nclient_id = sp-staging\nclient_secret = sp-staging-secret\n');
    const c = resolve({ profile: 'staging' });
    const printed = [JSON.stringify(c), inspect(c, { depth: 5 }), describeConfig(c)].join('\n');
    expect(printed).not.toContain('sp-staging-secret');
    expect(describeConfig(c)).toBe(
      'https://staging.example, auth oauth-m2m (client sp-staging). ' +
        'Config: host=https://staging.example, client_id=sp-staging, client_secret=***, profile=staging.',
    );
  });

  it('sends the basic credentials it resolved', async () => {
    const c = resolve({ host: 'h', username: 'ci-user', password: 'pw', authType: 'basic' });
    expect(await credentialsProvider(c.host, c.credentials).authorization()).toBe(
      `Basic ${Buffer.from('ci-user:pw').toString('base64')}`,
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

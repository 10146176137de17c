import {
  DatabricksClient,
  Unauthenticated,
  credentialsProvider,
  resolveConfig,
  type Clock,
} from '@fraudops/databricks';
import { startEmulator, type Emulator } from './emulator.js';

// GitHub OIDC federation end to end: the client asks the GitHub stand-in for an ID token, the emulator's token
// endpoint verifies its signature against the stand-in's JWKS, its issuer, audience and the policy's subject,
// and answers a workspace token. Time is one movable value shared by the emulator and the client.

const STAGING = 'repo:acme/fraudops:environment:staging';
const FEATURE_BRANCH = 'repo:acme/fraudops:ref:refs/heads/feature-x';
const SP = 'sp-app-id-1234';

let time = Date.parse('2026-12-06T12:00:00Z');
const clock: Clock = {
  now: () => time,
  sleep: async (ms) => {
    time += ms;
  },
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    now: () => time,
    oauthTokenLifetimeSeconds: 600,
    githubJobs: [
      { requestToken: 'req-staging-job', subject: STAGING },
      { requestToken: 'req-feature-job', subject: FEATURE_BRANCH },
    ],
    federationPolicies: [{ clientId: SP, subject: STAGING }],
    basicUsers: [{ userName: 'ci-user', password: 'ci-password-secret' }],
  });
});
afterAll(() => emulator.close());

function githubEnv(requestToken: string, extra: Record<string, string> = {}) {
  return {
    DATABRICKS_HOST: emulator.url,
    DATABRICKS_CLIENT_ID: SP,
    DATABRICKS_AUTH_TYPE: 'github-oidc',
    ACTIONS_ID_TOKEN_REQUEST_URL: emulator.github.idTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    ...extra,
  };
}

const client = (env: Record<string, string>) =>
  DatabricksClient.fromEnvironment({ env, homeDir: '/nonexistent-home', clock, retry: { clock } });

const calls = (from: number) => emulator.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`);

describe('github-oidc against the emulator', () => {
  it('exchanges the GitHub ID token of the staging environment for a workspace token', async () => {
    const before = emulator.requests.length;
    const db = client(githubEnv('req-staging-job'));
    expect(db.config.authType).toBe('github-oidc');
    await expect(db.workspace.getStatus('/Repos')).resolves.toMatchObject({ object_type: 'DIRECTORY' });
    expect(calls(before)).toEqual([
      'GET /oidc/.well-known/oauth-authorization-server 200',
      'GET /__github/idtoken 200',
      // the token endpoint fetches the issuer's keys (OpenID discovery, then the JWKS) to check the signature
      'GET /__github/.well-known/openid-configuration 200',
      'GET /__github/.well-known/jwks 200',
      'POST /oidc/v1/token 200',
      'GET /api/2.0/workspace/get-status 200',
    ]);
    expect(db.api.userAgent).toMatch(/ auth\/github-oidc$/);
  });

  it('refuses a job whose subject the federation policy does not name (another branch)', async () => {
    const error = await client(githubEnv('req-feature-job'))
      .workspace.getStatus('/Repos')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Unauthenticated);
    expect(error).toMatchObject({ code: 'OAUTH_FAILED', status: 400 });
    const message = (error as Error).message;
    expect(message).toContain(
      `invalid_grant: The token subject ${FEATURE_BRANCH} does not match the federation policy`,
    );
    expect(message).toContain(
      `issuer ${emulator.github.issuer}, subject ${FEATURE_BRANCH}, audience ${emulator.url}/oidc/v1/token`,
    );
    expect(message).toContain(`service principal ${SP}`);
    expect(message).not.toContain('req-feature-job');
  });

  it('refuses an audience the policy does not accept', async () => {
    const error = await client(githubEnv('req-staging-job', { DATABRICKS_TOKEN_AUDIENCE: 'https://elsewhere.example' }))
      .workspace.getStatus('/Repos')
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'The token audience https://elsewhere.example is not one the federation policy accepts',
    );
  });

  it('renews the workspace token with a fresh ID token once it has expired', async () => {
    const config = resolveConfig({ env: githubEnv('req-staging-job'), homeDir: '/nonexistent-home' });
    const provider = credentialsProvider(config.host, config.credentials, { clock, retry: { clock } });
    const list = (authorization: string) =>
      fetch(`${emulator.url}/api/2.2/jobs/list`, { headers: { authorization } }).then((r) => r.status);
    const first = await provider.authorization();
    expect(await list(first)).toBe(200);
    const before = emulator.requests.length;
    time += 600_000; // the token's whole lifetime
    expect(await list(first)).toBe(403); // the workspace no longer accepts it
    const second = await provider.authorization();
    expect(second).not.toBe(first);
    expect(await list(second)).toBe(200);
    expect(calls(before).filter((c) => !c.includes('/api/'))).toEqual([
      'GET /__github/idtoken 200',
      'POST /oidc/v1/token 200',
    ]);
  });

  it('verifies the signature, the expiry and the issuer of the presented token', async () => {
    const endpoint = `${emulator.url}/oidc/v1/token`;
    const exchange = async (jwt: string) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          subject_token: jwt,
          scope: 'all-apis',
          client_id: SP,
        }).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const good = emulator.github.signIdToken(STAGING, endpoint);
    expect((await exchange(good)).status).toBe(200);

    const expired = emulator.github.signIdToken(STAGING, endpoint, -10);
    expect(await exchange(expired)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The token has expired.' },
    });

    // the same signature over claims someone edited: the subject of another environment made to look like staging
    const other = emulator.github.signIdToken(FEATURE_BRANCH, endpoint).split('.');
    const forgedClaims = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(other[1], 'base64url').toString()), sub: STAGING }),
    ).toString('base64url');
    expect((await exchange([other[0], forgedClaims, other[2]].join('.'))).body.error_description).toBe(
      'The token signature does not verify against the issuer JWKS.',
    );

    const foreignIssuer = [
      Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ iss: 'https://token.actions.githubusercontent.com', sub: STAGING })).toString(
        'base64url',
      ),
      'c2ln',
    ].join('.');
    expect((await exchange(foreignIssuer)).body.error_description).toBe(
      `No federation policy of ${SP} trusts issuer https://token.actions.githubusercontent.com.`,
    );
  });

  it("answers 401 to GitHub's ID-token endpoint without the job's request token", async () => {
    const response = await fetch(`${emulator.github.idTokenRequestUrl}&audience=x`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(response.status).toBe(401);
  });
});

describe('basic auth against the emulator', () => {
  it('accepts the user and password, and refuses a wrong password', async () => {
    const env = {
      DATABRICKS_HOST: emulator.url,
      DATABRICKS_USERNAME: 'ci-user',
      DATABRICKS_PASSWORD: 'ci-password-secret',
    };
    await expect(client(env).workspace.getStatus('/Repos')).resolves.toMatchObject({ object_type: 'DIRECTORY' });
    const wrong = await client({ ...env, DATABRICKS_PASSWORD: 'nope' })
      .workspace.getStatus('/Repos')
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

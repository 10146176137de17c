import { DatabricksClient } from './client.js';
import { Unauthenticated } from './errors.js';
import { OAuthM2MProvider } from './oauth.js';
import {
  recordingClock,
  startScriptedServer,
  type ScriptedServer,
  type SeenRequest,
} from './testing/scripted-server.js';

const SECRET = 'sp-client-secret-xyz';

/** A token endpoint that issues `token-1`, `token-2`, … each valid for `expiresIn` seconds. */
function oauthServer(expiresIn: number) {
  let issued = 0;
  return (r: SeenRequest) => {
    if (r.url === '/oidc/.well-known/oauth-authorization-server') {
      return { status: 200, body: JSON.stringify({ token_endpoint: `http://${r.headers.host}/oidc/v1/token` }) };
    }
    if (r.url === '/oidc/v1/token') {
      const [id, secret] = Buffer.from(String(r.headers.authorization).replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (id !== 'sp-1' || secret !== SECRET) {
        return {
          status: 401,
          body: JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' }),
        };
      }
      issued++;
      return {
        status: 200,
        body: JSON.stringify({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: expiresIn }),
      };
    }
    return { status: 200, body: JSON.stringify({ auth: r.headers.authorization }) };
  };
}

describe('OAuth M2M', () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('discovers the token endpoint once, posts client_credentials with Basic auth, caches the token', async () => {
    server = await startScriptedServer(oauthServer(3600));
    const provider = new OAuthM2MProvider({ host: server.url, clientId: 'sp-1', clientSecret: SECRET });
    expect(await provider.authorization()).toBe('Bearer token-1');
    expect(await provider.authorization()).toBe('Bearer token-1');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /oidc/.well-known/oauth-authorization-server',
      'POST /oidc/v1/token',
    ]);
    expect(server.requests[1].body.toString()).toBe('grant_type=client_credentials&scope=all-apis');
    expect(server.requests[1].headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('fetches a new token before the old one expires, and shares one request between concurrent callers', async () => {
    server = await startScriptedServer(oauthServer(600));
    const clock = recordingClock();
    const provider = new OAuthM2MProvider({ host: server.url, clientId: 'sp-1', clientSecret: SECRET, clock });
    const first = await Promise.all([provider.authorization(), provider.authorization(), provider.authorization()]);
    expect(first).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    await clock.sleep(539_000); // 600 s lifetime, renewed 60 s early
    expect(await provider.authorization()).toBe('Bearer token-1');
    await clock.sleep(1_000);
    expect(await provider.authorization()).toBe('Bearer token-2');
    expect(server.requests.filter((r) => r.url === '/oidc/v1/token')).toHaveLength(2);
  });

  it('is what the client sends when the config holds a client id and secret', async () => {
    server = await startScriptedServer(oauthServer(3600));
    const client = DatabricksClient.fromEnvironment({
      host: server.url,
      clientId: 'sp-1',
      clientSecret: SECRET,
      env: {},
    });
    await expect(client.api.json({ method: 'GET', path: '/api/2.0/echo' })).resolves.toEqual({
      auth: 'Bearer token-1',
    });
    expect(client.api.userAgent).toMatch(/ auth\/oauth-m2m$/);
  });

  it('names the client (never the secret) when the token endpoint refuses it', async () => {
    server = await startScriptedServer(oauthServer(3600));
    const provider = new OAuthM2MProvider({ host: server.url, clientId: 'sp-1', clientSecret: 'wrong-secret-value' });
    const error = (await provider.authorization().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Unauthenticated);
    expect(error).toMatchObject({ code: 'OAUTH_FAILED', status: 401 });
    expect(error.message).toContain('refused client sp-1 (invalid_client: Client authentication failed)');
    expect(JSON.stringify(error) + error.message).not.toContain('wrong-secret-value');
  });

  it('says when the host publishes no token endpoint', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: '{}' }));
    const provider = new OAuthM2MProvider({ host: server.url, clientId: 'sp-1', clientSecret: SECRET });
    await expect(provider.authorization()).rejects.toThrow(
      /names no token_endpoint; is http:\/\/127\.0\.0\.1:\d+ a Databricks workspace\?/,
    );
  });
});

describe('token requests are retried like API calls', () => {
  let server: ScriptedServer;
  afterEach(async () => server?.close());

  it('retries 503, 429 (after Retry-After) and a dropped connection, then gets the token', async () => {
    const script = oauthServer(3600);
    let tokenCalls = 0;
    server = await startScriptedServer((r) => {
      if (r.url !== '/oidc/v1/token') return script(r);
      tokenCalls++;
      if (tokenCalls === 1) return { status: 503, body: JSON.stringify({ error: 'temporarily_unavailable' }) };
      if (tokenCalls === 2) return { status: 429, body: '', headers: { 'retry-after': '7' } };
      if (tokenCalls === 3) return 'drop';
      return script(r);
    });
    const clock = recordingClock();
    const client = DatabricksClient.fromEnvironment({
      host: server.url,
      clientId: 'sp-1',
      clientSecret: SECRET,
      env: {},
      retry: { clock, jitterMs: 0 },
    });
    await expect(client.api.json({ method: 'GET', path: '/api/2.0/echo' })).resolves.toEqual({
      auth: 'Bearer token-1',
    });
    expect(clock.sleeps).toEqual([1000, 7000, 3000]);
  });

  it('gives up after about a minute of refused connections with an authentication error that says so', async () => {
    // a port that was just free: nothing listens there, every connection is refused
    const gone = await startScriptedServer(() => ({ status: 200 }));
    await gone.close();
    server = await startScriptedServer((r) =>
      r.url === '/oidc/.well-known/oauth-authorization-server'
        ? { status: 200, body: JSON.stringify({ token_endpoint: `${gone.url}/oidc/v1/token` }) }
        : { status: 404 },
    );
    const clock = recordingClock();
    const provider = new OAuthM2MProvider({
      host: server.url,
      clientId: 'sp-1',
      clientSecret: SECRET,
      retry: { clock, jitterMs: 0 },
    });
    const error = (await provider.authorization().catch((e: unknown) => e)) as Unauthenticated;
    expect(error).toBeInstanceOf(Unauthenticated);
    expect(error.code).toBe('OAUTH_FAILED');
    // 1 + 2 + … + 10 = 55 s slept; one more 10 s step would pass the 60 s budget
    expect(clock.sleeps).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
    expect(error.message).toContain('(ECONNREFUSED) (gave up after 11 attempts in 55 s)');
    expect(error.message).not.toContain(SECRET);
  });

  it('does not retry a refusal of the client (401)', async () => {
    server = await startScriptedServer(oauthServer(3600));
    const clock = recordingClock();
    const provider = new OAuthM2MProvider({
      host: server.url,
      clientId: 'sp-1',
      clientSecret: 'wrong',
      retry: { clock },
    });
    await expect(provider.authorization()).rejects.toThrow(/refused client sp-1/);
    expect(clock.sleeps).toEqual([]);
  });
});

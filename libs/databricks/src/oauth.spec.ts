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
  afterEach(async () => server.close());

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

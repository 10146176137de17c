import type { Credentials } from './config.js';
import { DatabricksCliProvider } from './databricks-cli.js';
import { GitHubOidcProvider, OAuthM2MProvider, type OAuthRequestOptions } from './oauth.js';

/** Produces the `Authorization` header for each request (a fixed token, or a renewed OAuth token). */
export interface CredentialsProvider {
  readonly kind: Credentials['kind'];
  authorization(signal?: AbortSignal): Promise<string>;
}

export class PatProvider implements CredentialsProvider {
  readonly kind = 'pat' as const;
  readonly #header: string;

  constructor(token: string) {
    this.#header = `Bearer ${token}`;
  }

  async authorization(): Promise<string> {
    return this.#header;
  }
}

/** HTTP Basic with a workspace user's name and password (`basic`; legacy, but the SDKs still speak it). */
export class BasicProvider implements CredentialsProvider {
  readonly kind = 'basic' as const;
  readonly #header: string;

  constructor(username: string, password: string) {
    this.#header = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  async authorization(): Promise<string> {
    return this.#header;
  }
}

/** The provider for resolved credentials; `oauth` tunes token requests (retries, clock, renewal). */
export function credentialsProvider(
  host: string,
  credentials: Credentials,
  oauth: OAuthRequestOptions = {},
): CredentialsProvider {
  switch (credentials.kind) {
    case 'pat':
      return new PatProvider(credentials.token.reveal());
    case 'basic':
      return new BasicProvider(credentials.username, credentials.password.reveal());
    case 'oauth-m2m':
      return new OAuthM2MProvider({
        ...oauth,
        host,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret.reveal(),
      });
    case 'github-oidc':
      return new GitHubOidcProvider({
        ...oauth,
        host,
        ...(credentials.clientId ? { clientId: credentials.clientId } : {}),
        idTokenRequestUrl: credentials.idTokenRequestUrl,
        idTokenRequestToken: credentials.idTokenRequestToken.reveal(),
        ...(credentials.audience ? { audience: credentials.audience } : {}),
      });
    case 'databricks-cli':
      return new DatabricksCliProvider({
        host,
        cliPath: credentials.cliPath,
        ...(oauth.clock ? { clock: oauth.clock } : {}),
      });
  }
}

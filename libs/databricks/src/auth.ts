import type { Credentials } from './config.js';
import { OAuthM2MProvider, type OAuthM2MOptions } from './oauth.js';

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

export function credentialsProvider(
  host: string,
  credentials: Credentials,
  oauth: Omit<OAuthM2MOptions, 'host' | 'clientId' | 'clientSecret'> = {},
): CredentialsProvider {
  if (credentials.kind === 'pat') return new PatProvider(credentials.token.reveal());
  return new OAuthM2MProvider({
    ...oauth,
    host,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret.reveal(),
  });
}

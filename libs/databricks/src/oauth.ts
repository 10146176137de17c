import { ClientErrorCode, DatabricksNetworkError, Unauthenticated, parseErrorBody } from './errors.js';
import { systemClock, type Clock } from './retry.js';

export interface OAuthM2MOptions {
  host: string;
  clientId: string;
  clientSecret: string;
  /** Renew this long before the token expires (capped at half its lifetime). @defaultValue 60 000 */
  renewBeforeMs?: number;
  /** Timeout of one discovery or token request. @defaultValue 30 000 */
  requestTimeoutMs?: number;
  clock?: Clock;
}

interface CachedToken {
  header: string;
  renewAt: number;
}

/**
 * OAuth machine-to-machine for a service principal: discover the token endpoint from
 * `{host}/oidc/.well-known/oauth-authorization-server`, then `client_credentials` with HTTP Basic auth.
 * There is no refresh token, so a new token is fetched before the current one runs out; concurrent
 * callers share one in-flight request.
 */
export class OAuthM2MProvider {
  readonly kind = 'oauth-m2m' as const;
  readonly #options: Required<Omit<OAuthM2MOptions, 'clock'>> & { clock: Clock };
  #tokenEndpoint?: string;
  #cached?: CachedToken;
  #inFlight?: Promise<CachedToken>;

  constructor(options: OAuthM2MOptions) {
    this.#options = {
      host: options.host,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      renewBeforeMs: options.renewBeforeMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      clock: options.clock ?? systemClock,
    };
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    const now = this.#options.clock.now();
    if (this.#cached && now < this.#cached.renewAt) return this.#cached.header;
    this.#inFlight ??= this.#fetchToken(signal).finally(() => {
      this.#inFlight = undefined;
    });
    this.#cached = await this.#inFlight;
    return this.#cached.header;
  }

  async #post(url: string, init: RequestInit, what: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const timeout = AbortSignal.timeout(this.#options.requestTimeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      throw new DatabricksNetworkError(ClientErrorCode.network, `OAuth M2M: could not reach ${what} at ${url}.`, {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      const parsed = parseErrorBody(text);
      const detail = [parsed.errorCode, parsed.message].filter(Boolean).join(': ') || `HTTP ${response.status}`;
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `OAuth M2M: ${what} at ${url} refused client ${this.#options.clientId} (${detail}). ` +
          'Check DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET and that the service principal has a secret.',
        { status: response.status, errorCode: parsed.errorCode },
      );
    }
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Unauthenticated(ClientErrorCode.oauthFailed, `OAuth M2M: ${what} at ${url} did not answer JSON.`, {
        status: response.status,
      });
    }
  }

  async #discover(signal?: AbortSignal): Promise<string> {
    if (this.#tokenEndpoint) return this.#tokenEndpoint;
    const url = `${this.#options.host}/oidc/.well-known/oauth-authorization-server`;
    const metadata = await this.#post(url, { method: 'GET' }, 'token endpoint discovery', signal);
    const endpoint = metadata['token_endpoint'];
    if (typeof endpoint !== 'string' || endpoint === '') {
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `OAuth M2M: ${url} names no token_endpoint; is ${this.#options.host} a Databricks workspace?`,
      );
    }
    this.#tokenEndpoint = endpoint;
    return endpoint;
  }

  async #fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    const endpoint = await this.#discover(signal);
    const basic = Buffer.from(`${this.#options.clientId}:${this.#options.clientSecret}`).toString('base64');
    const json = await this.#post(
      endpoint,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=all-apis',
      },
      'the token endpoint',
      signal,
    );
    const token = json['access_token'];
    if (typeof token !== 'string' || token === '') {
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `OAuth M2M: ${endpoint} answered without an access_token.`,
      );
    }
    const type = typeof json['token_type'] === 'string' ? (json['token_type'] as string) : 'Bearer';
    const lifetimeMs = (typeof json['expires_in'] === 'number' ? json['expires_in'] : 3600) * 1000;
    const renewBefore = Math.min(this.#options.renewBeforeMs, lifetimeMs / 2);
    return {
      header: `${type.toLowerCase() === 'bearer' ? 'Bearer' : type} ${token}`,
      renewAt: this.#options.clock.now() + lifetimeMs - renewBefore,
    };
  }
}

import { ClientErrorCode, DatabricksNetworkError, Unauthenticated, parseErrorBody } from './errors.js';
import {
  abortError,
  backoffDelayMs,
  defaultRetryPolicy,
  isRetriableStatus,
  isTransientNetworkCode,
  networkErrorCode,
  retryAfterMs,
  type Clock,
  type RetryPolicy,
} from './retry.js';
import { TokenCache, bearerHeader, type IssuedToken } from './token-cache.js';

/** Settings shared by the OAuth providers (token endpoint discovery, retries, renewal). */
export interface OAuthRequestOptions {
  /** Renew this long before the token expires (capped at half its lifetime). @defaultValue 60 000 */
  renewBeforeMs?: number;
  /** Timeout of one discovery, ID-token or token request. @defaultValue 30 000 */
  requestTimeoutMs?: number;
  /**
   * Retries of token requests (429, 503, refused or reset connections, timeouts), as for API calls but with the
   * Go SDK's one-minute budget. Tests inject the clock. @defaultValue deadline 60 000, else {@link defaultRetryPolicy}
   */
  retry?: Partial<RetryPolicy>;
  /** Clock for token renewal (and the retries, unless `retry.clock` is given). */
  clock?: Clock;
}

export interface OAuthM2MOptions extends OAuthRequestOptions {
  host: string;
  clientId: string;
  clientSecret: string;
}

/** A failed attempt at a token request, and whether trying again may help. */
interface AttemptFailure {
  transient: boolean;
  status?: number;
  /** What to say: `HTTP 503`, `invalid_client: Client authentication failed`, `ECONNREFUSED`. */
  detail: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Discovery, ID-token and token requests with the API retry policy: 429 and 503 (after `Retry-After`), refused
 * and reset connections and timeouts are retried until the budget is spent; then, or on any other refusal, the
 * caller's `refused` message becomes an authentication error. Token requests are safe to repeat.
 */
class TokenEndpointClient {
  readonly policy: RetryPolicy;
  readonly #timeoutMs: number;

  constructor(options: OAuthRequestOptions) {
    this.policy = {
      ...defaultRetryPolicy,
      deadlineMs: 60_000,
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.retry,
    };
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async json(
    url: string,
    init: RequestInit,
    refused: (failure: { status?: number; detail: string; attempts: number; elapsedS: number }) => string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { clock } = this.policy;
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      const outcome = await this.#attempt(url, init, signal);
      if (outcome.ok) return outcome.json;
      const result = outcome.failure;
      const delay = result.transient ? (result.retryAfterMs ?? backoffDelayMs(attempt, this.policy)) : undefined;
      const elapsed = clock.now() - started;
      if (delay === undefined || elapsed + delay > this.policy.deadlineMs) {
        throw new Unauthenticated(
          ClientErrorCode.oauthFailed,
          refused({
            status: result.status,
            detail: result.detail,
            attempts: attempt,
            elapsedS: Math.round(elapsed / 1000),
          }),
          { ...(result.status !== undefined ? { status: result.status } : {}), attempts: attempt, cause: result.cause },
        );
      }
      await clock.sleep(delay, signal);
    }
  }

  async #attempt(
    url: string,
    init: RequestInit,
    signal?: AbortSignal,
  ): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; failure: AttemptFailure }> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      const code = timeout.aborted ? 'REQUEST_TIMEOUT' : networkErrorCode(error);
      const detail =
        code === 'REQUEST_TIMEOUT' ? `timed out after ${this.#timeoutMs / 1000} s` : (code ?? String(error));
      const cause = new DatabricksNetworkError(ClientErrorCode.network, `${url} failed (${detail}).`, { cause: error });
      return { ok: false, failure: { transient: isTransientNetworkCode(code), detail, cause } };
    }
    if (!response.ok) {
      const parsed = parseErrorBody(text);
      const detail = [parsed.errorCode, parsed.message].filter(Boolean).join(': ') || `HTTP ${response.status}`;
      return {
        ok: false,
        failure: {
          transient: isRetriableStatus(response.status),
          status: response.status,
          detail,
          retryAfterMs: retryAfterMs(response.headers.get('retry-after'), Date.now()),
        },
      };
    }
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json))
        return { ok: true, json: json as Record<string, unknown> };
    } catch {
      // answered below
    }
    return {
      ok: false,
      failure: { transient: false, status: response.status, detail: 'the answer is not a JSON object' },
    };
  }

  /** `{host}/oidc/.well-known/oauth-authorization-server` → `token_endpoint`. */
  async discover(host: string, what: string, signal?: AbortSignal): Promise<string> {
    const url = `${host}/oidc/.well-known/oauth-authorization-server`;
    const metadata = await this.json(
      url,
      { method: 'GET' },
      (f) => `${what}: token endpoint discovery at ${url} failed (${f.detail})${gaveUp(f)}.`,
      signal,
    );
    const endpoint = metadata['token_endpoint'];
    if (typeof endpoint !== 'string' || endpoint === '') {
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `${what}: ${url} names no token_endpoint; is ${host} a Databricks workspace?`,
      );
    }
    return endpoint;
  }
}

function gaveUp(f: { attempts: number; elapsedS: number }): string {
  return f.attempts > 1 ? ` (gave up after ${f.attempts} attempts in ${f.elapsedS} s)` : '';
}

/** The token of a token endpoint's answer, or an authentication error naming the endpoint. */
function issuedToken(json: Record<string, unknown>, endpoint: string, what: string): IssuedToken {
  const token = json['access_token'];
  if (typeof token !== 'string' || token === '') {
    throw new Unauthenticated(ClientErrorCode.oauthFailed, `${what}: ${endpoint} answered without an access_token.`);
  }
  const expiresIn = Number(json['expires_in']);
  return {
    header: bearerHeader(json['token_type'], token),
    lifetimeMs: (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000,
  };
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * OAuth machine-to-machine for a service principal: discover the token endpoint from
 * `{host}/oidc/.well-known/oauth-authorization-server`, then `client_credentials` with HTTP Basic auth.
 * There is no refresh token, so a new token is fetched before the current one runs out; concurrent
 * callers share one in-flight request.
 */
export class OAuthM2MProvider {
  readonly kind = 'oauth-m2m' as const;
  readonly #options: OAuthM2MOptions;
  readonly #requests: TokenEndpointClient;
  readonly #cache: TokenCache;
  #tokenEndpoint?: string;

  constructor(options: OAuthM2MOptions) {
    this.#options = options;
    this.#requests = new TokenEndpointClient(options);
    this.#cache = new TokenCache(options.clock ?? this.#requests.policy.clock, options.renewBeforeMs ?? 60_000);
  }

  authorization(signal?: AbortSignal): Promise<string> {
    return this.#cache.get(() => this.#fetchToken(signal));
  }

  async #fetchToken(signal?: AbortSignal): Promise<IssuedToken> {
    const what = 'OAuth M2M';
    this.#tokenEndpoint ??= await this.#requests.discover(this.#options.host, what, signal);
    const endpoint = this.#tokenEndpoint;
    const { clientId, clientSecret } = this.#options;
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const json = await this.#requests.json(
      endpoint,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=all-apis',
      },
      (f) =>
        `${what}: the token endpoint at ${endpoint} refused client ${clientId} (${f.detail})${gaveUp(f)}. ` +
        'Check DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET and that the service principal has a secret.',
      signal,
    );
    return issuedToken(json, endpoint, what);
  }
}

export interface GitHubOidcOptions extends OAuthRequestOptions {
  host: string;
  /** The service principal's application id; absent for account-wide federation. */
  clientId?: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_URL`. */
  idTokenRequestUrl: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
  idTokenRequestToken: string;
  /** @defaultValue the workspace token endpoint URL */
  audience?: string;
}

/** The claims of a JWT that help a user fix a federation policy (never the token itself). */
function claimsOf(jwt: string): { sub?: string; iss?: string; aud?: string } {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : undefined);
    return { sub: text(payload['sub']), iss: text(payload['iss']), aud: text(payload['aud']) };
  } catch {
    return {};
  }
}

/**
 * `github-oidc` (workload identity federation): asks GitHub Actions for an ID token for the workspace's audience
 * and exchanges it at the workspace token endpoint (RFC 8693) for a short-lived Databricks token. Nothing
 * long-lived is stored in GitHub; the service principal's federation policy decides which repository,
 * environment or branch may sign in. The token is renewed with a fresh ID token before it expires.
 */
export class GitHubOidcProvider {
  readonly kind = 'github-oidc' as const;
  readonly #options: GitHubOidcOptions;
  readonly #requests: TokenEndpointClient;
  readonly #cache: TokenCache;
  #tokenEndpoint?: string;

  constructor(options: GitHubOidcOptions) {
    this.#options = options;
    this.#requests = new TokenEndpointClient(options);
    this.#cache = new TokenCache(options.clock ?? this.#requests.policy.clock, options.renewBeforeMs ?? 60_000);
  }

  authorization(signal?: AbortSignal): Promise<string> {
    return this.#cache.get(() => this.#fetchToken(signal));
  }

  async #idToken(audience: string, signal?: AbortSignal): Promise<string> {
    const base = this.#options.idTokenRequestUrl;
    const url = `${base}${base.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
    const shown = base.replace(/\?.*$/, '');
    const json = await this.#requests.json(
      url,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${this.#options.idTokenRequestToken}`, accept: 'application/json' },
      },
      (f) =>
        `github-oidc: GitHub's ID-token endpoint ${shown} refused the request (${f.detail})${gaveUp(f)}. ` +
        'The job needs `permissions: id-token: write`.',
      signal,
    );
    const value = json['value'];
    if (typeof value !== 'string' || value === '') {
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `github-oidc: ${shown} answered without an ID token ("value").`,
      );
    }
    return value;
  }

  async #fetchToken(signal?: AbortSignal): Promise<IssuedToken> {
    const what = 'github-oidc';
    this.#tokenEndpoint ??= await this.#requests.discover(this.#options.host, what, signal);
    const endpoint = this.#tokenEndpoint;
    const audience = this.#options.audience ?? endpoint;
    const jwt = await this.#idToken(audience, signal);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      subject_token: jwt,
      scope: 'all-apis',
      ...(this.#options.clientId ? { client_id: this.#options.clientId } : {}),
    });
    const claims = claimsOf(jwt);
    const json = await this.#requests.json(
      endpoint,
      { method: 'POST', headers: { 'content-type': FORM }, body: form.toString() },
      (f) =>
        `github-oidc: the token endpoint at ${endpoint} refused the GitHub token (${f.detail})${gaveUp(f)}: ` +
        `issuer ${claims.iss ?? '?'}, subject ${claims.sub ?? '?'}, audience ${claims.aud ?? audience}. ` +
        `Check the federation policy of service principal ${this.#options.clientId ?? '(account-wide)'} ` +
        '(docs/operations.md, "GitHub OIDC federation").',
      signal,
    );
    return issuedToken(json, endpoint, what);
  }
}

import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './api-error.js';
import { readBody, type Reply, type Router } from './routing.js';
import { FederationPolicies, type FederationPolicy } from './token-exchange.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface ServicePrincipal {
  clientId: string;
  clientSecret: string;
}

/** A workspace user who may sign in with HTTP Basic auth (the SDKs' `basic` method). */
export interface BasicUser {
  userName: string;
  password: string;
}

export interface AuthOptions {
  /** Personal access tokens accepted as `Authorization: Bearer <token>`. */
  tokens: string[];
  /** Users accepted with `Authorization: Basic …`. */
  basicUsers?: BasicUser[];
  /** Service principals that may get OAuth tokens (client credentials). */
  servicePrincipals?: ServicePrincipal[];
  /** Federation policies under which a signed OIDC token (GitHub Actions) is exchanged for a workspace token. */
  federationPolicies?: FederationPolicy[];
  /** Lifetime of an issued OAuth token. @defaultValue 3600 */
  oauthTokenLifetimeSeconds?: number;
  /** The time tokens expire against (tests move it). @defaultValue Date.now */
  now?: () => number;
}

/**
 * Authentication as the workspace does it: no or malformed credentials → 401, an unknown token or wrong password →
 * 403 "Invalid access token.". Also the OAuth endpoints (discovery; `client_credentials` for service principals;
 * RFC 8693 `token-exchange` of a signed OIDC token under a federation policy), whose tokens are accepted until
 * they expire.
 */
export class EmulatorAuth {
  readonly #tokens: Set<string>;
  readonly #users: BasicUser[];
  readonly #principals: ServicePrincipal[];
  readonly #lifetimeSeconds: number;
  readonly #issued = new Map<string, number>();
  readonly #now: () => number;
  readonly #federation: FederationPolicies;

  constructor(options: AuthOptions) {
    this.#tokens = new Set(options.tokens);
    this.#users = options.basicUsers ?? [];
    this.#principals = options.servicePrincipals ?? [];
    this.#lifetimeSeconds = options.oauthTokenLifetimeSeconds ?? 3600;
    this.#now = options.now ?? Date.now;
    this.#federation = new FederationPolicies(options.federationPolicies ?? [], this.#now);
  }

  check(headers: IncomingHttpHeaders): void {
    const header = headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
    if (basic !== undefined) {
      const text = Buffer.from(basic, 'base64').toString();
      const colon = text.indexOf(':');
      const [user, password] = [text.slice(0, colon), text.slice(colon + 1)];
      if (colon > 0 && this.#users.some((u) => u.userName === user && u.password === password)) return;
      throw new ApiError(401, 'UNAUTHENTICATED', 'Invalid username or password.');
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.');
    }
    if (this.#tokens.has(token)) return;
    const expires = this.#issued.get(token);
    if (expires !== undefined && this.#now() < expires) return;
    // The service's exact answer: a numeric error_code, unlike its other errors.
    throw new ApiError(403, 403, 'Invalid access token.');
  }

  /** Adds the unauthenticated `/oidc/...` routes. */
  register(router: Router, baseUrl: () => string): void {
    router.add('GET', '/oidc/.well-known/oauth-authorization-server', () => ({
      status: 200,
      json: {
        issuer: `${baseUrl()}/oidc`,
        authorization_endpoint: `${baseUrl()}/oidc/v1/authorize`,
        token_endpoint: `${baseUrl()}/oidc/v1/token`,
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', TOKEN_EXCHANGE],
      },
    }));
    router.add('POST', '/oidc/v1/token', async (ctx) =>
      this.#token(ctx.headers, (await readBody(ctx.request)).toString(), `${baseUrl()}/oidc/v1/token`),
    );
  }

  async #token(headers: IncomingHttpHeaders, body: string, tokenEndpoint: string): Promise<Reply> {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') === TOKEN_EXCHANGE) {
      const outcome = await this.#federation.exchange(form, tokenEndpoint);
      if ('error' in outcome) return { status: 400, json: outcome };
      return this.#issue(form.get('scope'));
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        json: {
          error: 'unsupported_grant_type',
          error_description: `Only client_credentials and ${TOKEN_EXCHANGE} are supported.`,
        },
      };
    }
    const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const [clientId, clientSecret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const known = this.#principals.some((p) => p.clientId === clientId && p.clientSecret === clientSecret);
    if (!known) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    }
    return this.#issue(form.get('scope'));
  }

  #issue(scope: string | null): Reply {
    const token = `eyJ-emulator-${randomBytes(16).toString('hex')}`;
    this.#issued.set(token, this.#now() + this.#lifetimeSeconds * 1000);
    return {
      status: 200,
      json: {
        access_token: token,
        token_type: 'Bearer',
        expires_in: this.#lifetimeSeconds,
        scope: scope ?? 'all-apis',
      },
    };
  }
}

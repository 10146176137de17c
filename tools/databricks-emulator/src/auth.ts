import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './api-error.js';
import { readBody, type Reply, type Router } from './routing.js';

export interface ServicePrincipal {
  clientId: string;
  clientSecret: string;
}

export interface AuthOptions {
  /** Personal access tokens accepted as `Authorization: Bearer <token>`. */
  tokens: string[];
  /** Service principals that may get OAuth tokens (client credentials). */
  servicePrincipals?: ServicePrincipal[];
  /** Lifetime of an issued OAuth token. @defaultValue 3600 */
  oauthTokenLifetimeSeconds?: number;
}

/**
 * Bearer-token authentication as the workspace does it: no or malformed credentials → 401, an unknown
 * token → 403 "Invalid access token.". Also the OAuth M2M endpoints (discovery and `client_credentials`),
 * whose tokens are accepted until they expire.
 */
export class EmulatorAuth {
  readonly #tokens: Set<string>;
  readonly #principals: ServicePrincipal[];
  readonly #lifetimeSeconds: number;
  readonly #issued = new Map<string, number>();

  constructor(options: AuthOptions) {
    this.#tokens = new Set(options.tokens);
    this.#principals = options.servicePrincipals ?? [];
    this.#lifetimeSeconds = options.oauthTokenLifetimeSeconds ?? 3600;
  }

  check(headers: IncomingHttpHeaders): void {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    if (!token) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.');
    }
    if (this.#tokens.has(token)) return;
    const expires = this.#issued.get(token);
    if (expires !== undefined && Date.now() < expires) return;
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
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
      },
    }));
    router.add('POST', '/oidc/v1/token', async (ctx) =>
      this.#token(ctx.headers, (await readBody(ctx.request)).toString()),
    );
  }

  #token(headers: IncomingHttpHeaders, body: string): Reply {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        json: { error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported.' },
      };
    }
    const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const [clientId, clientSecret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const known = this.#principals.some((p) => p.clientId === clientId && p.clientSecret === clientSecret);
    if (!known) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    }
    const token = `eyJ-emulator-${randomBytes(16).toString('hex')}`;
    this.#issued.set(token, Date.now() + this.#lifetimeSeconds * 1000);
    return {
      status: 200,
      json: {
        access_token: token,
        token_type: 'Bearer',
        expires_in: this.#lifetimeSeconds,
        scope: form.get('scope') ?? 'all-apis',
      },
    };
  }
}

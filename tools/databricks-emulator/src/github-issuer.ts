import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { Reply, Router } from './routing.js';

/** A GitHub Actions job as the stand-in knows it: the request token the runner gives it, and its OIDC subject. */
export interface GitHubJob {
  /** What the runner puts in `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
  requestToken: string;
  /** The `sub` claim, e.g. `repo:acme/fraudops:environment:staging`. */
  subject: string;
}

export interface GitHubIssuerOptions {
  jobs: GitHubJob[];
  /** Lifetime of an ID token. @defaultValue 300 (GitHub's are short-lived too) */
  idTokenLifetimeSeconds?: number;
  now: () => number;
}

/** Path prefix of the stand-in; its issuer URL is `<emulator url>/__github`. */
export const GITHUB_ISSUER_PATH = '/__github';

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * A stand-in for GitHub's OIDC provider (`https://token.actions.githubusercontent.com`) with a key pair of its own:
 * the OpenID discovery document, the JWKS, and the ID-token endpoint a job calls with `ACTIONS_ID_TOKEN_REQUEST_URL`
 * and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (answer `{"count": …, "value": "<jwt>"}`), signing RS256 tokens with `iss`,
 * `sub`, `aud`, `exp`, `iat`, `nbf` and the repository claims GitHub sends.
 */
export class GitHubIssuerStandIn {
  readonly #privateKey: KeyObject;
  readonly #publicJwk: Record<string, unknown>;
  readonly #kid = randomUUID();
  readonly #options: GitHubIssuerOptions;
  issued = 0;

  constructor(options: GitHubIssuerOptions) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    this.#publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: this.#kid, alg: 'RS256', use: 'sig' };
    this.#options = options;
  }

  /** `ACTIONS_ID_TOKEN_REQUEST_URL` of a job (GitHub's carries `api-version`, so the SDKs append with `&`). */
  static requestUrl(baseUrl: string): string {
    return `${baseUrl}${GITHUB_ISSUER_PATH}/idtoken?api-version=2.0`;
  }

  /** Adds the stand-in's unauthenticated routes (bearer auth of the workspace does not apply under `/__github/`). */
  register(router: Router, baseUrl: () => string): void {
    const issuer = () => `${baseUrl()}${GITHUB_ISSUER_PATH}`;
    router.add('GET', `${GITHUB_ISSUER_PATH}/.well-known/openid-configuration`, () => ({
      status: 200,
      json: {
        issuer: issuer(),
        jwks_uri: `${issuer()}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
    }));
    router.add('GET', `${GITHUB_ISSUER_PATH}/.well-known/jwks`, () => ({
      status: 200,
      json: { keys: [this.#publicJwk] },
    }));
    router.add('GET', `${GITHUB_ISSUER_PATH}/idtoken`, (ctx) => {
      const presented = /^Bearer\s+(\S+)$/i.exec(ctx.headers.authorization ?? '')?.[1];
      const job = this.#options.jobs.find((j) => j.requestToken === presented);
      if (!job) return { status: 401, json: { message: 'Bad credentials' } } satisfies Reply;
      const audience =
        ctx.query.get('audience') ?? `https://github.com/${job.subject.split(':')[1]?.split('/')[0] ?? ''}`;
      return { status: 200, json: { count: 1, value: this.sign(issuer(), job.subject, audience) } };
    });
  }

  /** An ID token as GitHub would issue it (tests also make ones with other claims, e.g. an expired one). */
  sign(issuer: string, subject: string, audience: string, lifetimeSeconds?: number): string {
    const now = Math.floor(this.#options.now() / 1000);
    const [, repository = '', kind, value] = /^repo:([^:]+)(?::([^:]+):(.*))?$/.exec(subject) ?? [];
    const header = { alg: 'RS256', typ: 'JWT', kid: this.#kid };
    const claims = {
      jti: randomUUID(),
      iss: issuer,
      sub: subject,
      aud: audience,
      iat: now,
      nbf: now - 5,
      exp: now + (lifetimeSeconds ?? this.#options.idTokenLifetimeSeconds ?? 300),
      repository,
      repository_owner: repository.split('/')[0],
      ...(kind === 'environment' ? { environment: value } : {}),
      ...(kind === 'ref' ? { ref: value } : {}),
    };
    const data = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    this.issued++;
    return `${data}.${base64url(sign('RSA-SHA256', Buffer.from(data), this.#privateKey))}`;
  }
}

import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { GITHUB_ISSUER_PATH } from './github-issuer.js';

/**
 * A service principal's federation policy: which OIDC tokens it accepts instead of a secret. As on Databricks,
 * the token's issuer, subject and audience must all match; the signature is checked against the issuer's JWKS.
 */
export interface FederationPolicy {
  /** The service principal's application id; the exchanged token acts as it. */
  clientId: string;
  /** @defaultValue the emulator's GitHub stand-in (`<url>/__github`) */
  issuer?: string;
  /** e.g. `repo:acme/fraudops:environment:staging`. */
  subject: string;
  /** @defaultValue the workspace token endpoint URL (what the SDKs ask GitHub for) */
  audiences?: string[];
}

type Refusal = { error: string; error_description: string };

const refuse = (error: string, description: string): Refusal => ({ error, error_description: description });

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies OIDC tokens presented at `/oidc/v1/token` (RFC 8693 token exchange) against the policies. */
export class FederationPolicies {
  readonly #jwks = new Map<string, Promise<JsonWebKey[]>>();

  constructor(
    private readonly policies: FederationPolicy[],
    private readonly now: () => number,
  ) {}

  async #keys(issuer: string): Promise<JsonWebKey[]> {
    let keys = this.#jwks.get(issuer);
    if (!keys) {
      keys = (async () => {
        const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
          jwks_uri: string;
        };
        const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: JsonWebKey[] };
        return jwks.keys;
      })();
      keys.catch(() => this.#jwks.delete(issuer));
      this.#jwks.set(issuer, keys);
    }
    return keys;
  }

  /** The client id the token may act as, or an OAuth error body saying what did not match. */
  async exchange(form: URLSearchParams, tokenEndpoint: string): Promise<{ clientId: string } | Refusal> {
    if (form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:jwt') {
      return refuse('invalid_request', 'subject_token_type must be urn:ietf:params:oauth:token-type:jwt.');
    }
    const jwt = form.get('subject_token') ?? '';
    const [headerPart, payloadPart, signaturePart] = jwt.split('.');
    const header = decodePart(headerPart);
    const claims = decodePart(payloadPart);
    if (!header || !claims || !signaturePart) return refuse('invalid_request', 'subject_token is not a JWT.');
    if (header['alg'] !== 'RS256')
      return refuse('invalid_grant', `Unsupported signing algorithm ${String(header['alg'])}.`);

    const standIn = `${new URL(tokenEndpoint).origin}${GITHUB_ISSUER_PATH}`;
    const clientId = form.get('client_id') ?? undefined;
    const issuer = typeof claims['iss'] === 'string' ? claims['iss'] : '';
    const candidates = this.policies.filter(
      (p) => (p.issuer ?? standIn) === issuer && (clientId === undefined || p.clientId === clientId),
    );
    if (candidates.length === 0) {
      return refuse(
        'invalid_grant',
        `No federation policy${clientId ? ` of ${clientId}` : ''} trusts issuer ${issuer}.`,
      );
    }

    // The signature first: nothing else in an unsigned or forged token can be believed.
    let keys: JsonWebKey[];
    try {
      keys = await this.#keys(issuer);
    } catch {
      return refuse('invalid_grant', `Could not fetch the JWKS of issuer ${issuer}.`);
    }
    const key = keys.find((k) => k['kid'] === header['kid']);
    const signed = Buffer.from(`${headerPart}.${payloadPart}`);
    if (
      !key ||
      !verify('RSA-SHA256', signed, createPublicKey({ key, format: 'jwk' }), Buffer.from(signaturePart, 'base64url'))
    ) {
      return refuse('invalid_grant', 'The token signature does not verify against the issuer JWKS.');
    }

    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims['exp'] !== 'number' || claims['exp'] <= nowSeconds)
      return refuse('invalid_grant', 'The token has expired.');
    if (typeof claims['nbf'] === 'number' && claims['nbf'] > nowSeconds + 60) {
      return refuse('invalid_grant', 'The token is not valid yet.');
    }
    const audiences = Array.isArray(claims['aud']) ? (claims['aud'] as unknown[]) : [claims['aud']];
    const subject = claims['sub'];
    for (const policy of candidates) {
      const accepted = policy.audiences ?? [tokenEndpoint];
      if (policy.subject === subject && audiences.some((a) => typeof a === 'string' && accepted.includes(a))) {
        return { clientId: policy.clientId };
      }
    }
    const subjectMatches = candidates.some((p) => p.subject === subject);
    return refuse(
      'invalid_grant',
      subjectMatches
        ? `The token audience ${audiences.join(', ')} is not one the federation policy accepts.`
        : `The token subject ${String(subject)} does not match the federation policy.`,
    );
  }
}

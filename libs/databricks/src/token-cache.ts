import type { Clock } from './retry.js';

/** A token as an issuer hands it out: the `Authorization` header value and how long it is good for. */
export interface IssuedToken {
  header: string;
  lifetimeMs: number;
}

/** `Bearer <token>` whatever the case of the `token_type` the issuer sent. */
export function bearerHeader(tokenType: unknown, token: string): string {
  const type = typeof tokenType === 'string' && tokenType !== '' ? tokenType : 'Bearer';
  return `${type.toLowerCase() === 'bearer' ? 'Bearer' : type} ${token}`;
}

/**
 * Keeps one short-lived token and fetches the next one before it runs out (at most half its lifetime early);
 * concurrent callers share one in-flight request.
 */
export class TokenCache {
  #cached?: { header: string; renewAt: number };
  #inFlight?: Promise<{ header: string; renewAt: number }>;

  constructor(
    private readonly clock: Clock,
    private readonly renewBeforeMs: number,
  ) {}

  async get(fetchToken: () => Promise<IssuedToken>): Promise<string> {
    if (this.#cached && this.clock.now() < this.#cached.renewAt) return this.#cached.header;
    this.#inFlight ??= fetchToken()
      .then(({ header, lifetimeMs }) => ({
        header,
        renewAt: this.clock.now() + lifetimeMs - Math.min(this.renewBeforeMs, lifetimeMs / 2),
      }))
      .finally(() => {
        this.#inFlight = undefined;
      });
    this.#cached = await this.#inFlight;
    return this.#cached.header;
  }
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ScoringError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks a presented secret against a set of accepted ones in time that does not depend on where (or
 * whether) they differ: both sides are hashed to equal length and every accepted key is compared.
 */
export function createSecretMatcher(accepted: readonly string[]): (presented: string) => boolean {
  const digests = accepted.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let matched = false;
    for (const d of digests) matched = timingSafeEqual(d, candidate) || matched;
    return matched;
  };
}

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

/** `Authorization: Bearer <key>` against `API_KEYS`; a no-op when no keys are configured. */
export function requireApiKey(apiKeys: readonly string[]): RequestHandler {
  if (apiKeys.length === 0) return (_req, _res, next) => next();
  const matches = createSecretMatcher(apiKeys);
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (token !== undefined && matches(token)) return next();
    res.setHeader('www-authenticate', 'Bearer realm="fraudops-scoring"');
    next(
      new ScoringError(
        'UNAUTHORIZED',
        token === undefined ? 'Send an API key as "Authorization: Bearer <key>".' : 'The API key is not valid.',
      ),
    );
  };
}

/** `Authorization: Bearer <ADMIN_TOKEN>`; admin routes answer 403 when no token is configured. */
export function requireAdminToken(adminToken: string | undefined): RequestHandler {
  const matches = adminToken ? createSecretMatcher([adminToken]) : undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!matches)
      return next(
        new ScoringError('FORBIDDEN', 'Admin routes are disabled: set ADMIN_TOKEN (or send SIGHUP to reload).'),
      );
    const token = bearerToken(req);
    if (token !== undefined && matches(token)) return next();
    next(new ScoringError('FORBIDDEN', 'Admin routes need "Authorization: Bearer <ADMIN_TOKEN>".'));
  };
}

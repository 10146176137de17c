import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's `x-request-id` when it is a plain token, else a fresh UUID. */
    id: string;
    /** A child logger that stamps every line with the request id. */
    log: Logger;
  }
}

// A caller-supplied id is reused only when it is short and plain, so it cannot inject into logs.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route template (`/v2/models/:name/infer`), never the raw URL, so metric labels stay bounded. */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/**
 * Gives each request an id (echoed as `x-request-id`), a child logger, an access-log line on completion,
 * and its share of the request metrics.
 */
export function requestContext(logger: Logger, metrics: ServiceMetrics): RequestHandler {
  // Label-bound metric children, one per (route, method, status): no label hashing per request.
  const counters = new Map<string, { count: () => void; observe: (seconds: number) => void }>();
  const instruments = (route: string, method: string, status: number) => {
    const key = `${route} ${method} ${status}`;
    let found = counters.get(key);
    if (!found) {
      const counter = metrics.requests.labels({ route, method, status: String(status) });
      const histogram = metrics.requestDuration.labels({ route, method });
      found = { count: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
      counters.set(key, found);
    }
    return found;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.headers['x-request-id'];
    const id = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
    req.id = id;
    // Most requests never log: the child logger is made on first use.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: () => (child ??= logger.child({ request_id: id })) });
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      const instrument = instruments(route, req.method, res.statusCode);
      instrument.count();
      instrument.observe(seconds);
      const line = { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e6) / 1e3, aborted: !res.writableFinished };
      // Successes are the bulk of traffic and stay at debug; client mistakes are worth an info line. A probe's
      // 503 (not ready yet: warming up, or no model) is the probe's answer, not a failure.
      const probe = route === '/readyz' || route.startsWith('/v2/health');
      if (res.statusCode >= 500 && !(probe && res.statusCode === 503)) req.log.error(line, 'request failed');
      else if (probe && res.statusCode === 503) req.log.debug(line, 'not ready');
      else if (res.statusCode >= 400) req.log.info(line, 'request rejected');
      else if (logger.isLevelEnabled('debug')) req.log.debug(line, 'request');
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}

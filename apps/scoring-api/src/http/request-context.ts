import { randomUUID } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import type { ServiceMetrics, Tally } from '../metrics.js';

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
// eslint-disable-next-line max-lines-per-function -- the per-request hot path (ids, timing, metrics, access log) closes over label-bound metric children built once
export function requestContext(logger: Logger, metrics: ServiceMetrics): RequestHandler {
  // Label-bound metric children, one per (route, method, status): no label hashing per request.
  const counters = new Map<string, Instrument>();
  const instruments = (route: string, method: string, status: number): Instrument => {
    const key = `${route} ${method} ${status}`;
    let found = counters.get(key);
    if (!found) {
      const histogram = metrics.requestDuration.labels({ route, method });
      found = {
        count: metrics.tally(metrics.requests, { route, method, status: String(status) }),
        observe: (seconds) => histogram.observe(seconds),
      };
      counters.set(key, found);
    }
    return found;
  };
  // Successes are the bulk of traffic and stay at debug (no line is even built at info); client mistakes are
  // worth an info line. A probe's 503 (not ready yet: warming up, or no model) is the probe's answer, not a failure.
  const levelOf = (route: string, status: number): 'error' | 'info' | 'debug' => {
    const probe = route === '/readyz' || route.startsWith('/v2/health');
    return status >= 500 && !(probe && status === 503)
      ? 'error'
      : probe && status === 503
        ? 'debug'
        : status >= 400
          ? 'info'
          : 'debug';
  };
  const accessLog = (req: Request, res: Response, route: string, level: Level, seconds: number) => {
    if (!logger.isLevelEnabled(level)) return;
    const status = res.statusCode;
    const line = {
      method: req.method,
      route,
      status,
      ms: Math.round(seconds * 1e6) / 1e3,
      aborted: !res.writableFinished,
    };
    const message =
      level === 'error'
        ? 'request failed'
        : level === 'info'
          ? 'request rejected'
          : status === 503
            ? 'not ready'
            : 'request';
    req.log[level](line, message);
  };
  // The last request's route, method and status, with what they select: traffic comes in runs of the same
  // answer (POST /v1/score, 200), which then costs no label string and no map lookup.
  let last:
    | ({ route: unknown; baseUrl: string; method: string; status: number; label: string; level: Level } & Instrument)
    | undefined;
  function onClose(this: Response): void {
    const req = this.req;
    metrics.requestsInFlight.count--;
    const seconds = (performance.now() - this[STARTED]) / 1e3;
    const route: unknown = req.route;
    const method = req.method;
    const status = this.statusCode;
    if (
      last === undefined ||
      route !== last.route ||
      req.baseUrl !== last.baseUrl ||
      method !== last.method ||
      status !== last.status
    ) {
      const label = routeLabel(req);
      last = {
        route,
        baseUrl: req.baseUrl,
        method,
        status,
        label,
        level: levelOf(label, status),
        ...instruments(label, method, status),
      };
    }
    last.count();
    last.observe(seconds);
    accessLog(req, this, last.label, last.level, seconds);
  }
  let gettersInstalled: object | undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    // Most requests never log: the child logger is made on first use, by a getter on the app's request prototype
    // (defining one on every request would turn each request object into a slow dictionary). The request id
    // is read back from the response header the same way: a property added to every request would grow its
    // property store each time.
    const prototype = Object.getPrototypeOf(req) as object;
    if (gettersInstalled !== prototype) {
      Object.defineProperty(prototype, 'log', {
        configurable: true,
        enumerable: false,
        get(this: Request & { [CHILD_LOGGER]?: Logger }) {
          return (this[CHILD_LOGGER] ??= logger.child({ request_id: this.id }));
        },
      });
      Object.defineProperty(prototype, 'id', {
        configurable: true,
        enumerable: false,
        get(this: Request) {
          return String(this.res?.getHeader('x-request-id') ?? '');
        },
      });
      gettersInstalled = prototype;
    }
    const offered = req.headers['x-request-id'];
    res.setHeader(
      'x-request-id',
      typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID(),
    );
    res[STARTED] = performance.now();
    metrics.requestsInFlight.count++;
    // 'close' comes after 'finish' on a completed response and alone on an aborted one: one listener sees both.
    // It is one function for every request (no closure, no `once` wrapper per request).
    res.on('close', onClose);
    next();
  };
}

type Level = 'error' | 'info' | 'debug';

/** One (route, method, status) series of the request metrics. */
interface Instrument {
  count: Tally;
  observe: (seconds: number) => void;
}

/** When the request arrived (`performance.now()`), kept on its response. */
const STARTED = Symbol('request started');

/**
 * The server's response class (`createServer({ ServerResponse })`): the same response with its arrival time
 * declared when it is made, so that stamping it costs a plain store. A property added to a response after
 * Node and Express filled it grows its property store on every request; the context works either way.
 */
export class TimedResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  [STARTED] = 0;
}

declare module 'express-serve-static-core' {
  interface Response {
    [STARTED]: number;
  }
}

/** Where a request keeps its child logger once made. */
const CHILD_LOGGER = Symbol('request logger');

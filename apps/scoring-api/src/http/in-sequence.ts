import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs `handlers` in order as one Express handler — what `app.post(path, a, b, c)` does, without a route layer
 * and a dispatch step for each of them on the hot path. A handler passes on with `next()`; `next(error)`, a
 * throw or a rejected promise goes to the app's error handling. (`next('route')` is not supported: the handlers
 * on the hot path never skip.)
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (handler === undefined) return next();
      try {
        const returned: unknown = handler(req, res, step);
        if (returned instanceof Promise) returned.then(undefined, next);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

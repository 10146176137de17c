import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ScoringError, errorBody } from '../errors.js';
import { bodyParserError } from './json-body.js';

/** Unknown routes: a JSON 404 instead of Express's HTML page. */
export function notFound(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    next(new ScoringError('NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 200)}.`));
  };
}

/**
 * The last middleware: our errors keep their status; parser errors become 400/413/415; anything else is
 * a bug, logged with its stack and answered 500 with the request id (and no internals).
 */
export function errorHandler(limitBytes: number) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let known = error instanceof ScoringError ? error : bodyParserError(error, limitBytes);
    if (!known) {
      (req.log ?? console).error({ err: error }, 'unexpected error');
      known = new ScoringError('INTERNAL', `Internal error; quote request id ${req.id} when reporting it.`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body the client is still sending after a 413 would otherwise keep the socket busy.
    if (known.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
    res.status(known.status).json(errorBody(known, req.id));
  };
}

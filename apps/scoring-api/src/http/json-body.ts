import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ScoringError } from '../errors.js';

/**
 * JSON request bodies: a body is required, must be sent as `application/json` (or a `+json` type) and
 * stay under the size limit. Parser failures are turned into our error codes by {@link bodyParserError}.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (!hasBody) return next(new ScoringError('INVALID_REQUEST', 'The request body is empty: send a JSON object.'));
    // The everyday header is exactly `application/json`; any other goes through content-type matching.
    if (req.headers['content-type'] !== 'application/json' && !req.is(['application/json', '+json'])) {
      return next(
        new ScoringError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with "Content-Type: application/json".'),
      );
    }
    parse(req, res, next);
  };
}

/** body-parser signals failures through `type`; this maps them to ours, or returns undefined for other errors. */
export function bodyParserError(error: unknown, limitBytes: number): ScoringError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new ScoringError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limitBytes} bytes.`);
    case 'entity.parse.failed':
      return new ScoringError('MALFORMED_JSON', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
      return new ScoringError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported Content-Encoding: send the body uncompressed (identity).',
      );
    case 'charset.unsupported':
      return new ScoringError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported charset: send the body as UTF-8.');
    case 'request.aborted':
      return new ScoringError('INVALID_REQUEST', 'The request was aborted before its body was complete.');
    case 'request.size.invalid':
      return new ScoringError('INVALID_REQUEST', 'The request body length does not match Content-Length.');
    default: {
      // Other client-side read failures (a gzip body that does not inflate, …) come as http-errors 4xx.
      const status = (error as { status?: unknown; expose?: unknown } | null)?.status;
      const exposed = (error as { expose?: unknown } | null)?.expose === true;
      if (exposed && typeof status === 'number' && status >= 400 && status < 500) {
        return new ScoringError(
          'INVALID_REQUEST',
          'The request body could not be read (is its Content-Encoding right?).',
        );
      }
      return undefined;
    }
  }
}

import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { IncomingMessage } from 'node:http';
import { ScoringError } from '../errors.js';

/**
 * The server's request class (`createServer({ IncomingMessage })`): the same request with `body` declared when
 * it is made, so that storing the parsed body costs a plain store instead of growing the request's property
 * store on every request. Bodies are read the same either way.
 */
export class BodyRequest extends IncomingMessage {
  body: unknown = undefined;
}

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
    // The everyday request — exactly `application/json`, uncompressed, with a length within the limit — is read
    // by `readPlainJson`; any other goes through content-type matching and body-parser, which knows charsets,
    // compression and chunked bodies.
    if (req.headers['content-type'] === 'application/json') {
      if (req.headers['content-encoding'] === undefined && req.headers['transfer-encoding'] === undefined) {
        const bytes = length !== undefined && PLAIN_LENGTH.test(length) ? Number(length) : Number.NaN;
        if (bytes <= limitBytes) return readPlainJson(req, bytes, next);
      }
    } else if (!req.is(['application/json', '+json'])) {
      return next(
        new ScoringError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with "Content-Type: application/json".'),
      );
    }
    parse(req, res, next);
  };
}

const PLAIN_LENGTH = /^[0-9]{1,15}$/;

/** Whether the first character after JSON whitespace, from `start`, opens an object or an array. */
function opensContainer(text: string, start: number): boolean {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}

/** A body-parser-shaped failure (`type`, `status`), so that {@link bodyParserError} maps it like body-parser's own. */
function readFailure(type: string, message: string): Error {
  return Object.assign(new Error(message), { type, status: 400, expose: true });
}

/**
 * Reads a UTF-8 JSON body of `bytes` bytes (a `Content-Length` within the limit) and parses it as body-parser's
 * strict `express.json` would: into `req.body`, an object or array (a leading byte-order mark dropped), or the
 * failures body-parser reports — `entity.parse.failed` for JSON it would refuse, `request.size.invalid` when
 * the body is longer or shorter than announced, `request.aborted` when the client goes away. It adds three
 * listeners where body-parser's stream reader adds seven, and decodes the bytes once.
 */
function readPlainJson(req: Request, bytes: number, next: NextFunction): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    req.removeListener('data', onData);
    // Drain what is left, as body-parser does, so that the error answer can still be written.
    req.resume();
    next(error);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > bytes) fail(readFailure('request.size.invalid', 'request size did not match content length'));
    else chunks.push(chunk);
  };
  req.on('data', onData);
  req.on('error', () => fail(readFailure('request.aborted', 'request aborted')));
  req.on('end', () => {
    if (settled) return;
    if (received !== bytes)
      return fail(readFailure('request.size.invalid', 'request size did not match content length'));
    settled = true;
    const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)).toString('utf8');
    // strict, as body-parser: an object or an array, after any whitespace (and a byte-order mark, dropped).
    const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let body: unknown;
    try {
      if (!opensContainer(text, start)) throw new SyntaxError('the body is not a JSON object or array');
      body = JSON.parse(start === 0 ? text : text.slice(start));
    } catch (error) {
      return next(readFailure('entity.parse.failed', (error as Error).message));
    }
    req.body = body;
    next();
  });
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

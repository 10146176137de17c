import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { inSequence } from './in-sequence.js';

describe('inSequence', () => {
  let server: Server;
  let base: string;
  const ran: string[] = [];

  beforeAll(async () => {
    const app = express();
    const mark =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        ran.push(name);
        next();
      };
    const answer: RequestHandler = (_req, res) => {
      ran.push('answer');
      res.json({ ok: true });
    };
    app.get('/ok', inSequence([mark('a'), mark('b'), answer]));
    app.get('/passed', inSequence([(_req, _res, next) => next(new Error('passed on')), answer]));
    app.get(
      '/thrown',
      inSequence([
        mark('a'),
        () => {
          throw new Error('thrown');
        },
        answer,
      ]),
    );
    app.get('/rejected', inSequence([async () => Promise.reject(new Error('rejected')), answer]));
    app.get('/falls-through', inSequence([mark('a')]), answer);
    const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
      res.status(500).json({ error: error.message });
    };
    app.use(onError);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => ran.splice(0));

  const get = async (path: string) => {
    const response = await fetch(base + path);
    return { status: response.status, body: await response.json() };
  };

  it('runs the handlers in order until one answers', async () => {
    expect(await get('/ok')).toEqual({ status: 200, body: { ok: true } });
    expect(ran).toEqual(['a', 'b', 'answer']);
  });

  it('hands next(error), a throw and a rejected promise to the error handler, skipping the rest', async () => {
    expect(await get('/passed')).toEqual({ status: 500, body: { error: 'passed on' } });
    expect(await get('/thrown')).toEqual({ status: 500, body: { error: 'thrown' } });
    expect(await get('/rejected')).toEqual({ status: 500, body: { error: 'rejected' } });
    expect(ran).toEqual(['a']);
  });

  it('passes on to the next route handler when every handler called next()', async () => {
    expect(await get('/falls-through')).toEqual({ status: 200, body: { ok: true } });
    expect(ran).toEqual(['a', 'answer']);
  });
});

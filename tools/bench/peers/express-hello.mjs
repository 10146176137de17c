// The framework ceiling for `npm run bench -- scoring`: an Express 5 hello-world on the same machine.
// POST /hello parses the same JSON body as /v1/score (express.json) and answers a small JSON object;
// GET /hello answers without a body. Usage: node express-hello.mjs <port>
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: '10mb' }));
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
app.post('/hello', (req, res) => {
  res.json({ hello: 'world', received: Array.isArray(req.body?.transactions) ? req.body.transactions.length : 0 });
});
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const port = Number(process.argv[2] ?? 8602);
app.listen(port, '127.0.0.1', () => process.stdout.write(`express-hello listening on ${port}\n`));

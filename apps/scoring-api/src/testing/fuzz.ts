/** A seeded generator (mulberry32): the same seed gives the same fuzz corpus on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  path: string;
  /** Raw body bytes or text, exactly as sent. */
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** What kind of malformation it is (for failure messages). */
  kind: string;
}

// Values JSON can carry that break some rule of the contract, as JSON text.
const BAD_VALUES = [
  'null',
  'true',
  'false',
  '""',
  '"x"',
  '-1',
  '-0.5',
  '1.5',
  '1e308',
  '-1e308',
  '1e400',
  '-1e400',
  '[]',
  '{}',
  '[1,2]',
  '{"a":1}',
  '"2018-13-45T99:99:99Z"',
  '"💳🚨"',
  '"\\u0000\\u0001"',
  '"\\ud800"',
  '9007199254740993',
  '18446744073709551616',
  `"${'A'.repeat(5000)}"`,
  '"NaN"',
  '"Infinity"',
  '0.1e-320',
  '"1970-01-01"',
  '"9999-12-31T23:59:59Z"',
  '253402300800',
];
// Tokens that make the whole body invalid JSON.
const INVALID_TOKENS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  "'single'",
  '01',
  '.5',
  '+1',
  '0x10',
  '1.',
  '"unterminated',
  '\u0000',
];
const FIELDS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount'];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'image/png',
  'application/jsonx',
  '',
];

/**
 * `count` malformed requests: wrong types, huge numbers, NaN/Infinity, deep nesting, unicode and lone
 * surrogates, missing and extra fields, prototype keys, truncation, random bytes, wrong content types and
 * encodings — spread over the POST endpoints.
 */
export function malformedRequests(count: number, seed: number, options: { now: number; apiKey: string }): FuzzCase[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (n: number) => Math.floor(random() * n);
  const json = { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` };
  let nextId = 1;
  const transaction = () => {
    const fields: Record<string, string> = {
      transaction_id: String(900_000_000 + nextId++),
      tx_datetime: String(options.now - int(1000)),
      customer_id: String(int(100)),
      terminal_id: String(int(100)),
      tx_amount: (random() * 500).toFixed(2),
    };
    return fields;
  };
  const object = (fields: Record<string, string>) =>
    `{${Object.entries(fields)
      .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
      .join(',')}}`;
  const score = (items: string[]) => `{"transactions":[${items.join(',')}]}`;
  const deep = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);

  const makers: Array<() => Omit<FuzzCase, 'headers'> & { headers?: Record<string, string> }> = [
    () => {
      const tx = transaction();
      tx[pick(FIELDS)] = pick(BAD_VALUES);
      return { kind: 'bad field value', path: '/v1/score', body: score([object(tx)]) };
    },
    () => {
      const tx = transaction();
      delete tx[pick(FIELDS)];
      return { kind: 'missing field', path: '/v1/score', body: score([object(tx)]) };
    },
    () => {
      const tx = transaction();
      tx[pick(['extra', '__proto__', 'constructor', 'prototype', 'tx_fraud', '💳', ''])] = pick(BAD_VALUES);
      return { kind: 'extra field', path: '/v1/score', body: score([object(tx)]) };
    },
    () => ({
      kind: 'invalid JSON token',
      path: '/v1/score',
      body: score([object({ ...transaction(), tx_amount: pick(INVALID_TOKENS) })]),
    }),
    () => {
      const text = score([object(transaction()), object(transaction())]);
      return { kind: 'truncated JSON', path: '/v1/score', body: text.slice(0, int(text.length)) };
    },
    () => ({
      kind: 'deep nesting',
      path: pick(['/v1/score', '/v1/feedback']),
      body: `{"transactions":${deep(500 + int(5_000), '[', ']')}}`,
    }),
    () => {
      const depth = 500 + int(5_000);
      return {
        kind: 'deep object nesting',
        path: '/v1/score',
        body: `{"transactions":[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]}`,
      };
    },
    () => ({
      kind: 'top-level not an object',
      path: pick(['/v1/score', '/v1/feedback', '/v2/models/fraud-detector/infer']),
      body: pick(['[]', '1', '"text"', 'null', 'true', '[{"transactions":[]}]']),
    }),
    () => ({ kind: 'transactions not an array', path: '/v1/score', body: `{"transactions":${pick(BAD_VALUES)}}` }),
    () => ({
      kind: 'random bytes',
      path: pick(['/v1/score', '/v1/feedback']),
      body: Uint8Array.from({ length: 1 + int(400) }, () => int(256)),
    }),
    () => ({
      kind: 'unicode noise',
      path: '/v1/score',
      body: `{"transactions":[{"transaction_id":"${'\u202e\ud83d\udcb3\u0000'.repeat(1 + int(50))}"}]}`,
    }),
    () => {
      const ids = Array.from({ length: 1 + int(5) }, () => pick([...BAD_VALUES, '12']));
      return {
        kind: 'bad feedback',
        path: '/v1/feedback',
        body: `{"labels":[${ids.map((id) => `{"transaction_id":${id},"is_fraud":${pick(['true', '2', '"yes"', 'null', '1'])}}`).join(',')}]}`,
      };
    },
    () => {
      const rows = int(4);
      const shape = pick([`[${rows},15]`, `[${rows},14]`, '[-1,15]', '[1e9,15]', '[1]', '"x"', `[${rows},15,1]`]);
      const data = pick([
        '[]',
        `[${Array.from({ length: rows * 15 }, () => pick(['0', '1e400', '-1e400', '"a"', 'null', '3.5'])).join(',')}]`,
        '[[1,2],[3]]',
        '{}',
      ]);
      return {
        kind: 'bad tensor',
        path: '/v2/models/fraud-detector/infer',
        body: `{"inputs":[{"name":"${pick(['features', 'x', ''])}","shape":${shape},"datatype":"${pick(['FP32', 'FP64', 'INT64', 'BYTES'])}","data":${data}}]}`,
      };
    },
    () => ({
      kind: 'wrong content type',
      path: pick(['/v1/score', '/v1/feedback']),
      body: score([object(transaction())]),
      headers: { authorization: json.authorization, 'content-type': pick(CONTENT_TYPES) },
    }),
    () => ({
      kind: 'bogus content encoding',
      path: '/v1/score',
      body: score([object(transaction())]),
      headers: { ...json, 'content-encoding': pick(['gzip', 'deflate', 'br', 'compress', 'x-custom']) },
    }),
    () => ({ kind: 'too many transactions', path: '/v1/score', body: score(new Array(10_001).fill('{}')) }),
    () => ({
      kind: 'huge array of numbers',
      path: '/v2/models/fraud-detector/infer',
      body: `{"inputs":[{"name":"features","shape":[2,15],"datatype":"FP32","data":[${new Array(20_000).fill('1').join(',')}]}]}`,
    }),
  ];
  // Bodies over the 1 MiB limit cost real upload time: one case in 500 is enough to prove the 413.
  const oversize = () => ({
    kind: 'oversize body',
    path: pick(['/v1/score', '/v1/feedback', '/v2/models/fraud-detector/infer']),
    body: `{"transactions":["${'x'.repeat(1_100_000)}"]}`,
  });
  return Array.from({ length: count }, (_, i) => {
    const made = i % 500 === 499 ? oversize() : makers[int(makers.length)]();
    return { ...made, headers: (made as { headers?: Record<string, string> }).headers ?? json };
  });
}

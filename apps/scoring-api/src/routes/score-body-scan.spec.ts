import { isPlainContractTransaction } from '@fraudops/transactions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransactionColumns } from '../features/feature-pipeline.js';
import { contractAdapter } from '../runtime.js';
import { seedChampion } from '../smoke/seed-champion.js';
import { seededRandom } from '../testing/fuzz.js';
import { closeRawConnections, rawRequest, startTestServer, type TestServer } from '../testing/harness.js';
import { ScoreBodyScanner } from './score-body-scan.js';
import { isPlainScoreBody } from './score.js';

const MAX_BATCH = 6;

/** What the route made of a body before the scanner: `JSON.parse` as the body reader does, the plain check, `readInto`. */
function parsedPath(bytes: Buffer, maxBatch: number) {
  const text = bytes.toString('utf8');
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let body: unknown;
  try {
    if (!/^[ \t\n\r]*[{[]/.test(text.slice(start))) return undefined;
    body = JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
  if (!isPlainScoreBody(body, isPlainContractTransaction, maxBatch)) return undefined;
  const n = body.transactions.length;
  const columns: TransactionColumns = {
    keys: new Float64Array(n),
    times: new Float64Array(n),
    customers: new Float64Array(n),
    terminals: new Float64Array(n),
    amounts: new Float64Array(n),
  };
  body.transactions.forEach((tx, i) => contractAdapter.readInto(tx, columns, i));
  return {
    columns,
    ids: body.transactions.map((tx) => contractAdapter.idOf(tx)),
    explain: body.explain,
  };
}

/** A JSON number's text in a random one of its forms: sign, leading zero, fraction, exponent, many digits. */
function numberText(random: () => number): string {
  const digits = (count: number) =>
    Array.from({ length: count }, (_, i) => String(Math.floor(random() * 10) || (i === 0 ? 1 : 0))).join('');
  const sign = random() < 0.1 ? '-' : '';
  const whole = random() < 0.2 ? '0' : digits(1 + Math.floor(random() * 18));
  const fraction = random() < 0.5 ? `.${digits(1 + Math.floor(random() * 20))}` : '';
  const exponent =
    random() < 0.3
      ? `${random() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(random() * 3)]}${digits(1 + Math.floor(random() * 3))}`
      : '';
  return `${sign}${whole}${fraction}${exponent}`;
}

/** Text JSON.parse refuses, or values of the wrong type. */
const BROKEN_NUMBERS = ['01', '1.', '.5', '-', '1e', '1e+', '+1', '0x10', 'NaN', 'Infinity', '1_000', '--1'];
const WRONG_TYPES = ['null', 'true', 'false', '[]', '{}', '"x"', '""', '"2024-01-02T03:04:05Z"', '[1]', '{"a":1}'];
const STRING_IDS = [
  '"tx-1"',
  '"A"',
  '"card 42"',
  '"tx\\u0041"',
  '"tx\\"q"',
  '"\u00e9t\u00e9"',
  '"\ud83d\udcb3"',
  '"a\\nb"',
];

interface Generated {
  text: string;
  /** Made in the everyday shape the scanner reads: ASCII, no escapes, no repeated key, no byte-order mark. */
  scannable: boolean;
}

/**
 * A seeded random `POST /v1/score` body: mostly everyday transactions with numbers in every JSON form and
 * whitespace anywhere, some with missing, extra, repeated or misspelled fields, wrong types, escapes, non-ASCII,
 * and bodies broken at the top level (BOM, trailing text, truncation, too many transactions, other keys).
 */
function generateBody(random: () => number, nextId: () => number, newest: number): Generated {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)];
  const ws = () => (random() < 0.75 ? '' : pick([' ', '\n', '\t', '\r\n', '  ', ' \t\n ']));
  let scannable = true;
  // Most bodies are everyday ones (numbers still in many forms); the rest carry mistakes at some rate.
  const rate = pick([0, 0, 0, 0.03, 0.1, 0.3]);
  const value = (field: string): string => {
    const r = random();
    if (r < rate * 0.2) {
      scannable = false;
      return pick(BROKEN_NUMBERS);
    }
    if (r < rate * 0.4) return pick(WRONG_TYPES);
    if (r < rate) return numberText(random);
    if (field.endsWith('_id') && random() < 0.1) {
      const id = pick(STRING_IDS);
      if (id.includes('\\') || /[^\x20-\x7e]/.test(id)) scannable = false;
      return id;
    }
    switch (field) {
      case 'transaction_id':
        return String(nextId());
      case 'tx_datetime':
        return pick([String(newest), `${newest}.5`, `${newest}e0`, `${newest / 10}E1`, `${newest}.000`]);
      case 'customer_id':
      case 'terminal_id':
        return pick([String(Math.floor(random() * 50)), '0', '-0', '7.0', '1e2', '42E+0']);
      case 'tx_amount':
        return pick([
          (Math.floor(random() * 100_000) / 100).toFixed(2),
          '57.16',
          '5716e-2',
          '0.5716E2',
          '57.1600000000000001',
          '0',
          '-0',
          '123456789012.34',
          '0.1',
        ]);
      case 'tx_fraud':
        return pick(['0', '1', '2', '0.0', '1e0']);
      default:
        return pick(['0', '1', '3', '4', '2.0']);
    }
  };
  const fields = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount'];
  const transaction = (): string => {
    const keys = fields.filter(() => random() >= rate * 0.1);
    if (random() < 0.1) keys.push('tx_fraud');
    if (random() < 0.1) keys.push('tx_fraud_scenario');
    if (random() < rate * 0.1) keys.push(pick(['unknown', 'TX_AMOUNT', 'tx_amount ', '__proto__']));
    if (random() < rate * 0.1) {
      keys.push(pick(fields));
      scannable = false;
    }
    if (random() < 0.3) keys.sort(() => random() - 0.5);
    const parts = keys.map((key) => {
      let name = key;
      if (random() < rate * 0.03) {
        name = key.replace('_', '\\u005f');
        scannable = false;
      }
      return `${ws()}"${name}"${ws()}:${ws()}${value(key)}${ws()}`;
    });
    return `{${parts.join(',')}}`;
  };
  const count = random() < 0.05 ? pick([0, MAX_BATCH + 1]) : 1 + Math.floor(random() * MAX_BATCH);
  const transactions = `[${ws()}${Array.from({ length: count }, transaction).join(`${ws()},${ws()}`)}${ws()}]`;
  const members = [`"transactions"${ws()}:${ws()}${transactions}`];
  const top = random();
  if (top < 0.15) members.push(`"explain":${pick(['true', 'false'])}`);
  else if (top < 0.2) members.push(`"explain":${pick(['1', '"true"', '{"top":2}', 'null'])}`);
  else if (top < 0.23) members.push(`"other":1`);
  else if (top < 0.25) members.pop();
  else if (top < 0.27) {
    members.push(members[0]);
    scannable = false;
  }
  if (random() < 0.3) members.reverse();
  let text = `${ws()}{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}${ws()}`;
  const broken = random();
  if (broken < 0.02) {
    text = `\ufeff${text}`;
    scannable = false;
  } else if (broken < 0.04) text += pick(['x', ',', '{}', '\u00a0']);
  else if (broken < 0.06) text = text.slice(0, Math.floor(random() * text.length));
  else if (broken < 0.07) text = `[${text}]`;
  return { text, scannable };
}

function expectSameColumns(actual: TransactionColumns, expected: TransactionColumns): void {
  for (const key of ['keys', 'times', 'customers', 'terminals', 'amounts'] as const) {
    expect(actual[key].length).toBe(expected[key].length);
    // Bit for bit: -0 and 0 differ here, as they would in the state.
    for (let i = 0; i < expected[key].length; i++) expect(Object.is(actual[key][i], expected[key][i])).toBe(true);
  }
}

describe('ScoreBodyScanner', () => {
  it('reads exactly what JSON.parse, the plain check and readInto make of 5,000 seeded random bodies, or leaves the body to them', () => {
    const random = seededRandom(20261207);
    let id = 1_000;
    const scanner = new ScoreBodyScanner(MAX_BATCH);
    let scanned = 0;
    let plain = 0;
    for (let round = 0; round < 5_000; round++) {
      const { text, scannable } = generateBody(random, () => id++, 1_700_000_000 + round);
      const bytes = Buffer.from(text, 'utf8');
      const reference = parsedPath(bytes, MAX_BATCH);
      const result = scanner.scan(bytes);
      if (reference) plain++;
      if (result === undefined) {
        // Every everyday body the JSON.parse path takes as plain, the scanner takes too.
        if (scannable && reference) throw new Error(`the scanner left an everyday body to JSON.parse: ${text}`);
        continue;
      }
      scanned++;
      if (!reference) throw new Error(`the scanner took a body the JSON.parse path does not take as plain: ${text}`);
      expect(result.rows).toBe(reference.ids.length);
      expectSameColumns(result.columns, reference.columns);
      for (let i = 0; i < result.rows; i++) expect(Object.is(result.idOf(i), reference.ids[i])).toBe(true);
      expect(result.explain).toBe(reference.explain);
    }
    // The corpus has plenty of both: bodies the scanner reads, and plain bodies it leaves (escapes, non-ASCII).
    expect(scanned).toBeGreaterThan(1_000);
    expect(plain).toBeGreaterThan(scanned);
  });

  it('converts numbers as JSON.parse does, in every form, and takes string ids as sent', () => {
    const scanner = new ScoreBodyScanner(10);
    const amounts = [
      '0',
      '-0',
      '0.1',
      '0.3',
      '57.16',
      '5716e-2',
      '0.5716E2',
      '57.1600000000000001',
      '123456789012345',
      '1234567890123456789',
      '9007199254740993',
      '1e-7',
      '4.9e-324',
      '1.7976931348623157e308',
      '2.2250738585072014E-308',
      '0.000000000000000000001',
      '99999999999999.99',
      '1E+2',
      '3.141592653589793238462643383279',
    ];
    const body = `{"transactions":[${amounts
      .map(
        (a, i) =>
          `{"transaction_id":${i},"tx_datetime":1.7e9,"customer_id":"c-${i}","terminal_id":${i}.0,"tx_amount":${a}}`,
      )
      .join(',')}]}`.replace('{"transactions"', '{"explain":false,"transactions"');
    const byScan = new ScoreBodyScanner(100).scan(Buffer.from(body));
    expect(scanner.scan(Buffer.from(body))).toBeUndefined(); // more than its batch limit
    const reference = parsedPath(Buffer.from(body), 100);
    if (!byScan || !reference) throw new Error('the everyday body was not read');
    expectSameColumns(byScan.columns, reference.columns);
    expect(Array.from(byScan.columns.amounts)).toEqual(amounts.map(Number));
    expect(byScan.idOf(3)).toBe(3);
    expect(byScan.explain).toBe(false);
    expect(byScan.columns.customers[3]).toBe(contractAdapter.stateId('c-3'));
  });
});

describe('a real service, everyday bodies scanned or parsed', () => {
  const API_KEY = 'test-api-key-0123456789';
  const dir = mkdtempSync(join(tmpdir(), 'scoring-scan-'));
  let server: TestServer;
  let start: number;

  beforeAll(async () => {
    const seeded = await seedChampion({ registry: join(dir, 'registry') });
    start = seeded.endTime + 3_600;
    server = await startTestServer({
      REGISTRY: seeded.registry,
      API_KEYS: API_KEY,
      LATE_TOLERANCE_S: '300',
      MAX_BATCH: String(MAX_BATCH),
    });
  });

  afterAll(async () => {
    closeRawConnections();
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 400 seeded random bodies, and their refusals, as the JSON.parse path answers them', async () => {
    const random = seededRandom(7);
    let id = 2_000_000;
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    for (let round = 0; round < 400; round++) {
      const { text } = generateBody(random, () => id++, start + round * 60);
      // `application/json` exactly: the everyday reader, which scans; with a charset: body-parser and JSON.parse,
      // never scanned. The second of the two is a retry of the first: the same answer, or the same refusal.
      const types = ['application/json', 'application/json; charset=utf-8'];
      if (random() < 0.5) types.reverse();
      const replies = [];
      for (const type of types) {
        const reply = await rawRequest(server.url, 'POST', '/v1/score', text, {
          authorization: `Bearer ${API_KEY}`,
          'content-type': type,
        });
        replies.push({ status: reply.status, text: reply.text.replace(/"request_id":"[^"]*"/, '"request_id":"…"') });
      }
      if (replies[0].status !== replies[1].status || replies[0].text !== replies[1].text) {
        throw new Error(
          `${text}\n${types[0]}: ${JSON.stringify(replies[0])}\n${types[1]}: ${JSON.stringify(replies[1])}`,
        );
      }
      statuses.set(replies[0].status, (statuses.get(replies[0].status) ?? 0) + 1);
      if (replies[0].status !== 200) codes.add((JSON.parse(replies[0].text) as { error: { code: string } }).error.code);
    }
    // Both answers and refusals were compared, the field-by-field ones among them.
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect([...codes].sort()).toEqual(expect.arrayContaining(['INVALID_REQUEST', 'MALFORMED_JSON']));
  });
});

import { FIELD_RULES, TRANSACTION_FIELDS, idFromString } from '@fraudops/transactions';
import type { TransactionColumns } from '../features/feature-pipeline.js';

/**
 * A `POST /v1/score` body read straight into the online state's columns by {@link scanScoreBody}: no object per
 * transaction between the request's bytes and the feature vectors.
 */
export class ScannedScoreBody {
  constructor(
    readonly rows: number,
    /** What the contract adapter's `readInto` writes for each transaction. */
    readonly columns: TransactionColumns,
    /** Row `i`'s id where the client sent it as a string (undefined where it was a number: the key is the id). */
    readonly stringIds: Array<string | undefined> | undefined,
    readonly explain: boolean | undefined,
  ) {}

  /** Row `i`'s transaction id as the client sent it. */
  idOf(row: number): string | number {
    return this.stringIds?.[row] ?? this.columns.keys[row];
  }
}

const problemOf = (field: string) => {
  const rule = FIELD_RULES.find((r) => r.field === field);
  if (!rule) throw new Error(`the contract has no field ${field}`);
  return rule.problem;
};
// The contract's own rules: a value the scanner takes, the contract's fast check and its schema take too.
const idProblem = problemOf('transaction_id');
const datetimeProblem = problemOf('tx_datetime');
const amountProblem = problemOf('tx_amount');
const labelProblem = problemOf('tx_fraud');
const scenarioProblem = problemOf('tx_fraud_scenario');

const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const KEY_TRANSACTIONS = bytesOf('transactions');
const KEY_EXPLAIN = bytesOf('explain');
const TRUE = bytesOf('true');
const FALSE = bytesOf('false');

/** Transaction fields, in the contract's order: field `f` is marked seen by bit `f`. */
const FIELDS = TRANSACTION_FIELDS.map(bytesOf);
const F_ID = TRANSACTION_FIELDS.indexOf('transaction_id');
const F_TIME = TRANSACTION_FIELDS.indexOf('tx_datetime');
const F_CUSTOMER = TRANSACTION_FIELDS.indexOf('customer_id');
const F_TERMINAL = TRANSACTION_FIELDS.indexOf('terminal_id');
const F_AMOUNT = TRANSACTION_FIELDS.indexOf('tx_amount');
const F_LABEL = TRANSACTION_FIELDS.indexOf('tx_fraud');
const F_SCENARIO = TRANSACTION_FIELDS.indexOf('tx_fraud_scenario');
/** The five required fields' bits. */
const REQUIRED = (1 << F_ID) | (1 << F_TIME) | (1 << F_CUSTOMER) | (1 << F_TERMINAL) | (1 << F_AMOUNT);

/** 10^k for k ≤ 22: exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** A scan that met anything outside the plain shape: the body goes the general way. */
const NOT_PLAIN = -1;

/**
 * Reads a `POST /v1/score` body's bytes into columns when it has the everyday shape — an object with
 * `transactions` (1 to `maxBatch` transactions in the contract's everyday form, see `isPlainContractTransaction`)
 * and at most a boolean `explain`, ASCII, each key once, strings without escapes — and returns undefined for
 * anything else, which then goes through `JSON.parse` and the schema (and so gets the same answer or the same
 * refusal, naming the field, as it always did). What it returns is exactly what `JSON.parse`, the fast check and
 * the contract adapter's `readInto` give for the same body: numbers in every JSON form are converted as
 * `JSON.parse` converts them (exactly when they have at most 15 digits and no exponent, by `Number` otherwise),
 * and every value is held to the contract's own rule functions.
 */
export class ScoreBodyScanner {
  private capacity = 0;
  private keys = new Float64Array(0);
  private times = new Float64Array(0);
  private customers = new Float64Array(0);
  private terminals = new Float64Array(0);
  private amounts = new Float64Array(0);
  private stringIds: Array<string | undefined> | undefined;
  private bytes: Uint8Array = new Uint8Array(0);
  private rows = 0;
  /** The value of the last number or string id read. */
  private number = 0;
  private string: string | undefined;

  constructor(private readonly maxBatch: number) {}

  scan(bytes: Uint8Array): ScannedScoreBody | undefined {
    this.bytes = bytes;
    this.rows = 0;
    this.stringIds = undefined;
    let explain: boolean | undefined;
    let sawTransactions = false;
    let p = this.space(0);
    if (bytes[p] !== OPEN_BRACE) return undefined;
    p = this.space(p + 1);
    for (;;) {
      if (bytes[p] !== QUOTE) return undefined;
      if (this.keyIs(p, KEY_TRANSACTIONS)) {
        if (sawTransactions) return undefined;
        sawTransactions = true;
        p = this.afterColon(p + KEY_TRANSACTIONS.length + 2);
        if (p < 0) return undefined;
        p = this.transactions(p);
      } else if (this.keyIs(p, KEY_EXPLAIN)) {
        if (explain !== undefined) return undefined;
        p = this.afterColon(p + KEY_EXPLAIN.length + 2);
        if (p < 0) return undefined;
        if (this.literalAt(p, TRUE)) {
          explain = true;
          p += TRUE.length;
        } else if (this.literalAt(p, FALSE)) {
          explain = false;
          p += FALSE.length;
        } else return undefined;
      } else return undefined;
      if (p < 0) return undefined;
      p = this.space(p);
      if (bytes[p] === COMMA) p = this.space(p + 1);
      else if (bytes[p] === CLOSE_BRACE) break;
      else return undefined;
    }
    if (!sawTransactions || this.space(p + 1) !== bytes.length) return undefined;
    const n = this.rows;
    const columns: TransactionColumns = {
      keys: this.keys.slice(0, n),
      times: this.times.slice(0, n),
      customers: this.customers.slice(0, n),
      terminals: this.terminals.slice(0, n),
      amounts: this.amounts.slice(0, n),
    };
    this.bytes = new Uint8Array(0);
    return new ScannedScoreBody(n, columns, this.stringIds, explain);
  }

  /** The first position from `p` that is not JSON whitespace. */
  private space(p: number): number {
    const bytes = this.bytes;
    for (;;) {
      const c = bytes[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return p;
      p++;
    }
  }

  /** Whether the string at `p` (its opening quote) is exactly `name` (no escapes). */
  private keyIs(p: number, name: Uint8Array): boolean {
    const bytes = this.bytes;
    const end = p + 1 + name.length;
    if (bytes[end] !== QUOTE) return false;
    for (let i = 0; i < name.length; i++) if (bytes[p + 1 + i] !== name[i]) return false;
    return true;
  }

  private literalAt(p: number, literal: Uint8Array): boolean {
    for (let i = 0; i < literal.length; i++) if (this.bytes[p + i] !== literal[i]) return false;
    return true;
  }

  /** The position of the value after a key's closing quote at `p − 1`: whitespace, a colon, whitespace. */
  private afterColon(p: number): number {
    p = this.space(p);
    if (this.bytes[p] !== COLON) return NOT_PLAIN;
    return this.space(p + 1);
  }

  /** Reads the transactions array at `p`; returns the position after it, or {@link NOT_PLAIN}. */
  private transactions(p: number): number {
    const bytes = this.bytes;
    if (bytes[p] !== OPEN_BRACKET) return NOT_PLAIN;
    p = this.space(p + 1);
    for (;;) {
      if (this.rows === this.maxBatch) return NOT_PLAIN;
      p = this.transaction(p);
      if (p < 0) return NOT_PLAIN;
      this.rows++;
      p = this.space(p);
      if (bytes[p] === COMMA) p = this.space(p + 1);
      else if (bytes[p] === CLOSE_BRACKET) return p + 1;
      else return NOT_PLAIN;
    }
  }

  private grow(): void {
    const capacity = Math.min(this.maxBatch, Math.max(64, this.capacity * 2));
    const grown = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.keys = grown(this.keys);
    this.times = grown(this.times);
    this.customers = grown(this.customers);
    this.terminals = grown(this.terminals);
    this.amounts = grown(this.amounts);
    this.capacity = capacity;
  }

  /** Reads one transaction object at `p` into row `rows`; returns the position after it, or {@link NOT_PLAIN}. */
  // eslint-disable-next-line max-lines-per-function -- one pass over a record's keys and values on the hot path
  private transaction(p: number): number {
    const bytes = this.bytes;
    if (bytes[p] !== OPEN_BRACE) return NOT_PLAIN;
    if (this.rows === this.capacity) this.grow();
    const row = this.rows;
    let seen = 0;
    // Fields usually come in the contract's order: the next one is tried first, then every one.
    let field = -1;
    p = this.space(p + 1);
    for (;;) {
      if (bytes[p] !== QUOTE) return NOT_PLAIN;
      field++;
      if (field >= FIELDS.length || !this.keyIs(p, FIELDS[field])) {
        field = -1;
        for (let f = 0; f < FIELDS.length; f++) {
          if (this.keyIs(p, FIELDS[f])) {
            field = f;
            break;
          }
        }
      }
      if (field < 0 || seen & (1 << field)) return NOT_PLAIN;
      seen |= 1 << field;
      p = this.afterColon(p + FIELDS[field].length + 2);
      if (p < 0) return NOT_PLAIN;
      const isId = field === F_ID || field === F_CUSTOMER || field === F_TERMINAL;
      if (bytes[p] === QUOTE && isId) {
        p = this.stringAt(p);
        if (p < 0) return NOT_PLAIN;
        const text = this.string as string;
        const key = idFromString(text);
        if (field === F_ID) {
          (this.stringIds ??= [])[row] = text;
          this.keys[row] = key;
        } else if (field === F_CUSTOMER) this.customers[row] = key;
        else this.terminals[row] = key;
      } else {
        p = this.numberAt(p);
        if (p < 0) return NOT_PLAIN;
        const v = this.number;
        switch (field) {
          case F_ID:
            if (idProblem(v) !== undefined) return NOT_PLAIN;
            this.keys[row] = v;
            if (this.stringIds !== undefined) this.stringIds[row] = undefined;
            break;
          case F_CUSTOMER:
            if (idProblem(v) !== undefined) return NOT_PLAIN;
            this.customers[row] = v;
            break;
          case F_TERMINAL:
            if (idProblem(v) !== undefined) return NOT_PLAIN;
            this.terminals[row] = v;
            break;
          case F_TIME:
            if (datetimeProblem(v) !== undefined) return NOT_PLAIN;
            this.times[row] = v;
            break;
          case F_AMOUNT:
            if (amountProblem(v) !== undefined) return NOT_PLAIN;
            this.amounts[row] = v;
            break;
          case F_LABEL:
            if (labelProblem(v) !== undefined) return NOT_PLAIN;
            break;
          case F_SCENARIO:
            if (scenarioProblem(v) !== undefined) return NOT_PLAIN;
            break;
        }
      }
      p = this.space(p);
      if (bytes[p] === COMMA) p = this.space(p + 1);
      else if (bytes[p] === CLOSE_BRACE) return (seen & REQUIRED) === REQUIRED ? p + 1 : NOT_PLAIN;
      else return NOT_PLAIN;
    }
  }

  /**
   * Reads a non-empty string of printable ASCII without escapes at `p` (its opening quote) into `string`; returns
   * the position after its closing quote, or {@link NOT_PLAIN} (any other string is left to `JSON.parse`).
   */
  private stringAt(p: number): number {
    const bytes = this.bytes;
    const start = p + 1;
    let q = start;
    for (;;) {
      const c = bytes[q];
      if (c === QUOTE) break;
      if (c === undefined || c < 0x20 || c >= 0x80 || c === BACKSLASH) return NOT_PLAIN;
      q++;
    }
    if (q === start) return NOT_PLAIN;
    this.string = String.fromCharCode.apply(null, bytes.subarray(start, q) as unknown as number[]);
    return q + 1;
  }

  /**
   * Reads a JSON number at `p` into `number`, converted as `JSON.parse` converts it; returns the position after
   * it, or {@link NOT_PLAIN} when there is no number there.
   */
  private numberAt(p: number): number {
    const bytes = this.bytes;
    const start = p;
    const negative = bytes[p] === MINUS;
    if (negative) p++;
    let c = bytes[p];
    if (!(c >= DIGIT_0 && c <= DIGIT_9)) return NOT_PLAIN;
    let mantissa = 0;
    let digits = 0;
    if (c === DIGIT_0) {
      p++;
      digits = 1;
    } else {
      while (c >= DIGIT_0 && c <= DIGIT_9) {
        mantissa = mantissa * 10 + (c - DIGIT_0);
        digits++;
        c = bytes[++p];
      }
    }
    let decimals = 0;
    if (bytes[p] === DOT) {
      c = bytes[++p];
      if (!(c >= DIGIT_0 && c <= DIGIT_9)) return NOT_PLAIN;
      while (c >= DIGIT_0 && c <= DIGIT_9) {
        mantissa = mantissa * 10 + (c - DIGIT_0);
        digits++;
        decimals++;
        c = bytes[++p];
      }
    }
    let exponent = false;
    c = bytes[p];
    if (c === 0x65 || c === 0x45) {
      exponent = true;
      c = bytes[++p];
      if (c === PLUS || c === MINUS) c = bytes[++p];
      if (!(c >= DIGIT_0 && c <= DIGIT_9)) return NOT_PLAIN;
      while (c >= DIGIT_0 && c <= DIGIT_9) c = bytes[++p];
    }
    if (exponent || digits > 15) {
      // Beyond the exact path (an exponent, or more digits than a double holds exactly): the same conversion
      // JSON.parse makes, correctly rounded, from the number's text.
      this.number = Number(String.fromCharCode.apply(null, bytes.subarray(start, p) as unknown as number[]));
      return p;
    }
    // At most 15 digits: the mantissa is an exact double, as is 10^decimals, and one division rounds correctly.
    const value = decimals === 0 ? mantissa : mantissa / POW10[decimals];
    this.number = negative ? -value : value;
    return p;
  }
}

import { createHash } from 'node:crypto';
import {
  DAY_US,
  amountToMean,
  amountZscore,
  planFeatures,
  toEpochUs,
  type EntityKind,
  type FeaturePlan,
  type FeatureSpec,
  type OnlineTransaction,
  type WindowAggregate,
} from '@fraudops/features';
import { Redis } from 'ioredis';
import { errorMessage as messageOf } from '@fraudops/core';
import { ScoringError } from '../errors.js';
import {
  REMEMBER_ANSWERS_SCRIPT,
  KIND_LETTER,
  aggregateLayout,
  applyScript,
  labelScript,
  type AggregateLayout,
} from './redis-scripts.js';
import type { LatePolicy } from '../features/feature-pipeline.js';
import { writeVector } from './vector.js';
import type { AppliedTransaction, OnlineStateStore, StoreLabelResult, StoredAnswer } from './state-store.js';

export interface RedisStateStoreOptions {
  /** `redis://host:port/db` (`rediss://` for TLS; a password in the URL is never logged). */
  url: string;
  spec: FeatureSpec | FeaturePlan;
  /** How far (s) a transaction may lag the newest one before it counts as late. @defaultValue 300 */
  lateToleranceSeconds?: number;
  /** A late transaction: `score` takes it at the newest time, flagged late; `reject` refuses it (OUT_OF_ORDER). @defaultValue 'score' */
  latePolicy?: LatePolicy;
  /** Longest wait for Redis on any call; past it the call fails with STATE_UNAVAILABLE. @defaultValue 250 */
  deadlineMs?: number;
  /** Key namespace. @defaultValue `fraudops:<first 12 hex of the spec hash>:` */
  keyPrefix?: string;
  /** How often the store pings Redis to notice it came back (or went away) without traffic. @defaultValue 500 */
  probeIntervalMs?: number;
}

interface Script {
  text: string;
  sha: string;
}

const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });

/**
 * The online feature state on Redis, shared by every replica that uses the same URL and spec. Each call is
 * one Lua script (one round trip, atomic): a batch of transactions updates its cards' and terminals' windows
 * together, answers are stored first-wins, labels once. Keys expire after the spec's longest horizon
 * (window + delay, at least a day) without a write, so the store holds what the windows can still reach.
 * Redis down or slow: calls fail within `deadlineMs` with `STATE_UNAVAILABLE`; the client reconnects by itself.
 */
export class RedisStateStore implements OnlineStateStore {
  readonly kind = 'redis';
  readonly plan: FeaturePlan;
  readonly prefix: string;
  readonly width: number;
  private readonly layout: AggregateLayout;
  private readonly applyLua: Script;
  private readonly labelLua: Script;
  private readonly answersLua = script(REMEMBER_ANSWERS_SCRIPT);
  private readonly toleranceUs: number;
  private readonly latePolicy: LatePolicy;
  private readonly retentionUs: number;
  private readonly ttlMs: string;
  private healthy = false;
  private probe: NodeJS.Timeout | undefined;

  private constructor(
    readonly client: Redis,
    options: RedisStateStoreOptions,
  ) {
    this.plan = 'ranges' in options.spec ? options.spec : planFeatures(options.spec);
    this.width = this.plan.features.length;
    this.prefix = options.keyPrefix ?? `fraudops:${this.plan.hash.slice(0, 12)}:`;
    this.layout = aggregateLayout(this.plan);
    this.applyLua = script(applyScript(this.plan, this.layout));
    this.labelLua = script(labelScript(this.plan, this.layout));
    this.toleranceUs = (options.lateToleranceSeconds ?? 300) * 1e6;
    this.latePolicy = options.latePolicy ?? 'score';
    this.retentionUs = Math.max(this.plan.longestSpanUs, DAY_US);
    // a key untouched for a whole horizon holds nothing any window can reach; a day's margin for clock skew
    this.ttlMs = String(Math.ceil((this.retentionUs + DAY_US) / 1000));
  }

  /** Connects (within the deadline, else STATE_UNAVAILABLE) and starts the availability probe. */
  static async open(options: RedisStateStoreOptions): Promise<RedisStateStore> {
    const deadlineMs = options.deadlineMs ?? 250;
    const client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: Math.max(deadlineMs, 1000),
      commandTimeout: deadlineMs,
      // fail at once while disconnected instead of queueing: the caller answers 503 within its deadline
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    });
    // connection errors surface through the calls; without a listener Node would print each one
    client.on('error', () => undefined);
    const store = new RedisStateStore(client, options);
    try {
      await client.connect();
      await store.call(() => client.ping());
    } catch (error) {
      client.disconnect();
      if (error instanceof ScoringError) throw error;
      throw unavailable(error);
    }
    const every = options.probeIntervalMs ?? 500;
    store.probe = setInterval(() => void store.call(() => client.ping()).catch(() => undefined), every);
    store.probe.unref();
    return store;
  }

  get available(): boolean {
    return this.healthy && this.client.status === 'ready';
  }

  key(kind: 'x' | 'newest' | 'consumed', id?: number): string {
    return kind === 'x' ? `${this.prefix}x:${id}` : `${this.prefix}${kind}`;
  }

  /** Transactions taken so far by all replicas (retries excluded). */
  async consumed(): Promise<number> {
    return Number((await this.call(() => this.client.get(this.key('consumed')))) ?? 0);
  }

  /** The order number (1-based) in which the store took a transaction, or 0 when it does not hold it. */
  async takenAt(keys: readonly number[]): Promise<number[]> {
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.hget(this.key('x', key), 's');
    const replies = await this.call(() => pipeline.exec());
    return (replies ?? []).map(([, value]) => Number(value ?? 0));
  }

  async apply(transactions: readonly OnlineTransaction[]): Promise<AppliedTransaction[]> {
    if (transactions.length === 0) return [];
    const keys: string[] = [this.key('newest'), this.key('consumed')];
    const args: string[] = [String(this.toleranceUs), this.ttlMs, String(this.retentionUs), this.latePolicy];
    for (const tx of transactions) {
      const timeUs = toEpochUs(tx.txDatetime);
      if (!Number.isFinite(timeUs) || !Number.isFinite(tx.txAmount) || tx.txAmount < 0) {
        throw new ScoringError(
          'INVALID_REQUEST',
          'A transaction has a datetime or amount the online state cannot take (non-finite or out of range).',
        );
      }
      keys.push(this.key('x', tx.transactionId));
      for (const { kind, labelled } of this.layout.kinds) {
        const entity = kind === 'customer' ? tx.customerId : tx.terminalId;
        keys.push(`${this.prefix}e:${KIND_LETTER[kind]}:${entity}`, `${this.prefix}a:${KIND_LETTER[kind]}:${entity}`);
        if (labelled) keys.push(`${this.prefix}l:${KIND_LETTER[kind]}:${entity}`);
      }
      args.push(
        String(tx.transactionId),
        String(timeUs),
        String(tx.customerId),
        String(tx.terminalId),
        String(tx.txAmount),
      );
    }
    let reply: Array<[number, string, string, number]>;
    try {
      reply = (await this.run(this.applyLua, keys, args)) as Array<[number, string, string, number]>;
    } catch (error) {
      throw this.refusal(error);
    }
    return reply.map(([fresh, aggregates, answer, late], i) => ({
      vector: this.vectorOf(aggregates, transactions[i].txAmount),
      fresh: fresh === 1,
      late: late === 1,
      answer: answer ? decodeAnswer(answer) : undefined,
    }));
  }

  async rememberAnswers(keys: readonly number[], answers: readonly StoredAnswer[]): Promise<StoredAnswer[]> {
    if (keys.length === 0) return [];
    const reply = (await this.run(
      this.answersLua,
      keys.map((k) => this.key('x', k)),
      answers.map(encodeAnswer),
    )) as string[];
    return reply.map(decodeAnswer);
  }

  async label(labels: ReadonlyArray<{ key: number; fraud: boolean }>): Promise<StoreLabelResult[]> {
    if (labels.length === 0) return [];
    const args = [this.prefix, this.ttlMs];
    for (const { key, fraud } of labels) args.push(String(key), fraud ? '1' : '0');
    const reply = (await this.run(this.labelLua, [], args)) as Array<[string, string]>;
    return reply.map(([outcome, answer]) => ({
      outcome: outcome as StoreLabelResult['outcome'],
      answer: answer ? decodeAnswer(answer) : undefined,
    }));
  }

  /** Removes every key of this store's prefix (tests and `--reset` of the warm-up job). */
  async clear(): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.call(() => this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000));
      if (keys.length > 0) removed += await this.call(() => this.client.unlink(...keys));
      cursor = next;
    } while (cursor !== '0');
    return removed;
  }

  async close(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    this.healthy = false;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /**
   * Builds the vector from the script's aggregates, in spec order (calendar parts from the time taken), with the
   * memory engine's own functions for the features that combine aggregates with the transaction.
   */
  private vectorOf(aggregates: string, amount: number): Float64Array {
    const parts = aggregates.split(',');
    const layout = this.layout;
    const out = new Float64Array(this.width);
    const windowValue = (f: { range: number; aggregate: WindowAggregate }): number => {
      const at = layout.rangeAt[f.range];
      const count = Number(parts[at]);
      const sum = Number(parts[at + 1]);
      switch (f.aggregate) {
        case 'count':
          return count;
        case 'sum':
          return sum;
        case 'mean':
          return count === 0 ? 0 : sum / count;
        case 'max':
          return Number(parts[at + 2]);
        case 'fraud_ratio':
          return count === 0 ? 0 : Number(parts[at + 3]) / count;
        case 'amount_to_mean':
          return amountToMean(count, sum, amount);
        case 'amount_zscore':
          return amountZscore(count, sum, Number(parts[layout.squaresAt[f.range]]), amount);
      }
    };
    const previousUs = (entity: EntityKind): number => {
      const text = parts[layout.previousAt[entity] ?? -1];
      return text === undefined || text === '-' ? Number.NEGATIVE_INFINITY : Number(text);
    };
    writeVector(this.plan, Number(parts[0]), amount, windowValue, out, 0, previousUs);
    return out;
  }

  /** EVALSHA, loading the script on NOSCRIPT (a restarted Redis has forgotten it). */
  private run(lua: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.call(async () => {
      try {
        return await this.client.evalsha(lua.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!messageOf(error).startsWith('NOSCRIPT')) throw error;
        return await this.client.eval(lua.text, keys.length, ...keys, ...args);
      }
    });
  }

  /** Runs a Redis call; connection failures and timeouts become STATE_UNAVAILABLE and mark the store unavailable. */
  private async call<R>(operation: () => Promise<R>): Promise<R> {
    try {
      const result = await operation();
      this.healthy = true;
      return result;
    } catch (error) {
      if (isReplyError(error) && !messageOf(error).startsWith('NOSCRIPT')) {
        this.healthy = true;
        throw error;
      }
      this.healthy = false;
      throw unavailable(error);
    }
  }

  /** The script's refusals as the service's errors, naming the transaction by its index in the call. */
  private refusal(error: unknown): unknown {
    const match = /^FRAUDOPS_(LATE|CONFLICT) (\d+)/.exec(messageOf(error));
    if (!match) return error;
    const index = Number(match[2]);
    if (match[1] === 'LATE') {
      return Object.assign(
        new ScoringError(
          'OUT_OF_ORDER',
          `A transaction is more than ${this.toleranceUs / 1e6} s older than the newest transaction scored.`,
        ),
        { index },
      );
    }
    return Object.assign(
      new ScoringError(
        'CONFLICTING_TRANSACTION',
        'A transaction_id was reused for a transaction with different fields.',
      ),
      { index },
    );
  }
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

function unavailable(error: unknown): ScoringError {
  // the client's message names host and port at most, never the URL's password
  const reason = messageOf(error).replace(/redis(s)?:\/\/[^\s]*/g, 'redis://…');
  return new ScoringError('STATE_UNAVAILABLE', `The online feature state (Redis) did not answer in time: ${reason}`);
}

export function encodeAnswer(answer: StoredAnswer): string {
  return `${answer.probability}|${answer.decision}|${answer.threshold}|${answer.modelVersion}|${answer.late ? 1 : 0}`;
}

export function decodeAnswer(text: string): StoredAnswer {
  const [probability, decision, threshold, modelVersion, late] = text.split('|');
  return {
    probability: Number(probability),
    decision: decision === 'alert' ? 'alert' : 'pass',
    threshold: Number(threshold),
    modelVersion: Number(modelVersion),
    late: late === '1',
  };
}

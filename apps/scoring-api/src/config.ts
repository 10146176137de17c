import { z } from 'zod';
import { ScoringError } from './errors.js';
import type { LatePolicy } from './features/feature-pipeline.js';

/**
 * Every setting of the service, read from the environment in one place. Defaults work on a laptop;
 * a bad value stops the service at start-up with a message naming the setting (never its value: some
 * settings are secrets).
 */
export interface ScoringConfig {
  /** TCP port. @defaultValue 8080 */
  port: number;
  /** Interface to bind. @defaultValue `127.0.0.1` (the container image sets `0.0.0.0`) */
  host: string;
  /** The champion to serve. @defaultValue `models:/fraud-detector@champion` */
  modelUri: string;
  /** Where `models:/` URIs resolve: a local directory or a Unity Catalog location. @defaultValue `models` */
  registry: string;
  /** Shadow model scored off the response path; never returned. */
  challengerUri?: string;
  /** Bearer keys accepted on `/v1` and `/v2`; empty means no authentication (refused in production). */
  apiKeys: string[];
  /** Bearer token for `/admin/*`; unset disables the admin routes (SIGHUP still reloads). */
  adminToken?: string;
  /** Transactions file (CSV or NDJSON) replayed into the online state before serving. */
  history?: string;
  /** How many days before the newest history transaction are replayed. @defaultValue 37 */
  historyDays: number;
  /** Online-state snapshot: restored at start when the file exists, written on shutdown. */
  stateSnapshot?: string;
  /** Largest request body in bytes (larger → 413). @defaultValue 1 MiB */
  bodyLimitBytes: number;
  /** Most transactions (or tensor rows) in one request. @defaultValue 10000 */
  maxBatch: number;
  /** Rows scored between two yields to the event loop, so one big batch cannot starve `/healthz`. @defaultValue 256 */
  chunkRows: number;
  /** Recent scores and feature vectors kept for drift monitoring. @defaultValue 10000 */
  monitoringWindow: number;
  /** Answers remembered per transaction id so that a retry returns the same answer. @defaultValue 200000 */
  answerCacheSize: number;
  /**
   * Reasons on every alert (`EXPLAIN_ALERTS=top<k>`): the k largest contributions of each result whose decision
   * is `alert`, whether or not the request asked; undefined (`off`) explains only on request. @defaultValue off
   */
  explainAlerts?: number;
  /**
   * How far (seconds) a transaction may lag the newest one seen and still be scored — as if it happened at
   * the newest time, because the online state needs time order. Older ones get 422 OUT_OF_ORDER. @defaultValue 300
   */
  lateToleranceSeconds: number;
  /**
   * What happens to a transaction more than `lateToleranceSeconds` behind the newest one: `score` answers it
   * against the state as of the newest time, with `"late": true`; `reject` answers 422 OUT_OF_ORDER and
   * records nothing. @defaultValue score
   */
  latePolicy: LatePolicy;
  /**
   * How far (seconds) ahead of the server clock a transaction may be dated. One far-future transaction
   * would otherwise make every later one "late". @defaultValue 86400
   */
  maxFutureSeconds: number;
  /** Grace period for in-flight requests on shutdown. @defaultValue 10000 */
  shutdownTimeoutMs: number;
  /** onnxruntime intra-op threads per model. @defaultValue 1 */
  onnxThreads: number;
  /**
   * Where the online feature state lives: `memory` (this process) or `redis://host:port/db` (shared by every
   * replica with the same URL; `rediss://` for TLS). @defaultValue `memory`
   */
  stateStore: string;
  /** Longest wait for the shared state on a request; past it the answer is 503 STATE_UNAVAILABLE. @defaultValue 250 */
  stateDeadlineMs: number;
  /**
   * What a request gets when the shared state does not answer: `refuse` (503 STATE_UNAVAILABLE, /readyz false)
   * or `score` (empty history, `"degraded": true`). @defaultValue `refuse`
   */
  degradedPolicy: 'refuse' | 'score';
  /**
   * Warm the online state (the shared store, or the snapshot of the in-process one), then shut down and exit 0:
   * the warm-up job of a deployment with several replicas. @defaultValue false
   */
  warmUpOnly: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  production: boolean;
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const modelUri = (what: string) =>
  z
    .string()
    .regex(
      /^models:\/[a-z0-9][a-z0-9_-]*(@[a-z][a-z0-9_]*|\/[1-9]\d*|\/latest)$/,
      `${what} must look like models:/<name>@<alias> or models:/<name>/<version>`,
    );

const secret = (what: string) =>
  z
    .string()
    .min(16, `each ${what} must be at least 16 characters`)
    .regex(/^[\x21-\x7e]+$/, `each ${what} must be printable ASCII without spaces`);

const envSchema = z
  .object({
    PORT: integer(0, 65535, 8080),
    HOST: optionalText.transform((v) => v ?? '127.0.0.1'),
    MODEL_URI: optionalText.transform((v) => v ?? 'models:/fraud-detector@champion').pipe(modelUri('MODEL_URI')),
    REGISTRY: optionalText.transform((v) => v ?? 'models'),
    CHALLENGER_URI: optionalText.pipe(modelUri('CHALLENGER_URI').optional()),
    API_KEYS: optionalText
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean)
          : [],
      )
      .pipe(z.array(secret('API key'))),
    ADMIN_TOKEN: optionalText.pipe(secret('admin token').optional()),
    HISTORY: optionalText,
    HISTORY_DAYS: integer(1, 3650, 37),
    STATE_SNAPSHOT: optionalText,
    BODY_LIMIT: optionalText.transform((v, ctx) => {
      const bytes = parseBytes(v ?? '1mb');
      if (bytes === undefined || bytes < 1024 || bytes > 256 * 1024 ** 2) {
        ctx.addIssue({ code: 'custom', message: 'must be a size from 1kb to 256mb, e.g. 1mb or 524288' });
        return z.NEVER;
      }
      return bytes;
    }),
    MAX_BATCH: integer(1, 1_000_000, 10_000),
    CHUNK_ROWS: integer(1, 1_000_000, 256),
    MONITORING_WINDOW: integer(100, 10_000_000, 10_000),
    ANSWER_CACHE_SIZE: integer(0, 100_000_000, 200_000),
    EXPLAIN_ALERTS: optionalText.transform((v, ctx) => {
      if (v === undefined || v === 'off') return undefined;
      const match = /^top([1-9]\d{0,2})$/.exec(v);
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be off or top<k> with k from 1 to 999 reasons per alert, e.g. top3',
        });
        return z.NEVER;
      }
      return Number(match[1]);
    }),
    LATE_TOLERANCE_S: integer(0, 86_400 * 365, 300),
    LATE_POLICY: optionalText
      .transform((v) => v ?? 'score')
      .pipe(z.enum(['score', 'reject'], 'must be score or reject')),
    MAX_FUTURE_S: integer(0, 86_400 * 36_500, 86_400),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
    ONNX_THREADS: integer(1, 256, 1),
    STATE_STORE: optionalText
      .transform((v) => v ?? 'memory')
      .pipe(z.string().regex(/^(memory|rediss?:\/\/[^\s]+)$/, 'must be memory or a redis://host:port/db URL')),
    STATE_DEADLINE_MS: integer(1, 60_000, 250),
    DEGRADED_POLICY: optionalText
      .transform((v) => v ?? 'refuse')
      .pipe(z.enum(['refuse', 'score'], 'must be refuse or score')),
    WARM_UP_ONLY: optionalText.transform((v) => v ?? 'false').pipe(z.enum(['true', 'false'], 'must be true or false')),
    LOG_LEVEL: optionalText
      .transform((v) => v ?? 'info')
      .pipe(
        z.enum(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          'must be one of fatal, error, warn, info, debug, trace, silent',
        ),
      ),
    NODE_ENV: optionalText,
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.API_KEYS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_KEYS'],
        message: 'is required when NODE_ENV=production (comma-separated bearer keys)',
      });
    }
  });

/** Reads the configuration from an environment; throws `ScoringError('INVALID_CONFIG')` naming every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ScoringConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`);
    throw new ScoringError('INVALID_CONFIG', `Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    modelUri: e.MODEL_URI,
    registry: e.REGISTRY,
    challengerUri: e.CHALLENGER_URI,
    apiKeys: e.API_KEYS,
    adminToken: e.ADMIN_TOKEN,
    history: e.HISTORY,
    historyDays: e.HISTORY_DAYS,
    stateSnapshot: e.STATE_SNAPSHOT,
    bodyLimitBytes: e.BODY_LIMIT,
    maxBatch: e.MAX_BATCH,
    chunkRows: e.CHUNK_ROWS,
    monitoringWindow: e.MONITORING_WINDOW,
    answerCacheSize: e.ANSWER_CACHE_SIZE,
    explainAlerts: e.EXPLAIN_ALERTS,
    lateToleranceSeconds: e.LATE_TOLERANCE_S,
    latePolicy: e.LATE_POLICY,
    maxFutureSeconds: e.MAX_FUTURE_S,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    onnxThreads: e.ONNX_THREADS,
    stateStore: e.STATE_STORE,
    stateDeadlineMs: e.STATE_DEADLINE_MS,
    degradedPolicy: e.DEGRADED_POLICY,
    warmUpOnly: e.WARM_UP_ONLY === 'true',
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
  };
}

import { ClientErrorCode, DatabricksAbortError } from './errors.js';

/** A clock the retry loop and the run waiter sleep on; tests inject one that records instead of waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with a {@link DatabricksAbortError} when `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function abortError(signal: AbortSignal): DatabricksAbortError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted by the caller';
  return new DatabricksAbortError(ClientErrorCode.aborted, `The request was cancelled: ${why}.`, { cause: reason });
}

/**
 * The official SDKs' policy: retry 429 and 503 (after `Retry-After` when it is given) and transient network
 * failures, sleeping `min(attempt, 10) × base + jitter` between attempts, until an overall deadline.
 */
export interface RetryPolicy {
  /** Give up retrying once this much time has passed since the first attempt. @defaultValue 300 000 (5 min) */
  deadlineMs: number;
  /** One step of the linear back-off. @defaultValue 1000 */
  baseDelayMs: number;
  /** The back-off stops growing after this many steps. @defaultValue 10 */
  maxSteps: number;
  /** Random extra delay in [0, jitterMs) so that many clients do not retry in lockstep. @defaultValue 750 */
  jitterMs: number;
  clock: Clock;
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  deadlineMs: 300_000,
  baseDelayMs: 1000,
  maxSteps: 10,
  jitterMs: 750,
  clock: systemClock,
  random: Math.random,
};

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(attempt, policy.maxSteps) * policy.baseDelayMs + Math.floor(policy.random() * policy.jitterMs);
}

/** `Retry-After` as milliseconds: integer seconds (what Databricks sends) or an HTTP date; else undefined. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Statuses that mean "not processed, try again later": safe to retry for every method. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** Network failure codes (node and undici) that count as transient. */
const TRANSIENT_NETWORK_CODES = new Set([
  // Nothing reached the server: safe to send again (callers still retry only idempotent requests).
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'REQUEST_TIMEOUT',
]);

/** The code of a fetch failure: undici wraps the socket error in `cause`. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

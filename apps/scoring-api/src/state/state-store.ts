import type { OnlineTransaction } from '@fraudops/features';

/** The answer given for one transaction: what a retry, on any replica, gets back. */
export interface StoredAnswer {
  probability: number;
  decision: 'alert' | 'pass';
  threshold: number;
  modelVersion: number;
  /** The transaction came more than the late tolerance behind the newest one (scored as of the newest time). */
  late: boolean;
}

/** One transaction after it went through the store. */
export interface AppliedTransaction {
  /** Its feature vector (spec order). */
  vector: Float64Array;
  /** True when it entered the state now; false for a transaction the state already held (a retry). */
  fresh: boolean;
  /** It came more than the late tolerance behind the newest time when it was first taken (kept for its retries). */
  late: boolean;
  /** The first answer given for it, when it is a retry of an answered transaction. */
  answer?: StoredAnswer;
}

export type StoreLabelOutcome = 'applied' | 'unchanged' | 'unknown';

export interface StoreLabelResult {
  outcome: StoreLabelOutcome;
  /** The answer the labelled transaction got (to pair label and score for monitoring). */
  answer?: StoredAnswer;
}

/**
 * Where the online feature state lives: the card and terminal windows, delayed fraud labels and the answers
 * already given. The in-process engine serves one replica; a shared store (Redis) lets N replicas compute the
 * same features as one. Every call may fail with `ScoringError('STATE_UNAVAILABLE')` when the store cannot
 * answer within its deadline; nothing half-applied is left behind (each call is atomic in the store).
 */
export interface OnlineStateStore {
  /** `memory` or `redis`. */
  readonly kind: string;
  /**
   * Takes transactions in the given order (the caller sorts by time) and returns their vectors. A repeated
   * id gets its stored vector and first answer; a transaction older than the newest one is taken at the newest
   * time, flagged late beyond the late tolerance — or, under `LATE_POLICY=reject`, refuses the whole batch
   * (`OUT_OF_ORDER`, with the index), as does an id reused with other fields (`CONFLICTING_TRANSACTION`).
   */
  apply(transactions: readonly OnlineTransaction[]): Promise<AppliedTransaction[]>;
  /** Stores answers (first one wins) and returns the answer that stands for each transaction. */
  rememberAnswers(keys: readonly number[], answers: readonly StoredAnswer[]): Promise<StoredAnswer[]>;
  /** Applies fraud labels once: a repeated label is `unchanged`. */
  label(labels: ReadonlyArray<{ key: number; fraud: boolean }>): Promise<StoreLabelResult[]>;
  /** Whether the store answered its last call (or probe) within the deadline. */
  readonly available: boolean;
  close(): Promise<void>;
}

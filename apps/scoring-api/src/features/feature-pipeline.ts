/** The feature spec a model was trained on and the service computes: name, content hash, input order. */
export interface FeatureSpecIdentity {
  name: string;
  hash: string;
  features: readonly string[];
}

/** What happens to a transaction that lags the newest one by more than the tolerance (`LATE_POLICY`). */
export type LatePolicy = 'score' | 'reject';

/** `vectorize` result bit: the transaction entered the state now (not a repeat). */
export const VECTOR_FRESH = 1;
/** `vectorize` result bit: the transaction came more than the tolerance behind the newest one. */
export const VECTOR_LATE = 2;

/**
 * A batch's transactions as numeric columns (row i is the request's transaction i), read in one pass so that
 * the batch path makes no object per transaction between the parsed body and the feature matrix.
 */
export interface TransactionColumns {
  /** The canonical ids (`keyOf`). */
  keys: Float64Array;
  /** Seconds since the epoch (`timeOf`). */
  times: Float64Array;
  customers: Float64Array;
  terminals: Float64Array;
  amounts: Float64Array;
}

/** What a fraud label did to the online state. */
export type LabelOutcome = 'applied' | 'unchanged' | 'unknown';

/**
 * The online side of the feature spec, as the service uses it: each scored transaction is turned into its
 * feature vector (updating the state), fraud labels arrive later, and the state survives restarts through
 * snapshots. `T` is the validated request transaction.
 */
export interface FeaturePipeline<T> {
  readonly spec: FeatureSpecIdentity;
  /** The transaction id as the client sent it (echoed in results). */
  idOf(transaction: T): string | number;
  /**
   * A transaction id in canonical form — the number the online state keys on — the answer memory's key,
   * the same for scoring and feedback.
   */
  keyOfId(id: string | number): number;
  /** `keyOfId(idOf(transaction))`. */
  keyOf(transaction: T): number;
  /** Seconds since the epoch. */
  timeOf(transaction: T): number;
  /** Whether two transactions with one id carry the same fields (a retry) or not (a conflict). */
  sameTransaction(a: T, b: T): boolean;
  /** The newest transaction time in the state (seconds), or -Infinity when it is empty. */
  readonly newestTime: number;
  /**
   * Writes the transaction's feature vector into `out` at `offset` and adds it to the state. A transaction
   * older than `newestTime` is taken as happening at `newestTime` (the state needs time order); one beyond the
   * late tolerance is flagged `VECTOR_LATE`, or, under the `reject` policy, throws `ScoringError('OUT_OF_ORDER')`
   * with nothing recorded. Returns `VECTOR_FRESH` | `VECTOR_LATE` bits; without `VECTOR_FRESH` the state already
   * held the id (its stored vector is written; nothing is counted twice).
   */
  vectorize(transaction: T, out: Float32Array, offset: number): number;
  /** The transactions' numeric fields as columns (see {@link TransactionColumns}). */
  readColumns(transactions: readonly T[]): TransactionColumns;
  /** `vectorize` for row `row` of `columns`: the same state update and vector as for its transaction. */
  vectorizeRow(columns: TransactionColumns, row: number, out: Float32Array, offset: number): number;
  /** Applies a fraud label to an earlier transaction (id in canonical form, from `keyOfId`). */
  label(key: number, isFraud: boolean): LabelOutcome;
  /** Transactions currently held in the state. */
  readonly size: number;
  saveSnapshot(path: string): Promise<void>;
  loadSnapshot(path: string): Promise<void>;
}

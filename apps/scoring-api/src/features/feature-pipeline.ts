/** The feature spec a model was trained on and the service computes: name, content hash, input order. */
export interface FeatureSpecIdentity {
  name: string;
  hash: string;
  features: readonly string[];
}

/** What a fraud label did to the online state. */
export type LabelOutcome = 'applied' | 'unknown' | 'repeated';

/**
 * The online side of the feature spec, as the service uses it: each scored transaction is turned into its
 * feature vector (updating the state), fraud labels arrive later, and the state survives restarts through
 * snapshots. `T` is the validated request transaction.
 */
export interface FeaturePipeline<T> {
  readonly spec: FeatureSpecIdentity;
  /** The id a repeat of the transaction would carry (the answer memory's key). */
  keyOf(transaction: T): string;
  /** Writes the transaction's feature vector into `out` at `offset` and adds it to the state. */
  vectorize(transaction: T, out: Float32Array, offset: number): void;
  /** Applies a fraud label to an earlier transaction. */
  label(transactionId: string, isFraud: boolean): LabelOutcome;
  /** Transactions currently held in the state (a warm-up indicator). */
  readonly size: number;
  saveSnapshot(path: string): Promise<void>;
  loadSnapshot(path: string): Promise<void>;
}

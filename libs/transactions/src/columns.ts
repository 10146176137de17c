/**
 * Transactions in columnar form: one typed array per column, all of length `length`, rows in time order
 * (tx_datetime, then transaction_id) unless a function says otherwise. This is the shape the simulator
 * produces, the dataset readers return, and the feature pipeline consumes.
 */
export interface TransactionColumns {
  length: number;
  /** Non-negative integer ids (exact up to 2^53); string ids in files are mapped consistently to integers. */
  transactionId: Float64Array;
  /** Seconds since the Unix epoch, UTC (whole seconds for the simulator). */
  txDatetime: Float64Array;
  customerId: Float64Array;
  terminalId: Float64Array;
  /** Finite and ≥ 0. */
  txAmount: Float64Array;
  /** 1 fraud, 0 genuine; absent when the data is unlabelled. */
  txFraud?: Uint8Array;
  /** 0 genuine, 1–3 the simulator's fraud scenario; absent outside simulated data. */
  txFraudScenario?: Uint8Array;
  /** Seconds since the dataset's start date (the simulator's TX_TIME_SECONDS); absent in most files. */
  txTimeSeconds?: Float64Array;
  /** Whole days since the dataset's start date (the simulator's TX_TIME_DAYS); absent in most files. */
  txTimeDays?: Float64Array;
}

/** Zero-filled contract columns for `length` rows (no labels, no simulator time columns). */
export function allocateTransactionColumns(length: number): TransactionColumns {
  return {
    length,
    transactionId: new Float64Array(length),
    txDatetime: new Float64Array(length),
    customerId: new Float64Array(length),
    terminalId: new Float64Array(length),
    txAmount: new Float64Array(length),
  };
}

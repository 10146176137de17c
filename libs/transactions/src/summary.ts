import type { TransactionColumns } from './columns.js';

/** What a dataset holds, for CLI summaries and logs. */
export interface TransactionsSummary {
  rows: number;
  /** Absent when the data is unlabelled. */
  frauds?: number;
  /** Rows per TX_FRAUD_SCENARIO value (0 = genuine), when the column exists. */
  scenarioCounts?: Record<number, number>;
  /** Earliest and latest tx_datetime as ISO 8601 (UTC); absent when empty. */
  firstDatetime?: string;
  lastDatetime?: string;
  customers: number;
  terminals: number;
}

export function summarizeTransactions(columns: TransactionColumns): TransactionsSummary {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < columns.length; i++) {
    const t = columns.txDatetime[i];
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const summary: TransactionsSummary = {
    rows: columns.length,
    customers: new Set(columns.customerId).size,
    terminals: new Set(columns.terminalId).size,
  };
  if (columns.txFraud) {
    let frauds = 0;
    for (const label of columns.txFraud) frauds += label;
    summary.frauds = frauds;
  }
  if (columns.txFraudScenario) {
    const counts: Record<number, number> = {};
    for (const scenario of columns.txFraudScenario) counts[scenario] = (counts[scenario] ?? 0) + 1;
    summary.scenarioCounts = counts;
  }
  if (columns.length > 0) {
    summary.firstDatetime = new Date(first * 1000).toISOString();
    summary.lastDatetime = new Date(last * 1000).toISOString();
  }
  return summary;
}

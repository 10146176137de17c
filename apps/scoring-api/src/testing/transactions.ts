/** A transaction as clients send it (the Transaction contract's JSON form). */
export interface WireTransaction {
  transaction_id: number | string;
  tx_datetime: number | string;
  customer_id: number;
  terminal_id: number;
  tx_amount: number;
}

/**
 * A deterministic stream of plausible transactions: `count` of them from `startTime` (epoch seconds), one
 * every `spacing` seconds, over a few customers and terminals so that windows fill up.
 */
export function transactionStream(options: {
  firstId: number;
  count: number;
  startTime: number;
  spacing?: number;
  customers?: number;
  terminals?: number;
}): Array<WireTransaction & { transaction_id: number; tx_datetime: number }> {
  const spacing = options.spacing ?? 600;
  const customers = options.customers ?? 25;
  const terminals = options.terminals ?? 40;
  return Array.from({ length: options.count }, (_, i) => ({
    transaction_id: options.firstId + i,
    tx_datetime: options.startTime + i * spacing,
    customer_id: (i * 7) % customers,
    terminal_id: (i * 13) % terminals,
    tx_amount: Math.round(((i * 37) % 300) * 100 + 499) / 100,
  }));
}

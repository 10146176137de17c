/** A first transaction to try, in the Transaction contract's fields. */
export const EXAMPLE_TRANSACTION = {
  transaction_id: 1,
  tx_datetime: '2018-10-01T08:15:00Z',
  customer_id: 42,
  terminal_id: 1337,
  tx_amount: 57.16,
};

/** A ready-to-paste `curl` command that scores one transaction. */
export function curlExample(url: string, withApiKey: boolean): string {
  const auth = withApiKey ? ` -H "Authorization: Bearer $API_KEY"` : '';
  return `curl -s ${url}/v1/score -H 'Content-Type: application/json'${auth} -d '${JSON.stringify({ transactions: [EXAMPLE_TRANSACTION] })}'`;
}

import type { ScoringServer } from './start.js';

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

/**
 * Tells a person at the terminal where the service listens at once, and what to try only once it is ready
 * (model loaded, online state warm): printed earlier, the first paste would get `503 NOT_READY`. Resolves
 * after the second message; a failed warm-up prints nothing more (start-up logs why).
 */
export async function announceWhenReady(
  server: ScoringServer,
  withApiKey: boolean,
  write: (text: string) => void,
): Promise<void> {
  const model = server.service.champion.model;
  write(
    `\nscoring-api serving ${model?.name} v${model?.version} on ${server.url}; warming up the online feature state…\n`,
  );
  await server.warmedUp;
  write(`scoring-api ready on ${server.url}. Try:\n  ${curlExample(server.url, withApiKey)}\n\n`);
}

/** One page of a listing: its items and the token of the next page (absent or empty on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * Walks a token-paginated listing lazily. Stops at the last page, and also when the server hands back a
 * token it already gave (some listings do at the end) so a loop can never spin forever.
 */
export async function* paginate<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    yield* page.items;
    const next = page.nextPageToken;
    if (!next || seen.has(next)) return;
    seen.add(next);
    token = next;
  }
}

/** Reads a listing into an array, stopping after `limit` items when given. */
export async function collect<T>(items: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

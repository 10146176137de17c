import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, paginate } from './pagination.js';
import { FRAUDOPS_VERSION } from './version.js';

describe('paginate', () => {
  it('follows next page tokens lazily and stops on the last page', async () => {
    const pages: Record<string, { items: number[]; nextPageToken?: string }> = {
      start: { items: [1, 2], nextPageToken: 'b' },
      b: { items: [3], nextPageToken: 'c' },
      c: { items: [4, 5], nextPageToken: '' },
    };
    const asked: Array<string | undefined> = [];
    const items = paginate(async (token) => {
      asked.push(token);
      return pages[token ?? 'start'];
    });
    expect(await collect(items, 3)).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'b']); // the third page was never fetched
    expect(await collect(paginate(async (t) => pages[t ?? 'start']))).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops when a server repeats a token instead of looping forever', async () => {
    let calls = 0;
    const items = await collect(
      paginate(async () => {
        calls++;
        return { items: [calls], nextPageToken: 'same' };
      }),
    );
    expect(items).toEqual([1, 2]);
  });
});

describe('FRAUDOPS_VERSION', () => {
  it('is the workspace version from the root package.json', () => {
    const root = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(FRAUDOPS_VERSION).toBe(root.version);
  });
});

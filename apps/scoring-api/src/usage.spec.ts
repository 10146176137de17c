import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { seedChampion } from './smoke/seed-champion.js';
import { startScoringServer, type ScoringServer } from './start.js';
import { announceWhenReady } from './usage.js';

describe('announceWhenReady', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-usage-'));
  let server: ScoringServer | undefined;

  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the curl to try only once the service is ready, so the first paste is answered', async () => {
    const seeded = await seedChampion({ registry: join(dir, 'registry') });
    const history = join(dir, 'history.csv');
    const rows = ['transaction_id,tx_datetime,customer_id,terminal_id,tx_amount'];
    for (let i = 0; i < 5_000; i++)
      rows.push(`${1_000 + i},${1_538_352_000 + i * 30},${i % 97},${i % 131},${(i % 50) + 1}`);
    writeFileSync(history, `${rows.join('\n')}\n`);
    const config = loadConfig({ PORT: '0', REGISTRY: seeded.registry, HISTORY: history, LOG_LEVEL: 'silent' });
    server = await startScoringServer(config, { logger: createLogger('silent'), defaultMetrics: false });
    const running = server;
    const printed: Array<{ text: string; ready: boolean }> = [];
    await announceWhenReady(running, false, (text) => printed.push({ text, ready: running.service.readiness().ready }));
    expect(printed).toHaveLength(2);
    expect(printed[0].text).toContain('warming up');
    expect(printed[0].text).not.toContain('curl');
    expect(printed[1]).toMatchObject({ ready: true });
    expect(printed[1].text).toContain(`curl -s ${running.url}/v1/score`);
    const reply = await fetch(`${running.url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: printed[1].text.split("-d '")[1].split("'")[0],
    });
    expect(reply.status).toBe(200);
  });
});

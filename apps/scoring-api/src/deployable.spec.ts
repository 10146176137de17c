import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { seedChampion } from './smoke/seed-champion.js';
import { driveSmoke } from './smoke/smoke-client.js';

// The pruned build (`nx run scoring-api:prune`, a dependency of this project's test target) is what the
// Dockerfile installs: main.js, a package.json and lock of only the service's dependency closure, and the
// workspace libraries it uses. These checks keep it slim, installable without the registry, and startable the
// way the image starts it.
const DIST = resolve(__dirname, '..', 'dist');
/**
 * Packages the service never loads and must not carry: DuckDB (the embedded SQL engine and the transaction
 * files live in @fraudops/features-sql and @fraudops/transactions-io), the warehouse SQL driver, the chart
 * renderer, Arrow.
 */
const HEAVY = /(^|\/)node_modules\/(@duckdb\/[^/]+|duckdb|@databricks\/sql|vega|vega-lite|vega-[^/]+|apache-arrow)$/;
/** The workspace libraries that hold them, which the service must not depend on either. */
const HEAVY_LIBS = ['features-sql', 'transactions-io', 'databricks-sql', 'reports'].map((lib) => `@fraudops/${lib}`);
/**
 * Installed size of main.js, node_modules and workspace_modules after the Dockerfile's runtime stage, i.e. after
 * `deploy/keep-host-binaries.mjs` removed onnxruntime-node's binaries for other platforms (≈ 255 MB of the
 * ≈ 300 MB `npm ci` unpacks on Linux x64). What is left is ≈ 105 MB on Linux x64: onnxruntime-node's one
 * library (≈ 45 MB), onnx-proto with its own protobufjs 6 (≈ 23 MB), zod (≈ 9 MB), workspace_modules (≈ 7 MB).
 */
const LIMIT_MB = 150;
const KEEP_HOST_BINARIES = resolve(__dirname, '..', 'deploy', 'keep-host-binaries.mjs');

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  resolved?: string;
  integrity?: string;
  link?: boolean;
}

function sizeOf(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

/** The service's "listening" URL from its JSON log, or its own words when it exits first or stays silent. */
async function listeningUrl(child: ChildProcess & { stdout: Readable }, deadlineMs: number): Promise<string> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  try {
    const url = await new Promise<string>((found, failed) => {
      lines.on('line', (line) => {
        output += `${line}\n`;
        if (!line.startsWith('{"')) return;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) found(entry.url);
      });
      child.once('exit', (code, signal) =>
        failed(new Error(`the service exited (${code ?? signal}) before listening:\n${output}`)),
      );
    });
    return url;
  } finally {
    clearTimeout(timer);
  }
}

describe('the pruned scoring-api build', () => {
  const lock = JSON.parse(readFileSync(join(DIST, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const registryPackages = Object.entries(lock.packages).filter(
    ([path, entry]) => path.includes('node_modules/') && !entry.link,
  );

  it('has no DuckDB, @databricks/sql, vega or Arrow in its dependency closure, nor the libraries that hold them', () => {
    expect(registryPackages.length).toBeGreaterThan(50);
    expect(registryPackages.map(([path]) => path).filter((path) => HEAVY.test(path))).toEqual([]);
    const workspaceLibs = Object.keys(lock.packages).filter((path) => path.startsWith('workspace_modules/'));
    expect(workspaceLibs).toEqual(
      expect.arrayContaining(['workspace_modules/@fraudops/features', 'workspace_modules/@fraudops/transactions']),
    );
    expect(workspaceLibs.filter((path) => HEAVY_LIBS.some((lib) => path === `workspace_modules/${lib}`))).toEqual([]);
    expect(Object.keys(lock.packages)).toEqual(
      expect.arrayContaining(['node_modules/express', 'node_modules/onnxruntime-node']),
    );
  });

  it('names a download URL and an integrity for every package (npm ci can install from the cache alone)', () => {
    const incomplete = registryPackages.filter(
      ([, e]) => !e.resolved?.startsWith('https://') || !e.integrity?.startsWith('sha'),
    );
    expect(incomplete.map(([path]) => path)).toEqual([]);
  });

  describe('installed as the Dockerfile installs it', () => {
    let app: string;
    let keep: SpawnSyncReturns<string>;

    beforeAll(() => {
      app = mkdtempSync(join(tmpdir(), 'scoring-deployable-'));
      for (const entry of ['main.js', 'package.json', 'package-lock.json', 'workspace_modules'])
        cpSync(join(DIST, entry), join(app, entry), { recursive: true });
      // the workspace's own `npm ci` filled the cache; --offline fails rather than reach for the registry
      const install = spawnSync(
        'npm',
        ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'],
        {
          cwd: app,
          env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
          encoding: 'utf8',
        },
      );
      expect({ status: install.status, stderr: install.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      // the Dockerfile's runtime stage runs the same script after its npm ci
      keep = spawnSync(process.execPath, [KEEP_HOST_BINARIES, app], { encoding: 'utf8' });
    }, 300_000); // npm ci of ~130 packages on a loaded machine
    afterAll(() => rmSync(app, { recursive: true, force: true }));

    it(`keeps onnxruntime-node's ${process.platform}/${process.arch} binary only, and fits in ≤ ${LIMIT_MB} MB`, () => {
      expect({ status: keep.status, stderr: keep.stderr }).toEqual({ status: 0, stderr: '' });
      const binaries = join(app, 'node_modules/onnxruntime-node/bin/napi-v6');
      expect(readdirSync(binaries)).toEqual([process.platform]);
      expect(readdirSync(join(binaries, process.platform))).toEqual([process.arch]);
      const megabytes =
        (sizeOf(join(app, 'node_modules')) + sizeOf(join(app, 'workspace_modules')) + sizeOf(join(app, 'main.js'))) /
        1e6;
      expect(megabytes).toBeLessThanOrEqual(LIMIT_MB);
    });

    it('stops with exit 2 on a bad setting, which ESM reaches only when every import of main.js resolved', () => {
      const start = spawnSync(process.execPath, ['main.js'], {
        cwd: app,
        env: { PATH: process.env.PATH, PORT: 'not-a-port' },
        encoding: 'utf8',
      });
      expect({ status: start.status, stderr: start.stderr }).toEqual({
        status: 2,
        stderr: expect.stringContaining('PORT'),
      });
    });

    it("starts as the image's CMD does and serves a champion: scores (onnxruntime), reloads, shuts down cleanly", async () => {
      const registry = join(app, 'models');
      await seedChampion({ registry });
      const apiKey = 'deployable-key-0123456789abcdef';
      const adminToken = 'deployable-admin-0123456789abcdef';
      // the Dockerfile's environment (HOST 0.0.0.0 and PORT 8080 become loopback and an ephemeral port here)
      const child = spawn(process.execPath, ['main.js'], {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          ONNXRUNTIME_NODE_INSTALL: 'skip',
          HOST: '127.0.0.1',
          PORT: '0',
          REGISTRY: registry,
          API_KEYS: apiKey,
          ADMIN_TOKEN: adminToken,
          STATE_SNAPSHOT: join(app, 'state.snapshot'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await listeningUrl(child, 120_000);
        const health = await fetch(`${url}/healthz`); // the image's HEALTHCHECK
        expect(health.status).toBe(200);
        const { steps } = await driveSmoke({
          url,
          registry,
          apiKey,
          adminToken,
          readyTimeoutMs: 120_000,
          log: () => undefined,
        });
        expect(steps).toBeGreaterThan(5);
        const exit = once(child, 'exit');
        child.kill('SIGTERM');
        expect((await exit)[0]).toBe(0);
        expect(existsSync(join(app, 'state.snapshot'))).toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    }, 300_000); // seeds a champion, starts the service and drives it on a loaded machine
  });
});

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The pruned build (`nx run scoring-api:prune`, a dependency of this project's test target) is what the
// Dockerfile installs: main.js, a package.json and lock of only the service's dependency closure, and the
// workspace libraries it uses. These checks keep it slim and installable without the registry.
const DIST = resolve(__dirname, '..', 'dist');
/**
 * Packages the service never loads and must not carry: DuckDB (the embedded SQL engine and the transaction
 * files live in @fraudops/features-sql and @fraudops/transactions-io), the warehouse SQL driver, the chart
 * renderer, Arrow.
 */
const HEAVY = /(^|\/)node_modules\/(@duckdb\/[^/]+|duckdb|@databricks\/sql|vega|vega-lite|vega-[^/]+|apache-arrow)$/;
/** The workspace libraries that hold them, which the service must not depend on either. */
const HEAVY_LIBS = ['features-sql', 'transactions-io', 'databricks-sql', 'reports'].map((lib) => `@fraudops/${lib}`);
const LIMIT_MB = 200;

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

describe('the pruned scoring-api build', () => {
  const lock = JSON.parse(readFileSync(join(DIST, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const registryPackages = Object.entries(lock.packages).filter(([path, entry]) => path.includes('node_modules/') && !entry.link);

  it('has no DuckDB, @databricks/sql, vega or Arrow in its dependency closure, nor the libraries that hold them', () => {
    expect(registryPackages.length).toBeGreaterThan(50);
    expect(registryPackages.map(([path]) => path).filter((path) => HEAVY.test(path))).toEqual([]);
    const workspaceLibs = Object.keys(lock.packages).filter((path) => path.startsWith('workspace_modules/'));
    expect(workspaceLibs).toEqual(expect.arrayContaining(['workspace_modules/@fraudops/features', 'workspace_modules/@fraudops/transactions']));
    expect(workspaceLibs.filter((path) => HEAVY_LIBS.some((lib) => path === `workspace_modules/${lib}`))).toEqual([]);
    expect(Object.keys(lock.packages)).toEqual(expect.arrayContaining(['node_modules/express', 'node_modules/onnxruntime-node']));
  });

  it('names a download URL and an integrity for every package (npm ci can install from the cache alone)', () => {
    const incomplete = registryPackages.filter(([, e]) => !e.resolved?.startsWith('https://') || !e.integrity?.startsWith('sha'));
    expect(incomplete.map(([path]) => path)).toEqual([]);
  });

  it(`installs offline from the npm cache into ≤ ${LIMIT_MB} MB (Linux binaries only, as the Dockerfile), and its imports resolve`, () => {
    const app = mkdtempSync(join(tmpdir(), 'scoring-deployable-'));
    try {
      for (const entry of ['main.js', 'package.json', 'package-lock.json', 'workspace_modules']) cpSync(join(DIST, entry), join(app, entry), { recursive: true });
      // the workspace's own `npm ci` filled the cache; --offline fails rather than reach for the registry
      const install = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: app,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
        encoding: 'utf8',
      });
      expect({ status: install.status, stderr: install.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      // what the Dockerfile's runtime stage removes: onnxruntime-node's macOS and Windows binaries
      const binaries = join(app, 'node_modules/onnxruntime-node/bin/napi-v6');
      for (const os of ['darwin', 'win32']) rmSync(join(binaries, os), { recursive: true, force: true });
      expect(existsSync(join(binaries, 'linux', process.arch))).toBe(true);
      const megabytes = (sizeOf(join(app, 'node_modules')) + sizeOf(join(app, 'workspace_modules')) + sizeOf(join(app, 'main.js'))) / 1e6;
      expect(megabytes).toBeLessThanOrEqual(LIMIT_MB);
      // ESM resolves every import before running anything: a bad setting then stops it with exit 2 (config),
      // which it can only reach when every package the bundle imports was installed
      const start = spawnSync(process.execPath, ['main.js'], { cwd: app, env: { PATH: process.env.PATH, PORT: 'not-a-port' }, encoding: 'utf8' });
      expect({ status: start.status, stderr: start.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('PORT') });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 300_000); // npm ci of ~200 packages on a loaded machine
});

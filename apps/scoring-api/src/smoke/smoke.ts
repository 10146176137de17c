import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalRegistry } from '@fraudops/registry';
import { copyToChampion, driveSmoke, SmokeFailure } from './smoke-client.js';
import { seedChampion } from './seed-champion.js';
import { errorMessage } from '@fraudops/core';

const USAGE = `Usage: node apps/scoring-api/dist/smoke/smoke.js <command> [options]

The scoring-api deployment check: can the built service load a champion and be interacted with?

Commands:
  run     (what \`nx run scoring-api:smoke\` does) install the pruned dist/ into a temporary directory
          from its own lock file, start it with a local champion, drive the client, reload on SIGHUP,
          stop it gracefully
  seed    train a small champion and register it:  seed --registry <dir>
  drive   drive a running service:  drive --url <url> --registry <dir> [--api-key K] [--admin-token T]

Options:
  --dist <dir>        the pruned build (run)                      default: apps/scoring-api/dist
  --registry <dir>    registry directory (seed, drive; run: a registry whose champion is copied)
                                                                  default for run: models (if it has a champion)
  --url <url>         base URL of the service (drive)
  --api-key <key>     bearer key the service accepts (drive)
  --admin-token <t>   admin token, for the reload step (drive)
  --help              this text

Examples:
  npx nx run scoring-api:smoke
  node apps/scoring-api/dist/smoke/smoke.js seed --registry /tmp/registry
  node apps/scoring-api/dist/smoke/smoke.js drive --url http://127.0.0.1:8080 --registry /tmp/registry --admin-token "$ADMIN_TOKEN"`;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dist: { type: 'string', default: 'apps/scoring-api/dist' },
      registry: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      'admin-token': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0] ?? 'run';
  if (values.help) {
    log(USAGE);
    return 0;
  }
  switch (command) {
    case 'seed': {
      if (!values.registry) return usageError('seed needs --registry <dir>');
      const seeded = await seedChampion({ registry: values.registry });
      log(`registered ${seeded.uri} in ${seeded.registry} as @champion`);
      return 0;
    }
    case 'drive': {
      if (!values.url || !values.registry) return usageError('drive needs --url and --registry');
      const { steps } = await driveSmoke({
        url: values.url,
        registry: values.registry,
        apiKey: values['api-key'],
        adminToken: values['admin-token'],
        log,
      });
      log(`smoke check passed: ${steps} steps`);
      return 0;
    }
    case 'run':
      return runSmoke(resolve(values.dist), values.registry ?? 'models');
    default:
      return usageError(`unknown command "${command}"`);
  }
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  return 2;
}

/** Install the pruned build like a container would, start it, drive it, stop it. */
// eslint-disable-next-line max-lines-per-function -- install, start, drive, stop in order, each failure naming its step
async function runSmoke(dist: string, sourceRegistry: string): Promise<number> {
  for (const file of ['main.js', 'package.json', 'package-lock.json']) {
    if (!existsSync(join(dist, file))) {
      process.stderr.write(`${join(dist, file)} is missing: run \`npx nx run scoring-api:prune\` first.\n`);
      return 1;
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'scoring-smoke-'));
  const app = join(work, 'app');
  const registry = join(work, 'registry');
  let child: ChildProcess | undefined;
  try {
    log(`install the pruned build in ${app} (npm ci --omit=dev from its own lock file, npm cache first)`);
    for (const entry of ['main.js', 'package.json', 'package-lock.json', 'workspace_modules']) {
      if (existsSync(join(dist, entry))) cpSync(join(dist, entry), join(app, entry), { recursive: true });
    }
    // --prefer-offline: tarballs and metadata from the npm cache when present, the registry otherwise.
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: app,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
        encoding: 'utf8',
      },
    );
    if (install.status !== 0) {
      process.stderr.write(`npm ci in the pruned build failed:\n${install.stderr}\n`);
      return 1;
    }

    await prepareRegistry(sourceRegistry, registry);
    const apiKey = `smoke-key-${process.pid}-0123456789`;
    const adminToken = `smoke-admin-${process.pid}-0123456789`;
    child = spawn(process.execPath, ['main.js'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: '0',
        REGISTRY: registry,
        API_KEYS: apiKey,
        ADMIN_TOKEN: adminToken,
        STATE_SNAPSHOT: join(work, 'state.snapshot'),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await listeningUrl(child);
    log(`started the pruned build: ${url}`);
    const { steps } = await driveSmoke({ url, registry, apiKey, adminToken, log });

    // An operator's other way to reload: SIGHUP to the process.
    const serving = await modelVersion(url, apiKey);
    const promoted = await copyToChampion(
      registry,
      registry,
      'fraud-detector',
      serving,
      'scoring-api smoke check: SIGHUP',
    );
    child.kill('SIGHUP');
    const deadline = Date.now() + 15_000;
    while ((await modelVersion(url, apiKey)) !== promoted) {
      if (Date.now() > deadline)
        throw new SmokeFailure(
          'SIGHUP reload',
          `still serving version ${serving} 15 s after SIGHUP (expected ${promoted})`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`ok  SIGHUP reloaded version ${serving} → ${promoted}`);

    const exit = new Promise<number | null>((done) => child?.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    const code = await exit;
    child = undefined;
    if (code !== 0) throw new SmokeFailure('shutdown', `the service exited with ${code} on SIGTERM`);
    if (!existsSync(join(work, 'state.snapshot')))
      throw new SmokeFailure('shutdown', 'no state snapshot was written on shutdown');
    log('ok  graceful shutdown wrote the state snapshot');
    log(`smoke check passed: ${steps + 2} steps`);
    return 0;
  } catch (error) {
    process.stderr.write(`smoke check FAILED: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    child?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

/** The workspace's champion copied into a fresh registry (never touching the original), or a seeded one. */
async function prepareRegistry(source: string, target: string): Promise<void> {
  const name = 'fraud-detector';
  if (existsSync(source)) {
    const version = await new LocalRegistry(source).getAlias(name, 'champion').catch(() => undefined);
    if (version !== undefined) {
      await copyToChampion(source, target, name, version, 'scoring-api smoke check');
      log(`champion: a copy of models:/${name}/${version} from ${resolve(source)}`);
      return;
    }
  }
  const seeded = await seedChampion({ registry: target });
  log(`champion: no champion in ${source}; trained and registered ${seeded.uri} in a temporary registry`);
}

async function modelVersion(url: string, apiKey: string): Promise<number> {
  const response = await fetch(`${url}/v1/model`, { headers: { authorization: `Bearer ${apiKey}` } });
  return ((await response.json()) as { version: number }).version;
}

/** Waits for the service's "listening" log line and returns its URL; fails with the service's own words. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new SmokeFailure('start', `no "listening" line within 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolveUrl(entry.url);
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new SmokeFailure('start', `the service exited with ${code} before listening:\n${output}`));
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof SmokeFailure ? 'smoke check FAILED: ' : ''}${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);

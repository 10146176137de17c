import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { base64, fakeOnnx } from './fixtures/card-draft.js';
import { LocalRegistry } from './local.js';

// These tests run the registry in separate Node processes (the fixture bundled by esbuild), because the
// guarantees are about processes racing on one directory, not about promises in one event loop.

interface Child {
  lines: () => string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill: () => void;
  waitForLine: (line: string) => Promise<void>;
}

function runChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters) if (stdout.split('\n').includes(waiter.line)) waiter.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    lines: () => stdout.split('\n').filter((l) => l !== ''),
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))),
    kill: () => child.kill('SIGKILL'),
    waitForLine: (line) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split('\n').includes(line)) return resolve();
        waiters.push({ line, resolve });
        child.on('exit', () => reject(new Error(`child exited before printing "${line}": ${stderr}`)));
      }),
  };
}

describe('LocalRegistry across processes', () => {
  let work: string;
  let script: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'fraudops-registry-procs-'));
    script = join(work, 'register-child.mjs');
    await build({
      entryPoints: [join(__dirname, 'fixtures/register-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
    });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('6 processes registering 3 versions each get 18 distinct, complete versions', async () => {
    const root = join(work, 'race');
    const writers = Array.from({ length: 6 }, (_, i) => runChild(script, [root, `p${i}`, 'register', '3']));
    const exits = await Promise.all(writers.map((w) => w.exited));
    expect(exits.map((e) => [e.code, e.stderr])).toEqual(exits.map(() => [0, '']));

    const claimed = writers.flatMap((w) => w.lines().map((l) => JSON.parse(l) as { tag: string; version: number }));
    expect(claimed.map((c) => c.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));

    const registry = new LocalRegistry(root);
    expect((await registry.listVersions('fraud-detector')).map((v) => v.version)).toEqual(claimed.map((_, i) => i + 1));
    for (const { tag, version } of claimed) {
      const model = await registry.loadModel(`models:/fraud-detector/${version}`);
      expect(model.card.description).toBe(tag);
      expect(base64(model.onnx)).toBe(base64(fakeOnnx(tag, 64 * 1024)));
      const report = new TextDecoder().decode(await registry.readArtifact('fraud-detector', version, 'report.md'));
      expect(report).toBe(`# models:/fraud-detector/${version}\n${tag}\n`);
    }
    expect(await readdir(join(root, 'fraud-detector/.staging'))).toEqual([]);
    expect(await readdir(join(root, 'fraud-detector/.claims'))).toEqual([]);
  });

  it('5 processes moving one alias 10 times each lose no change from the history', async () => {
    const root = join(work, 'aliases');
    const registry = new LocalRegistry(root);
    const seed = runChild(script, [root, 'seed', 'register', '1']);
    expect((await seed.exited).code).toBe(0);

    const movers = Array.from({ length: 5 }, (_, i) => runChild(script, [root, `m${i}`, 'alias', '10']));
    const exits = await Promise.all(movers.map((m) => m.exited));
    expect(exits.map((e) => [e.code, e.stderr])).toEqual(exits.map(() => [0, '']));

    const history = await registry.aliasHistory('fraud-detector');
    expect(history).toHaveLength(50);
    expect(new Set(history.map((e) => e.reason)).size).toBe(50);
    // Only the very first change found the alias unset: every later one saw the previous change.
    expect(history.map((e) => e.previous)).toEqual([null, ...Array(49).fill(1)]);
    expect(await registry.aliases('fraud-detector')).toEqual({ challenger: 1 });
    expect((await readdir(join(root, 'fraud-detector'))).sort()).toEqual([
      '.claims',
      '.staging',
      'aliases.json',
      'versions',
    ]);
  });

  it('a writer killed mid-registration leaves no version behind', async () => {
    const root = join(work, 'killed');
    const victim = runChild(script, [root, 'victim', 'hang', '1']);
    await victim.waitForLine('staged');
    victim.kill();
    expect((await victim.exited).signal).toBe('SIGKILL');

    const registry = new LocalRegistry(root);
    expect(await registry.listVersions('fraud-detector')).toEqual([]);
    // Its staging directory and its claim on number 1 are left (it was killed); both are invisible to
    // readers, and the next writer skips the claimed number rather than guess whether its owner is alive.
    expect(await readdir(join(root, 'fraud-detector/.staging'))).toHaveLength(1);
    expect(await readdir(join(root, 'fraud-detector/.claims'))).toEqual(['1']);
    const next = runChild(script, [root, 'survivor', 'register', '1']);
    expect((await next.exited).code).toBe(0);
    expect(JSON.parse(next.lines()[0])).toEqual({ tag: 'survivor-0', version: 2 });
    expect((await registry.listVersions('fraud-detector')).map((v) => v.version)).toEqual([2]);
    expect((await registry.loadModel('models:/fraud-detector/latest')).card.description).toBe('survivor-0');
  });
});

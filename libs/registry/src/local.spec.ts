import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection } from './fixtures/errors.js';
import { base64, cardDraft, fakeOnnx } from './fixtures/card-draft.js';
import { LocalRegistry } from './local.js';
import type { RegisterModelInput } from './registry.js';

function input(tag: string, overrides: Partial<RegisterModelInput> = {}): RegisterModelInput {
  return {
    name: 'fraud-detector',
    onnx: fakeOnnx(tag),
    card: cardDraft({ description: tag }),
    reports: { html: `<p>${tag}</p>`, markdown: `# ${tag}\n` },
    ...overrides,
  };
}

describe('LocalRegistry', () => {
  let root: string;
  let registry: LocalRegistry;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fraudops-registry-'));
    registry = new LocalRegistry(join(root, 'models'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes a version as model.onnx, card.json and both reports, numbering from 1', async () => {
    const seen: string[] = [];
    const first = await registry.register(
      input('a', {
        card: cardDraft({ created: '2026-11-26T21:40:00.000+01:00' }),
        reports: ({ uri }) => {
          seen.push(uri);
          return { html: `<h1>${uri}</h1>`, markdown: `# ${uri}\n` };
        },
      }),
    );
    expect(seen).toEqual(['models:/fraud-detector/1']);
    expect(first).toMatchObject({ name: 'fraud-detector', version: 1, uri: 'models:/fraud-detector/1', aliases: [] });

    const dir = join(root, 'models/fraud-detector/versions/1');
    expect((await readdir(dir)).sort()).toEqual([
      'MLmodel',
      'card.json',
      'conda.yaml',
      'model.onnx',
      'python_env.yaml',
      'report.html',
      'report.md',
      'requirements.txt',
    ]);
    expect(base64(new Uint8Array(await readFile(join(dir, 'model.onnx'))))).toBe(base64(fakeOnnx('a')));
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toBe('# models:/fraud-detector/1\n');
    const card = JSON.parse(await readFile(join(dir, 'card.json'), 'utf8'));
    expect(card).toMatchObject({
      schemaVersion: 1,
      name: 'fraud-detector',
      version: 1,
      created: '2026-11-26T21:40:00.000+01:00',
    });
    expect(card.artifacts['model.onnx']).toEqual({
      sha256: createHash('sha256').update(fakeOnnx('a')).digest('hex'),
      bytes: 1024,
    });
    expect(card).toEqual(first.card);

    const second = await registry.register(input('b'));
    expect(second.version).toBe(2);
    expect(Date.parse(second.card.created)).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(registry.versionDirectory('fraud-detector', 2)).toBe(join(root, 'models/fraud-detector/versions/2'));
  });

  it('lists models and versions, moves aliases with history, and resolves every URI form', async () => {
    for (const tag of ['a', 'b', 'c']) await registry.register(input(tag));
    await registry.register(input('x', { name: 'other-model' }));

    expect(await registry.getAlias('fraud-detector', 'champion')).toBeUndefined();
    await registry.setAlias('fraud-detector', 'champion', 1);
    await registry.setAlias('fraud-detector', 'challenger', 3, { reason: 'gate failed: average_precision -0.02' });
    const promoted = await registry.setAlias('fraud-detector', 'champion', 2, { reason: 'gate passed' });
    expect(promoted).toMatchObject({
      alias: 'champion',
      action: 'set',
      version: 2,
      previous: 1,
      reason: 'gate passed',
    });

    expect(await registry.aliases('fraud-detector')).toEqual({ champion: 2, challenger: 3 });
    expect(await registry.listModels()).toEqual([
      { name: 'fraud-detector', latestVersion: 3, aliases: { champion: 2, challenger: 3 } },
      { name: 'other-model', latestVersion: 1, aliases: {} },
    ]);
    expect(await registry.listVersions('fraud-detector')).toEqual([
      { name: 'fraud-detector', version: 1, uri: 'models:/fraud-detector/1', aliases: [] },
      { name: 'fraud-detector', version: 2, uri: 'models:/fraud-detector/2', aliases: ['champion'] },
      { name: 'fraud-detector', version: 3, uri: 'models:/fraud-detector/3', aliases: ['challenger'] },
    ]);

    const champion = await registry.loadModel('models:/fraud-detector@champion');
    expect(champion.version).toBe(2);
    expect(champion.aliases).toEqual(['champion']);
    expect(champion.card.description).toBe('b');
    expect(base64(champion.onnx)).toBe(base64(fakeOnnx('b')));
    expect((await registry.resolve('models:/fraud-detector/latest')).version).toBe(3);
    expect((await registry.resolve({ kind: 'version', name: 'fraud-detector', version: 1 })).card.description).toBe(
      'a',
    );
    expect(new TextDecoder().decode(await registry.readArtifact('fraud-detector', 3, 'report.html'))).toBe('<p>c</p>');

    const removed = await registry.deleteAlias('fraud-detector', 'challenger', { reason: 'superseded' });
    expect(removed).toMatchObject({ alias: 'challenger', action: 'delete', version: null, previous: 3 });
    expect(await registry.deleteAlias('fraud-detector', 'challenger')).toBeUndefined();
    expect(await registry.aliases('fraud-detector')).toEqual({ champion: 2 });
    const history = await registry.aliasHistory('fraud-detector');
    expect(history.map((e) => [e.alias, e.action, e.previous, e.version])).toEqual([
      ['champion', 'set', null, 1],
      ['challenger', 'set', null, 3],
      ['champion', 'set', 1, 2],
      ['challenger', 'delete', 3, null],
    ]);
    expect(history.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
  });

  it('answers unknown models, versions and aliases with their codes', async () => {
    expect(await registry.listModels()).toEqual([]);
    expect((await rejection(registry.listVersions('fraud-detector'))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(registry.resolve('models:/fraud-detector@champion'))).code).toBe('MODEL_NOT_FOUND');
    await registry.register(input('a'));
    const alias = await rejection(registry.resolve('models:/fraud-detector@champion'));
    expect(alias.code).toBe('ALIAS_NOT_FOUND');
    expect(alias.message).toContain('model fraud-detector has no alias "champion"');
    expect((await rejection(registry.getVersion('fraud-detector', 2))).code).toBe('VERSION_NOT_FOUND');
    expect((await rejection(registry.setAlias('fraud-detector', 'champion', 7))).code).toBe('VERSION_NOT_FOUND');
    expect((await rejection(registry.setAlias('fraud-detector', 'latest', 1))).code).toBe('INVALID_NAME');
    expect((await rejection(registry.loadModel('models:/fraud-detector'))).code).toBe('INVALID_MODEL_URI');
  });

  it('names the missing or corrupt file', async () => {
    await registry.register(input('a'));
    await registry.register(input('b'));
    await registry.register(input('c'));
    const dir = (v: number) => join(root, 'models/fraud-detector/versions', String(v));

    const onnx = new Uint8Array(await readFile(join(dir(1), 'model.onnx')));
    onnx[100] ^= 0xff;
    await writeFile(join(dir(1), 'model.onnx'), onnx);
    const corrupt = await rejection(registry.loadModel('models:/fraud-detector/1'));
    expect(corrupt.code).toBe('ARTIFACT_CORRUPT');
    expect(corrupt.path).toBe(join(dir(1), 'model.onnx'));
    expect(corrupt.message).toContain(`${join(dir(1), 'model.onnx')} does not match card.json`);

    await rm(join(dir(2), 'report.md'));
    const missing = await rejection(registry.readArtifact('fraud-detector', 2, 'report.md'));
    expect(missing.code).toBe('ARTIFACT_MISSING');
    expect(missing.message).toBe(`${join(dir(2), 'report.md')} is missing: models:/fraud-detector/2 is incomplete`);

    await writeFile(join(dir(3), 'card.json'), '{"schemaVersion": 1, "name": ');
    const card = await rejection(registry.getVersion('fraud-detector', 3));
    expect(card.code).toBe('ARTIFACT_CORRUPT');
    expect(card.message).toContain(`${join(dir(3), 'card.json')} is not valid JSON`);

    await rm(join(dir(3), 'card.json'));
    expect((await rejection(registry.getVersion('fraud-detector', 3))).message).toContain(
      `${join(dir(3), 'card.json')} is missing`,
    );

    // A version directory copied under another number is caught by the card's own name and version.
    await cp(dir(2), dir(9), { recursive: true });
    const moved = await rejection(registry.getVersion('fraud-detector', 9));
    expect(moved.message).toContain('describes fraud-detector version 2, but it is stored as fraud-detector version 9');

    const aliasesFile = join(root, 'models/fraud-detector/aliases.json');
    await writeFile(aliasesFile, '{"aliases": {"champion": "two"}, "history": []}');
    const aliases = await rejection(registry.getAlias('fraud-detector', 'champion'));
    expect(aliases.code).toBe('ARTIFACT_CORRUPT');
    expect(aliases.message).toBe(
      `${aliasesFile} is not a valid aliases file: aliases.champion: Invalid input: expected number, received string`,
    );
  });

  it('writes nothing for an invalid card or a failing report renderer', async () => {
    const draft = cardDraft();
    draft.threshold = { ...draft.threshold, value: 2 };
    const invalid = await rejection(registry.register(input('a', { card: draft })));
    expect(invalid.code).toBe('INVALID_CARD');
    expect(invalid.message).toContain('threshold.value');
    expect((await rejection(registry.register(input('a', { onnx: new Uint8Array(0) })))).code).toBe('INVALID_CARD');
    expect((await rejection(registry.register(input('a', { name: 'Fraud' })))).code).toBe('INVALID_NAME');

    const failing = registry.register(
      input('a', {
        reports: () => {
          throw new Error('vega failed');
        },
      }),
    );
    await expect(failing).rejects.toThrow('vega failed');
    expect(await registry.listVersions('fraud-detector')).toEqual([]);
    expect(await readdir(join(root, 'models/fraud-detector/.staging'))).toEqual([]);
    expect((await registry.register(input('b'))).version).toBe(1);
  });

  it('clears staging directories abandoned over an hour ago, and leaves recent ones alone', async () => {
    await registry.register(input('a'));
    const staging = join(root, 'models/fraud-detector/.staging');
    await mkdir(join(staging, '4242-abandoned'));
    await writeFile(join(staging, '4242-abandoned/model.onnx'), 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(staging, '4242-abandoned'), twoHoursAgo, twoHoursAgo);
    await mkdir(join(staging, '4243-in-progress'));
    expect((await registry.register(input('b'))).version).toBe(2);
    expect(await readdir(staging)).toEqual(['4243-in-progress']);
  });

  it('gives 24 simultaneous registrations in one process 24 distinct numbers', async () => {
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => registry.register(input(`w${i}`))));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const result of results) {
      const stored = await registry.loadModel(result.uri);
      expect(stored.card.description).toBe(result.card.description);
      expect(base64(stored.onnx)).toBe(base64(fakeOnnx(result.card.description ?? '')));
    }
  });

  it('breaks a lock left by a crashed process, and times out on a live one naming the lock file', async () => {
    await registry.register(input('a'));
    const lock = join(root, 'models/fraud-detector/aliases.lock');
    await writeFile(lock, '{"pid": 999999}');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await registry.setAlias('fraud-detector', 'champion', 1);
    expect(await registry.getAlias('fraud-detector', 'champion')).toBe(1);
    expect((await readdir(join(root, 'models/fraud-detector'))).sort()).toEqual([
      '.claims',
      '.staging',
      'aliases.json',
      'versions',
    ]);

    await writeFile(lock, '{"pid": 12345, "host": "builder"}');
    const impatient = new LocalRegistry(join(root, 'models'), { lock: { timeoutMs: 200 } });
    const conflict = await rejection(impatient.setAlias('fraud-detector', 'challenger', 1));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain(
      `could not lock ${lock} within 200 ms: held by {"pid": 12345, "host": "builder"}`,
    );
    expect(await registry.aliases('fraud-detector')).toEqual({ champion: 1 });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logisticRegressionToOnnx } from '@fraudops/modeling';
import { LocalRegistry, type ModelCardDraft } from '@fraudops/registry';
import { runCli } from '../cli/program.js';
import { Capture } from '../testing/capture.js';
import { rollbackTarget } from './models.js';

const FEATURES = ['tx_amount', 'customer_id_nb_tx_1day_window'];

function draft(description: string): ModelCardDraft {
  return {
    model: { algorithm: 'logreg' },
    gitSha: 'abc1234',
    featureSpec: { name: 'tiny', hash: 'sha256:tiny', features: FEATURES },
    trainingData: {
      fingerprint: 'f',
      train: { start: '2018-04-01', end: '2018-04-07' },
      test: { start: '2018-04-15', end: '2018-04-21' },
    },
    params: {},
    metrics: { auc_roc: { value: 0.81, ci: { lower: 0.78, upper: 0.84, level: 0.95 } } },
    threshold: { value: 0.5, rule: 'budget:10', rationale: 'ten alerts a day' },
    driftBaseline: { score: { edges: [0.5], proportions: [0.9, 0.1] }, features: {} },
    description,
  };
}

const IMPORTANCE = {
  method: 'coef × (x − mean) on the standardised scale, margin (log-odds)',
  rows: 12500,
  features: [
    { feature: 'tx_amount', meanAbsContribution: 0.61234 },
    { feature: 'customer_id_nb_tx_1day_window', meanAbsContribution: 0.05 },
  ],
};

const onnx = (weight: number) =>
  logisticRegressionToOnnx(
    {
      kind: 'logistic_regression',
      featureCount: 2,
      weights: Float64Array.of(weight, 0.1),
      intercept: -2,
      mean: Float64Array.of(0, 0),
      scale: Float64Array.of(1, 1),
    },
    { featureNames: FEATURES, featureSpecHash: 'sha256:tiny' },
  );

describe('fraudops-train models (local registry)', () => {
  let dir: string;
  let registry: LocalRegistry;

  /** Runs the CLI, capturing stdout (the --json result) and stderr. */
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stderr = new Capture();
    let stdout = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
    try {
      const code = await runCli(['models', ...args, '--registry', join(dir, 'models')], stderr);
      return { code, stdout, stderr: stderr.text };
    } finally {
      spy.mockRestore();
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fraudops-models-'));
    registry = new LocalRegistry(join(dir, 'models'));
    for (const [i, tag] of ['one', 'two', 'three'].entries()) {
      const card = i === 0 ? { ...draft(tag), importance: IMPORTANCE } : draft(tag);
      await registry.register({
        name: 'fraud-detector',
        onnx: onnx(i + 1),
        card,
        reports: { html: '<p/>', markdown: '#\n' },
      });
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('sets aliases, rolls @champion back step by step with the reason recorded, and says when it cannot', async () => {
    for (const version of ['1', '2', '3'])
      expect(
        (await cli(['set-alias', 'fraud-detector', 'champion', version, '--reason', `release ${version}`])).code,
      ).toBe(0);
    const first = await cli(['rollback', 'fraud-detector', '--reason', 'precision dropped', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).event).toMatchObject({
      alias: 'champion',
      version: 2,
      previous: 3,
      reason: 'rollback from v3 to v2: precision dropped',
    });
    // A second rollback goes further back, not back to the version just rolled away from.
    const second = await cli(['rollback', 'fraud-detector']);
    expect([second.code, second.stdout]).toEqual([0, 'fraud-detector@champion: v2 → v1 (rollback from v2 to v1)\n']);
    const none = await cli(['rollback', 'fraud-detector']);
    expect([none.code, none.stderr]).toEqual([
      4,
      'error: fraud-detector@champion has had no other version before v1: nothing to roll back to (use models set-alias)\n',
    ]);
    expect(await registry.getAlias('fraud-detector', 'champion')).toBe(1);
    expect((await registry.aliasHistory('fraud-detector')).map((e) => e.version)).toEqual([1, 2, 3, 2, 1]);
  });

  it('lists models and shows what a URI resolves to', async () => {
    const listed = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(listed.models).toEqual([{ name: 'fraud-detector', latestVersion: 3, aliases: { champion: 1 } }]);
    const shown = await cli(['show', 'models:/fraud-detector@champion']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n').slice(0, 3)).toEqual([
      'models:/fraud-detector/1  @champion',
      `created     ${(await registry.getVersion('fraud-detector', 1)).card.created}`,
      'model       logreg; commit abc1234',
    ]);
    expect(shown.stdout).toContain('  auc_roc                0.8100 [0.7800, 0.8400]');
    expect(shown.stdout).toContain(
      [
        'importance  mean |contribution| on 12,500 test rows (coef × (x − mean) on the standardised scale, margin (log-odds))',
        `   1 ${'tx_amount'.padEnd(36)} 0.6123`,
        `   2 ${'customer_id_nb_tx_1day_window'.padEnd(36)} 0.0500`,
      ].join('\n'),
    );
    expect((await cli(['show', 'models:/fraud-detector/3'])).stdout).not.toContain('importance');
    expect(JSON.parse((await cli(['show', 'models:/fraud-detector/latest', '--json'])).stdout)).toMatchObject({
      version: 3,
      card: { description: 'three' },
    });
  });

  it('exits 4 for a missing version or model, 2 for a malformed URI or version', async () => {
    expect((await cli(['set-alias', 'fraud-detector', 'champion', '9'])).code).toBe(4);
    expect((await cli(['rollback', 'nobody'])).code).toBe(4);
    const bad = await cli(['show', 'fraud-detector@champion']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*models:\//);
    expect((await cli(['set-alias', 'fraud-detector', 'champion', 'two'])).stderr).toContain(
      '<version> must be an integer ≥ 1, got "two"',
    );
  });
});

describe('rollbackTarget', () => {
  const set = (version: number, previous: number | null, reason?: string) => ({
    at: 't',
    alias: 'champion',
    action: 'set' as const,
    version,
    previous,
    ...(reason ? { reason } : {}),
  });
  it('skips the current version and versions a rollback moved away from; ignores other aliases', () => {
    const history = [set(1, null), set(2, 1), { ...set(9, null), alias: 'challenger' }, set(3, 2)];
    expect(rollbackTarget(history, 'champion', 3)).toBe(2);
    expect(rollbackTarget([...history, set(2, 3, 'rollback from v3 to v2')], 'champion', 2)).toBe(1);
    expect(rollbackTarget([set(1, null)], 'champion', 1)).toBeUndefined();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf } from './fixtures/errors.js';
import { cardDraft, fakeOnnx } from './fixtures/card-draft.js';
import { LocalRegistry } from './local.js';
import {
  modelCardSchema,
  parseModelCard,
  parseModelCardDraft,
  serializeModelCard,
  type ModelCardDraft,
} from './model-card.js';

const digest = { sha256: 'a'.repeat(64), bytes: 10 };
const { created: _created, ...draftFields } = cardDraft();
const completeCard = {
  schemaVersion: 1,
  name: 'fraud-detector',
  version: 3,
  created: '2026-11-26T21:40:00.000Z',
  ...draftFields,
  artifacts: { 'model.onnx': digest, 'report.html': digest, 'report.md': digest },
};

describe('model card schema', () => {
  it('accepts a complete card with an evaluation-library drift profile', () => {
    const card = parseModelCard(JSON.stringify(completeCard), '/tmp/card.json');
    expect(card.metrics['average_precision']).toEqual({
      value: 0.6352,
      ci: { lower: 0.601, upper: 0.668, level: 0.95 },
    });
    expect(card.driftBaseline.features['tx_amount'].quantiles).toEqual([0.12, 10, 50, 100, 2146.9]);
    expect(card.driftBaseline.features['tx_during_weekend']).toEqual({ edges: [], proportions: [1], rows: 58019 });
    expect(card.driftBaseline).toMatchObject({ version: 1, bins: 10, rows: 58019 });
    expect(card.featureSpec.features).toHaveLength(4);
  });

  it('accepts proportions that match the edges as bin boundaries, and drops unknown profile fields', () => {
    const draft = cardDraft();
    draft.driftBaseline.score = {
      edges: [0, 0.5, 1],
      proportions: [0.75, 0.25],
      sketch: 'kll-v2',
    } as typeof draft.driftBaseline.score;
    expect(parseModelCardDraft(draft).driftBaseline.score).toEqual({ edges: [0, 0.5, 1], proportions: [0.75, 0.25] });
  });

  it("takes the evaluation library's BaselineProfile interface as is (a compile-time check)", () => {
    // Mirrors libs/evaluation's exported interfaces; interfaces do not fit index-signature types, so this
    // fails to compile if the card schema's types ever become loose records.
    interface VariableProfile {
      edges: number[];
      proportions: number[];
      rows: number;
      mean: number;
      std: number;
      min: number;
      max: number;
      quantiles: number[];
    }
    interface BaselineProfile {
      version: 1;
      rows: number;
      bins: number;
      score: VariableProfile;
      features: Record<string, VariableProfile>;
    }
    const variable: VariableProfile = {
      edges: [1],
      proportions: [0.5, 0.5],
      rows: 2,
      mean: 1,
      std: 1,
      min: 0,
      max: 2,
      quantiles: [0, 2],
    };
    const profile: BaselineProfile = {
      version: 1,
      rows: 2,
      bins: 2,
      score: variable,
      features: { tx_amount: variable },
    };
    const draft: ModelCardDraft = { ...cardDraft(), driftBaseline: profile };
    expect(parseModelCardDraft(draft).driftBaseline).toEqual(profile);
  });

  it('names the file and every bad field of a corrupt card', () => {
    const broken = {
      ...completeCard,
      version: 0,
      gitSha: 'HEAD',
      metrics: { average_precision: { value: 0.6, ci: { lower: 0.7, upper: 0.5, level: 0.95 } } },
      threshold: { ...completeCard.threshold, value: 1.5 },
    };
    const error = errorOf(() => parseModelCard(JSON.stringify(broken), '/models/fraud-detector/versions/3/card.json'));
    expect(error.code).toBe('ARTIFACT_CORRUPT');
    expect(error.path).toBe('/models/fraud-detector/versions/3/card.json');
    expect(error.message).toContain('/models/fraud-detector/versions/3/card.json is not a valid model card');
    for (const field of ['version', 'gitSha', 'metrics.average_precision.ci.upper', 'threshold.value']) {
      expect(error.message).toContain(`${field}:`);
    }
  });

  it('reports text that is not JSON as corrupt, naming the file', () => {
    const error = errorOf(() => parseModelCard('{"name": "fraud-det', 'card.json of models:/x/1'));
    expect(error.code).toBe('ARTIFACT_CORRUPT');
    expect(error.message).toMatch(/^card\.json of models:\/x\/1 is not valid JSON/);
  });

  it('rejects drift baselines that are not distributions, or describe unknown features', () => {
    const draft = cardDraft();
    draft.driftBaseline.score = { edges: [0.5, 0.1], proportions: [0.2, 0.2, 0.2] };
    draft.driftBaseline.features['merchant_risk'] = { edges: [1], proportions: [0.5, 0.5] };
    draft.driftBaseline.features['tx_amount'] = { edges: [1, 2, 3, 4], proportions: [0.5, 0.5] };
    const error = errorOf(() => parseModelCardDraft(draft));
    expect(error.code).toBe('INVALID_CARD');
    expect(error.message).toContain('driftBaseline.score.edges.1: edges must be in ascending order');
    expect(error.message).toContain('driftBaseline.score.proportions: proportions sum to 0.6');
    expect(error.message).toContain('driftBaseline.features.tx_amount.proportions: 2 proportions do not fit 4 edges');
    expect(error.message).toContain(
      'driftBaseline.features.merchant_risk: baseline for "merchant_risk", which is not in featureSpec.features',
    );
  });

  it('rejects unknown fields, duplicate features, empty metrics and reversed periods', () => {
    const draft = { ...cardDraft(), gitCommit: 'abc' } as ReturnType<typeof cardDraft>;
    draft.featureSpec = { ...draft.featureSpec, features: ['a', 'a'] };
    draft.metrics = {};
    draft.trainingData = { ...draft.trainingData, test: { start: '2018-04-21', end: '2018-04-15' } };
    draft.driftBaseline = { score: draft.driftBaseline.score, features: {} };
    const error = errorOf(() => parseModelCardDraft(draft));
    expect(error.message).toContain('gitCommit');
    expect(error.message).toContain('featureSpec.features: feature names must be unique');
    expect(error.message).toContain('metrics: at least one metric is required');
    expect(error.message).toContain('trainingData.test.end: start must not be after end');
  });

  it('allows a card trained outside a git checkout (gitSha null)', () => {
    expect(modelCardSchema.safeParse({ ...completeCard, gitSha: null }).success).toBe(true);
  });

  describe('global importance (mean |SHAP| per feature)', () => {
    const importance = {
      method: 'TreeSHAP (exact, path-dependent), margin (log-odds) scale',
      rows: 58019,
      features: [
        { feature: 'terminal_id_risk_7day_window', meanAbsContribution: 0.8123 },
        { feature: 'tx_amount', meanAbsContribution: 0.4 },
        { feature: 'customer_id_nb_tx_1day_window', meanAbsContribution: 0.4 },
        { feature: 'tx_during_weekend', meanAbsContribution: 0 },
      ],
    };

    it('round-trips through a registry: what was registered is what a reader gets back', async () => {
      const root = await mkdtemp(join(tmpdir(), 'fraudops-card-'));
      try {
        const registry = new LocalRegistry(join(root, 'models'));
        const stored = await registry.register({
          name: 'fraud-detector',
          onnx: fakeOnnx('importance'),
          card: cardDraft({ importance }),
          reports: { html: '<p>r</p>', markdown: '# r\n' },
        });
        const read = await registry.getVersion('fraud-detector', stored.version);
        expect(read.card.importance).toEqual(importance);
        expect(parseModelCard(serializeModelCard(read.card), 'card.json')).toEqual(read.card);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });

    it('is optional: a card written before reason codes still loads, without it', () => {
      expect('importance' in completeCard).toBe(false);
      expect(parseModelCard(JSON.stringify(completeCard), 'card.json').importance).toBeUndefined();
    });

    it('names every bad entry: unknown or repeated features, negative or unordered values, no rows', () => {
      const features = [
        { feature: 'tx_amount', meanAbsContribution: 0.2 },
        { feature: 'merchant_risk', meanAbsContribution: 0.5 },
        { feature: 'tx_amount', meanAbsContribution: 0.1 },
        { feature: 'tx_during_weekend', meanAbsContribution: -0.1 },
      ];
      const draft = cardDraft({ importance: { method: 'TreeSHAP', rows: 0, features } });
      const error = errorOf(() => parseModelCardDraft(draft));
      expect(error.code).toBe('INVALID_CARD');
      expect(error.message).toContain('importance.rows:');
      expect(error.message).toContain('importance.features.3.meanAbsContribution: must not be negative');
      // Refinements run on the parsed object, so fix the value zod rejects first and look at the rest.
      const fixed = cardDraft({ importance: { method: 'TreeSHAP', rows: 10, features: features.slice(0, 3) } });
      const second = errorOf(() => parseModelCardDraft(fixed));
      expect(second.message).toContain(
        'importance.features.1.meanAbsContribution: features must be listed largest mean |contribution| first',
      );
      expect(second.message).toContain('importance.features.2.feature: "tx_amount" is listed twice');
      expect(second.message).toContain(
        'importance.features.1.feature: importance of "merchant_risk", which is not in featureSpec.features',
      );
    });
  });
});

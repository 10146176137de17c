import { z } from 'zod';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { describeIssues, parseStoredJson } from './stored-json.js';

/** The version of the card format written into `card.json` (`schemaVersion`). */
export const MODEL_CARD_SCHEMA_VERSION = 1;

/**
 * The files of one model version, in the order they are written (the card last): an MLflow model directory
 * (`MLmodel`, `model.onnx`, its Python environment) with the reports and the card beside it.
 */
export const ARTIFACT_FILES = [
  'model.onnx',
  'MLmodel',
  'requirements.txt',
  'python_env.yaml',
  'conda.yaml',
  'report.html',
  'report.md',
  'card.json',
] as const;
export type ArtifactFile = (typeof ARTIFACT_FILES)[number];
/**
 * The files whose checksums the card records (it cannot record its own). The MLflow files are absent from
 * cards of versions registered before versions became MLflow models.
 */
export const CHECKSUMMED_FILES = [
  'model.onnx',
  'MLmodel',
  'requirements.txt',
  'python_env.yaml',
  'conda.yaml',
  'report.html',
  'report.md',
] as const;
export type ChecksummedFile = (typeof CHECKSUMMED_FILES)[number];

/**
 * Metric names as the evaluation library writes them (JSON, cards, reports and the API all use these).
 * `card_precision_at_<k>` and `precision_at_<k>` exist for other k as well; any snake_case name is accepted.
 */
export const CARD_METRIC_NAMES = [
  'auc_roc',
  'average_precision',
  'card_precision_at_100',
  'precision_at_k',
  'brier',
  'log_loss',
  'ece',
] as const;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });
/** A day (`2018-07-01`) or an instant (`2018-07-01T00:00:00Z`); periods are usually whole days. */
const dayOrInstant = z.union([z.iso.date(), instant]);

const period = z
  .strictObject({
    /** First day or instant of the period (inclusive). */
    start: dayOrInstant,
    /** Last day (inclusive) or end instant (exclusive) of the period. */
    end: dayOrInstant,
    rows: count.optional(),
    frauds: count.optional(),
  })
  .refine((p) => Date.parse(p.start) <= Date.parse(p.end), { message: 'start must not be after end', path: ['end'] });

const confidenceInterval = z
  .strictObject({
    lower: finite,
    upper: finite,
    /** Coverage, e.g. 0.95. */
    level: z.number().gt(0).lt(1),
    /** How it was estimated, e.g. `bootstrap-days` (free text from the evaluation library). */
    method: z.string().min(1).optional(),
    resamples: z.number().int().positive().optional(),
  })
  .refine((ci) => ci.lower <= ci.upper, { message: 'lower must not exceed upper', path: ['upper'] });

const metricEstimate = z.strictObject({ value: finite, ci: confidenceInterval.optional() });

/**
 * One variable's baseline as the evaluation library profiles it (`VariableProfile`): bin edges and the share
 * of baseline rows per bin, plus optional summary statistics. Unknown extra fields are dropped (not
 * rejected), so a newer profile format still loads.
 */
const binnedDistribution = z
  .object({
    /** Bin edges in ascending order: interior cut points (edges + 1 bins), or every boundary (edges − 1 bins). */
    edges: z.array(finite),
    /** Share of the baseline rows in each bin; sums to 1. */
    proportions: z.array(z.number().min(0).max(1)).min(1),
    rows: count.optional(),
    mean: finite.optional(),
    std: finite.optional(),
    min: finite.optional(),
    max: finite.optional(),
    /** Percentiles 0…100, for a KS statistic against the baseline. */
    quantiles: z.array(finite).optional(),
  })
  .superRefine((d, ctx) => {
    for (let i = 1; i < d.edges.length; i++) {
      if (d.edges[i] < d.edges[i - 1]) {
        ctx.addIssue({ code: 'custom', message: 'edges must be in ascending order', path: ['edges', i] });
        break;
      }
    }
    const bins = d.proportions.length;
    if (bins !== d.edges.length + 1 && bins !== d.edges.length - 1) {
      ctx.addIssue({
        code: 'custom',
        message: `${bins} proportions do not fit ${d.edges.length} edges (expected ${d.edges.length + 1} for cut points or ${d.edges.length - 1} for boundaries)`,
        path: ['proportions'],
      });
    }
    const total = d.proportions.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6) {
      ctx.addIssue({ code: 'custom', message: `proportions sum to ${total}, not 1`, path: ['proportions'] });
    }
  });

/**
 * Global importance on the test window: each feature's mean |contribution| to the margin (mean |SHAP| for
 * tree models), largest first, as the evaluation report's importance table shows it.
 */
const globalImportance = z
  .strictObject({
    /** How the contributions were computed, e.g. `TreeSHAP (exact, path-dependent), margin (log-odds) scale`. */
    method: z.string().min(1),
    /** Test rows the means were taken over. */
    rows: z.number().int().positive(),
    features: z
      .array(
        z.strictObject({
          feature: z.string().min(1),
          meanAbsContribution: finite.refine((v) => v >= 0, 'must not be negative'),
        }),
      )
      .min(1),
  })
  .superRefine((importance, ctx) => {
    const seen = new Set<string>();
    importance.features.forEach(({ feature, meanAbsContribution }, i) => {
      if (seen.has(feature))
        ctx.addIssue({ code: 'custom', message: `"${feature}" is listed twice`, path: ['features', i, 'feature'] });
      seen.add(feature);
      if (i > 0 && meanAbsContribution > importance.features[i - 1].meanAbsContribution) {
        ctx.addIssue({
          code: 'custom',
          message: 'features must be listed largest mean |contribution| first',
          path: ['features', i, 'meanAbsContribution'],
        });
      }
    });
  });

const digest = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  bytes: count,
});

/** The fields a trainer provides; the registry adds name, version, created and artifact checksums. */
const draftShape = {
  /** The algorithm and what produced the ONNX graph. */
  model: z.strictObject({
    /** `gbdt`, `logreg`, `xgboost`, … */
    algorithm: z.string().min(1),
    /** Library and version that trained it, e.g. `fraudops-gbdt 0.1.0` or `xgboost 1.7.4`. */
    producer: z.string().min(1).optional(),
  }),
  /** The git commit the training code came from; null when it ran outside a git checkout. */
  gitSha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, 'must be a lower-case hex commit id')
    .nullable(),
  /** The feature spec the model's input vector follows; a scorer refuses a different hash. */
  featureSpec: z.strictObject({
    name: z.string().min(1),
    hash: z.string().min(1),
    /** Feature names in input-column order. */
    features: z
      .array(z.string().min(1))
      .min(1)
      .refine((names) => new Set(names).size === names.length, 'feature names must be unique'),
  }),
  trainingData: z.strictObject({
    /** A content hash of the data the model was trained and evaluated on. */
    fingerprint: z.string().min(1),
    /** Where the data came from (`simulator seed=42`, a file, a table). */
    source: z.string().min(1).optional(),
    train: period,
    validation: period.optional(),
    /** Days between the end of training and the test period (label delay). */
    delayDays: count.optional(),
    test: period,
  }),
  /** Hyperparameters and settings, as JSON values. */
  params: z.record(z.string(), z.json()),
  /** Test-window metrics by evaluation-library name, each with an optional confidence interval. */
  metrics: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric names are snake_case'), metricEstimate)
    .refine((m) => Object.keys(m).length > 0, 'at least one metric is required'),
  threshold: z.strictObject({
    /** Alert when the score is at least this. */
    value: z.number().min(0).max(1),
    /** The policy that chose it, e.g. `budget:100` or `cost:5`. */
    rule: z.string().min(1),
    /** Why, in a sentence a reviewer can check. */
    rationale: z.string().min(1),
    expectedAlertsPerDay: finite.optional(),
    expectedCost: finite.optional(),
  }),
  /**
   * Baseline distributions for drift (PSI, KS): the score's and each feature's, in the evaluation library's
   * `BaselineProfile` shape (`{version, rows, bins, score, features}`); unknown fields are dropped.
   */
  driftBaseline: z.object({
    /** Format version of the profile. */
    version: z.number().int().positive().optional(),
    /** Rows the baseline was computed on. */
    rows: count.optional(),
    /** Bins per variable it was built with (deciles: 10). */
    bins: z.number().int().positive().optional(),
    score: binnedDistribution,
    features: z.record(z.string(), binnedDistribution),
  }),
  /** Global importance (mean |SHAP| per feature) on the test window; absent from cards written before reason codes. */
  importance: globalImportance.optional(),
  description: z.string().optional(),
};

type DraftFields = z.infer<z.ZodObject<typeof draftShape>>;

function checkFeatureReferences(card: DraftFields, ctx: z.RefinementCtx): void {
  const known = new Set(card.featureSpec.features);
  for (const name of Object.keys(card.driftBaseline.features)) {
    if (!known.has(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `baseline for "${name}", which is not in featureSpec.features`,
        path: ['driftBaseline', 'features', name],
      });
    }
  }
  card.importance?.features.forEach(({ feature }, i) => {
    if (!known.has(feature)) {
      ctx.addIssue({
        code: 'custom',
        message: `importance of "${feature}", which is not in featureSpec.features`,
        path: ['importance', 'features', i, 'feature'],
      });
    }
  });
}

/** The zod schema of `card.json`. */
export const modelCardSchema = z
  .strictObject({
    schemaVersion: z.literal(MODEL_CARD_SCHEMA_VERSION),
    name: z.string().min(1),
    version: z.number().int().positive(),
    /** When the version was registered (ISO 8601 with offset). */
    created: instant,
    ...draftShape,
    /** Size and SHA-256 of every other file of the version, checked when the file is read. */
    artifacts: z.strictObject({
      'model.onnx': digest,
      'report.html': digest,
      'report.md': digest,
      // The MLflow model files (every version registered since versions are MLflow models).
      MLmodel: digest.optional(),
      'requirements.txt': digest.optional(),
      'python_env.yaml': digest.optional(),
      'conda.yaml': digest.optional(),
    }),
  })
  .superRefine(checkFeatureReferences);

/** What a trainer hands to `register`: the card without the fields the registry fills in. */
export const modelCardDraftSchema = z
  .strictObject({ ...draftShape, created: instant.optional() })
  .superRefine(checkFeatureReferences);

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ModelCardDraft = z.input<typeof modelCardDraftSchema>;
export type BinnedDistribution = z.infer<typeof binnedDistribution>;
export type MetricEstimate = z.infer<typeof metricEstimate>;
export type GlobalImportance = z.infer<typeof globalImportance>;

/**
 * Validates a card read from `source` (a path or URL, used in the message). JSON text or a parsed value.
 * Throws `ARTIFACT_CORRUPT` naming the file and every bad field.
 */
export function parseModelCard(content: string | unknown, source: string): ModelCard {
  return parseStoredJson(content, source, modelCardSchema, 'a valid model card');
}

/** Validates what a trainer wants to register; throws `INVALID_CARD` naming every bad field. */
export function parseModelCardDraft(draft: unknown): z.infer<typeof modelCardDraftSchema> {
  const result = modelCardDraftSchema.safeParse(draft);
  if (!result.success) {
    throw new RegistryError(
      RegistryErrorCode.invalidCard,
      `the model card is invalid: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}

/** Serialises a card the way every backend stores it (two-space JSON, trailing newline). */
export function serializeModelCard(card: ModelCard): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}

import { OnnxScorer } from '@fraudops/modeling';
import { openRegistry, parseModelUri, type ModelCard, type ModelRegistry } from '@fraudops/registry';
import type { FeatureSpecIdentity } from '../features/feature-pipeline.js';
import { loadInProcessPredictor } from './in-process-predictor.js';
import { readClassifier, rowExplainer } from './row-explainer.js';
import type { BaselineDistribution, ModelSource, ServedModel } from './served-model.js';

export interface RegistryModelSourceOptions {
  registry: ModelRegistry;
  /** The service's feature spec: the ONNX metadata and the card must both carry its hash. */
  spec: FeatureSpecIdentity;
  onnxThreads: number;
}

/**
 * Models from a registry (`models:/` URIs), scored by onnxruntime through the modeling library's OnnxScorer and,
 * for tree ensembles, also by the in-process TypeScript predictor (small batches).
 */
export class RegistryModelSource implements ModelSource {
  constructor(private readonly options: RegistryModelSourceOptions) {}

  async resolveVersion(uri: string): Promise<{ name: string; version: number }> {
    const resolved = await this.options.registry.resolve(parseModelUri(uri));
    return { name: resolved.name, version: resolved.version };
  }

  async load(uri: string): Promise<ServedModel> {
    const loaded = await this.options.registry.loadModel(parseModelUri(uri));
    const card = loaded.card;
    if (card.featureSpec.hash !== this.options.spec.hash) {
      throw new Error(
        `${loaded.uri} was trained on feature spec "${card.featureSpec.name}" (${card.featureSpec.hash}); this service computes "${this.options.spec.name}" (${this.options.spec.hash})`,
      );
    }
    const scorer = await OnnxScorer.load(loaded.onnx, {
      featureSpecHash: this.options.spec.hash,
      featureCount: this.options.spec.features.length,
      intraOpNumThreads: this.options.onnxThreads,
    });
    const classifier = readClassifier(loaded.onnx, loaded.uri);
    const predictor = await loadInProcessPredictor(classifier);
    return servedModel(loaded.uri, card, scorer, rowExplainer(classifier), predictor);
  }
}

function servedModel(
  uri: string,
  card: ModelCard,
  scorer: OnnxScorer,
  explainer: ServedModel['explainer'],
  predictInProcess: ServedModel['predictInProcess'],
): ServedModel {
  const rows = card.driftBaseline.rows;
  const withRows = (d: { edges: number[]; proportions: number[] }): BaselineDistribution & { rows?: number } => ({
    ...d,
    ...(rows !== undefined && (d as { rows?: unknown }).rows === undefined ? { rows } : {}),
  });
  return {
    name: card.name,
    version: card.version,
    uri,
    created: card.created,
    featureSpec: { name: card.featureSpec.name, hash: card.featureSpec.hash, features: card.featureSpec.features },
    threshold: { value: card.threshold.value, rule: card.threshold.rule, rationale: card.threshold.rationale },
    metrics: card.metrics,
    driftBaseline: {
      score: withRows(card.driftBaseline.score),
      features: Object.fromEntries(Object.entries(card.driftBaseline.features).map(([name, d]) => [name, withRows(d)])),
    },
    explainer,
    score: async (features, rowCount) => {
      const { probability } = await scorer.score(
        features.length === rowCount * scorer.featureCount
          ? features
          : features.subarray(0, rowCount * scorer.featureCount),
      );
      return probability;
    },
    ...(predictInProcess ? { predictInProcess } : {}),
    dispose: () => scorer.release(),
  };
}

/** Opens the registry a `REGISTRY` setting names: a local directory or Unity Catalog (`databricks-uc://…`). */
export function openModelRegistry(location: string): ModelRegistry {
  return openRegistry(location);
}

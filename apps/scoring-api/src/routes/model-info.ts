import { Router } from 'express';
import { ScoringError } from '../errors.js';
import type { ServedModel } from '../model/served-model.js';
import type { ScoringService } from '../scoring-service.js';

/**
 * Which predictor scores a batch of a given size: the TypeScript trees (`compiled`, every size; `node-table`, up to
 * `onnxruntime_from_rows` − 1 rows) or onnxruntime (`typescript` null: models that are not tree ensembles).
 */
function describeInference(model: ServedModel) {
  const predictor = model.predictInProcess;
  if (!predictor) return { typescript: null, onnxruntime_from_rows: 1 };
  return {
    typescript: predictor.walk,
    onnxruntime_from_rows: Number.isFinite(predictor.maxRows) ? predictor.maxRows + 1 : null,
  };
}

/** What `/v1/model` says about a model: provenance, metrics, threshold, the exact input it expects, its predictor. */
export function describeModel(model: ServedModel) {
  return {
    name: model.name,
    version: model.version,
    uri: model.uri,
    created: model.created,
    metrics: model.metrics,
    threshold: model.threshold,
    feature_spec: { name: model.featureSpec.name, hash: model.featureSpec.hash, features: model.featureSpec.features },
    inference: describeInference(model),
  };
}

/** `GET /v1/model`: the champion (and the shadowed challenger), not just the library version. */
export function modelInfoRoutes<T>(service: ScoringService<T>): Router {
  const router = Router();
  router.get('/v1/model', (_req, res) => {
    const champion = service.champion.model;
    if (!champion) throw new ScoringError('NOT_READY', 'No model is loaded yet.');
    const challenger = service.challenger.model;
    res.json({ ...describeModel(champion), challenger: challenger ? describeModel(challenger) : null });
  });
  return router;
}

import {
  exportOnnx,
  OnnxScorer,
  predictLogisticMargin,
  predictProbability,
  sigmoid,
  trainGbdt,
  trainLogisticRegression,
  type ClassifierModel,
  type FeatureMatrix,
  type GbdtParams,
  type LogisticRegressionParams,
} from '@fraudops/modeling';
import type { Progress } from '@fraudops/cli';
import { TrainerError } from './errors.js';
import type { PreparedSplit } from './split.js';

export type ModelKind = 'gbdt' | 'logreg';

export interface ModelOptions {
  kind: ModelKind;
  gbdt: GbdtParams;
  logreg: LogisticRegressionParams;
  /** Rounds without improvement on the validation window before boosting stops. */
  earlyStoppingRounds: number;
  /** Histogram threads (the model is the same for any value). */
  threads?: number | 'auto';
}

export interface TrainedModel {
  kind: ModelKind;
  model: ClassifierModel;
  /** The parameters as trained (defaults filled in), for the model card. */
  params: Record<string, unknown>;
  /** Boosting rounds kept (GBDT) or Newton iterations (logistic regression). */
  rounds: number;
  /** Early-stopping trace: the metric and the round that was kept. */
  earlyStopping?: { metric: string; bestRound: number; bestValue: number };
  /** Feature importance by gain (GBDT only), by feature name. */
  importance?: Record<string, number>;
}

/** Trains the chosen model on the training window, stopping early on the validation window when there is one. */
export async function trainModel(
  split: PreparedSplit,
  names: readonly string[],
  options: ModelOptions,
  progress?: Progress,
): Promise<TrainedModel> {
  if (options.kind === 'logreg') {
    const result = trainLogisticRegression(split.train.matrix, split.train.labels, options.logreg);
    return { kind: 'logreg', model: result.model, params: { ...options.logreg }, rounds: result.iterations };
  }
  const validation = split.validation;
  const result = await trainGbdt(split.train.matrix, split.train.labels, options.gbdt, {
    threads: options.threads,
    earlyStopping: validation
      ? {
          validation: validation.matrix,
          labels: validation.labels,
          rounds: options.earlyStoppingRounds,
          metric: 'average_precision',
        }
      : undefined,
    onRound: (info) => progress?.update(info.round),
  });
  const importance: Record<string, number> = {};
  names.forEach((name, i) => (importance[name] = result.importance.gain[i]));
  return {
    kind: 'gbdt',
    model: result.model,
    params: { ...result.params, earlyStoppingRounds: validation ? options.earlyStoppingRounds : 0 },
    rounds: result.model.trees.length,
    earlyStopping: result.validation
      ? {
          metric: result.validation.metric,
          bestRound: result.validation.bestRound,
          bestValue: result.validation.bestValue,
        }
      : undefined,
    importance,
  };
}

/** The model's probabilities computed in TypeScript (the reference the ONNX graph must reproduce). */
export function predictInProcess(trained: TrainedModel, matrix: FeatureMatrix): Float32Array {
  if (trained.kind === 'gbdt')
    return predictProbability(trained.model as Parameters<typeof predictProbability>[0], matrix);
  const margins = predictLogisticMargin(trained.model as Parameters<typeof predictLogisticMargin>[0], matrix);
  for (let i = 0; i < margins.length; i++) margins[i] = sigmoid(margins[i]);
  return margins;
}

export interface ExportedModel {
  onnx: Uint8Array;
  /** onnxruntime's probabilities on the test window: what serving will compute. */
  testScores: Float32Array;
  /** Largest |onnxruntime − in-process| probability difference on the test window. */
  maxParityError: number;
}

/** Largest difference tolerated between onnxruntime and the in-process predictor (the modeling lib's guarantee). */
export const PARITY_TOLERANCE = 1e-6;

/**
 * Writes the ONNX graph and scores the test window with onnxruntime, refusing a graph that disagrees with
 * the in-process predictor: what is registered is exactly what was evaluated.
 */
export async function exportAndCheck(
  trained: TrainedModel,
  split: PreparedSplit,
  feature: { names: readonly string[]; specHash: string; modelName: string },
): Promise<ExportedModel> {
  const onnx = exportOnnx(trained.model, {
    featureNames: feature.names,
    featureSpecHash: feature.specHash,
    metadata: { model_name: feature.modelName },
  });
  const scorer = await OnnxScorer.load(onnx, { featureSpecHash: feature.specHash, featureCount: feature.names.length });
  const { probability } = await scorer.score(split.test.matrix.values).finally(() => scorer.release());
  const reference = predictInProcess(trained, split.test.matrix);
  let maxParityError = 0;
  for (let i = 0; i < reference.length; i++)
    maxParityError = Math.max(maxParityError, Math.abs(reference[i] - probability[i]));
  if (!(maxParityError <= PARITY_TOLERANCE)) {
    throw new TrainerError(
      'PARITY_FAILED',
      `the exported ONNX model disagrees with the trained model by ${maxParityError} (> ${PARITY_TOLERANCE}) on the test window; nothing was registered`,
    );
  }
  return { onnx, testScores: probability, maxParityError };
}

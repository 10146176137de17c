export { ModelingError, ModelingErrorCode } from './errors.js';
export type { FeatureMatrix } from './feature-matrix.js';

export { fitFeatureBins, binFeatureMatrix, missingBin } from './binning.js';
export type { BinnedMatrix, BinningOptions, FeatureBins } from './binning.js';

export { GBDT_DEFAULTS, trainGbdt, defaultTrainingThreads } from './gbdt.js';
export type {
  EarlyStopping,
  EarlyStoppingMetric,
  FeatureImportance,
  GbdtParams,
  GbdtTrainingResult,
  GbdtTrainOptions,
  ResolvedGbdtParams,
  RoundInfo,
} from './gbdt.js';
export type { GrowPolicy } from './tree-growth.js';

export { trainLogisticRegression, predictLogisticMargin, foldedCoefficients } from './logistic-regression.js';
export type {
  LogisticRegressionModel,
  LogisticRegressionParams,
  LogisticRegressionResult,
} from './logistic-regression.js';

export {
  predictMargin,
  predictProbability,
  sigmoid,
  checkTreeEnsemble,
  decisionTreeFromNodes,
} from './tree-ensemble.js';
export type { DecisionTree, SplitComparison, TreeEnsemble } from './tree-ensemble.js';
export { compileTreeEnsemble, compileTrees } from './compiled-trees.js';
export type { CompiledTreePredictor, CompiledTrees } from './compiled-trees.js';

export { TreeExplainer, treeShap } from './tree-shap.js';
export type { TreeExplainerOptions } from './tree-shap.js';
export { logisticContributions } from './logistic-contributions.js';
export { explainModel } from './explain.js';
export { topContributions, meanAbsoluteContributions } from './feature-contributions.js';
export type { FeatureContributions, FeatureReason } from './feature-contributions.js';

export { importXgboostJson } from './xgboost-import.js';
export type { XgboostImport } from './xgboost-import.js';

export {
  exportOnnx,
  treeEnsembleToOnnx,
  logisticRegressionToOnnx,
  ONNX_INPUT_NAME,
  ONNX_MARGIN_OUTPUT,
  ONNX_PROBABILITY_OUTPUT,
  METADATA_FEATURE_SPEC_HASH,
  METADATA_FEATURE_NAMES,
  METADATA_MODEL_KIND,
} from './onnx-export.js';
export type { ClassifierModel, OnnxExportOptions } from './onnx-export.js';
export { readOnnxModelInfo } from './onnx-model-info.js';
export { classifierFromOnnx } from './onnx-import.js';
export type { OnnxClassifier } from './onnx-import.js';
export type { OnnxModelInfo, OnnxTensorInfo } from './onnx-model-info.js';
export { OnnxScorer } from './onnx-scorer.js';
export type { OnnxScorerOptions, ScoreResult } from './onnx-scorer.js';

export { averagePrecision, logLossFromMargins } from './validation-metrics.js';

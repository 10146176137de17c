export { EvaluationError, EvaluationErrorCode } from './errors.js';

export { rankScores, ScoreRanking, type ClassCounts } from './ranking.js';
export {
  aucRoc,
  aucFromCounts,
  rocCurve,
  recallAtFpr,
  recallAtFprFromCounts,
  type RocCurve,
  type RecallAtFpr,
} from './roc.js';
export {
  averagePrecision,
  averagePrecisionFromCounts,
  precisionRecallCurve,
  type PrecisionRecallCurve,
} from './precision-recall.js';
export { thresholdMetrics, type ThresholdMetrics } from './confusion.js';
export { precisionAtK, precisionAtKOfRanking } from './top-k.js';
export {
  cardPrecisionAtK,
  type CardDayColumns,
  type CardPrecisionAtK,
  type CardPrecisionDay,
  type CardPrecisionOptions,
} from './card-precision.js';
export {
  brierScore,
  logLoss,
  reliabilityCurve,
  expectedCalibrationError,
  type ReliabilityBin,
  type ReliabilityCurve,
} from './calibration.js';
export { quantileOfSorted, quantileEdges } from './quantiles.js';
export {
  DEFAULT_BOOTSTRAP,
  type BootstrapOptions,
  type ConfidenceInterval,
  type ResamplingMethod,
} from './bootstrap.js';
export {
  MetricName,
  cardPrecisionMetricName,
  precisionAtKMetricName,
  higherIsBetter,
  evaluatePredictions,
  StandardMetricEvaluator,
  type PredictionColumns,
  type MetricEstimate,
  type StandardMetrics,
  type StandardMetricsOptions,
} from './metric-set.js';
export {
  chooseThreshold,
  parseThresholdPolicy,
  formatThresholdPolicy,
  ThresholdSweep,
  DEFAULT_REVIEW_COST,
  type ThresholdPolicy,
  type ThresholdDecision,
  type ThresholdPoint,
  type CostModel,
} from './thresholds.js';
export {
  driftLevel,
  PSI_MODERATE,
  PSI_MAJOR,
  DEFAULT_SMOOTHING,
  profileVariable,
  baselineProfile,
  binCounts,
  binIndex,
  smoothedProportions,
  psiOfProportions,
  psiFromCounts,
  psiAgainstProfile,
  populationStabilityIndex,
  ksStatistic,
  ksAgainstProfile,
  compareToBaseline,
  type DriftLevel,
  type VariableProfile,
  type BaselineProfile,
  type PsiResult,
  type VariableDrift,
  type DriftReport,
} from './drift.js';
export {
  promotionGate,
  DEFAULT_GATE_RULES,
  type GateRule,
  type GateRuleResult,
  type GateResult,
  type GateInput,
} from './promotion-gate.js';
export {
  syntheticPredictions,
  hashedUniform,
  type SyntheticParameters,
  type SyntheticPredictions,
} from './synthetic.js';
export { parsePredictionsCsv, type PredictionsTable } from './predictions-file.js';
export { buildEvaluationReport, reportToJson, type EvaluationReport, type ReportOptions } from './report.js';
export { renderMarkdown, driftTable, metricTable, scopeParts, thresholdTable } from './report-markdown.js';
export { formatValue } from './report-format.js';
export { hasExplanations, importanceTable, topAlertsTable } from './report-explanations.js';
export type { AlertReason, ReportExplanations } from './report-explanations.js';

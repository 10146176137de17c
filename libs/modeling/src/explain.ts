import type { FeatureContributions } from './feature-contributions.js';
import type { FeatureMatrix } from './feature-matrix.js';
import { logisticContributions } from './logistic-contributions.js';
import type { ClassifierModel } from './onnx-export.js';
import { treeShap } from './tree-shap.js';

/** Feature contributions of either model kind on the margin scale: TreeSHAP for trees, linear terms for logistic regression. */
export function explainModel(model: ClassifierModel, matrix: FeatureMatrix): FeatureContributions {
  return model.kind === 'tree_ensemble' ? treeShap(model, matrix) : logisticContributions(model, matrix);
}

import onnxProto from 'onnx-proto';
import { ModelingError } from './errors.js';
import { foldedCoefficients, type LogisticRegressionModel } from './logistic-regression.js';
import { checkTreeEnsemble, type TreeEnsemble } from './tree-ensemble.js';

const { onnx } = onnxProto;

/** The names every fraudops ONNX model uses, which the scorer and the serving API rely on. */
export const ONNX_INPUT_NAME = 'features';
export const ONNX_MARGIN_OUTPUT = 'margin';
export const ONNX_PROBABILITY_OUTPUT = 'probability';
/** `metadata_props` keys. */
export const METADATA_FEATURE_SPEC_HASH = 'feature_spec_hash';
export const METADATA_FEATURE_NAMES = 'feature_names';
export const METADATA_MODEL_KIND = 'model_kind';
/** Logistic regression only: `{intercept, weights, mean, scale}` on the standardised scale, for explanations. */
export const METADATA_STANDARDISATION = 'standardised_coefficients';

/**
 * IR 8 and opset 17 / ai.onnx.ml 3 are the newest that Debian's onnx 1.12 checker validates; onnxruntime
 * runs them as is.
 */
const IR_VERSION = 8;
const OPSET = 17;
const ML_OPSET = 3;

export interface OnnxExportOptions {
  /** One name per input column, in feature-spec order. */
  featureNames: readonly string[];
  /** Hash of the feature spec the model was trained on; scorers refuse a model whose hash differs from theirs. */
  featureSpecHash: string;
  /** Graph name. @defaultValue 'fraudops' */
  graphName?: string;
  /** Extra `metadata_props` (e.g. model name and version); the keys above are reserved. */
  metadata?: Readonly<Record<string, string>>;
}

export type ClassifierModel = TreeEnsemble | LogisticRegressionModel;

const text = new TextEncoder();

function attribute(
  name: string,
  value: {
    f?: number;
    i?: number;
    s?: string;
    floats?: ArrayLike<number>;
    ints?: ArrayLike<number>;
    strings?: string[];
  },
): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (value.f !== undefined) return { name, type: A.FLOAT, f: value.f };
  if (value.i !== undefined) return { name, type: A.INT, i: value.i };
  if (value.s !== undefined) return { name, type: A.STRING, s: text.encode(value.s) };
  if (value.floats !== undefined) return { name, type: A.FLOATS, floats: Array.from(value.floats) };
  if (value.ints !== undefined) return { name, type: A.INTS, ints: Array.from(value.ints) };
  return { name, type: A.STRINGS, strings: (value.strings ?? []).map((s) => text.encode(s)) };
}

function floatTensorInfo(name: string, dims: Array<number | string>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatInitializer(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

function checkOptions(featureCount: number, options: OnnxExportOptions): void {
  if (options.featureNames.length !== featureCount) {
    throw new ModelingError(
      'INVALID_PARAMETER',
      `featureNames has ${options.featureNames.length} names, the model has ${featureCount} features`,
    );
  }
  if (typeof options.featureSpecHash !== 'string' || options.featureSpecHash.length === 0) {
    throw new ModelingError('INVALID_PARAMETER', 'featureSpecHash must be a non-empty string');
  }
  for (const key of Object.keys(options.metadata ?? {})) {
    if (
      [METADATA_FEATURE_SPEC_HASH, METADATA_FEATURE_NAMES, METADATA_MODEL_KIND, METADATA_STANDARDISATION].includes(key)
    ) {
      throw new ModelingError('INVALID_PARAMETER', `metadata key "${key}" is reserved`);
    }
  }
}

function modelBytes(
  nodes: onnxProto.onnx.INodeProto[],
  initializers: onnxProto.onnx.ITensorProto[],
  featureCount: number,
  kind: string,
  options: OnnxExportOptions,
  extraMetadata: Record<string, string> = {},
): Uint8Array {
  const metadata: Record<string, string> = {
    ...options.metadata,
    ...extraMetadata,
    [METADATA_FEATURE_SPEC_HASH]: options.featureSpecHash,
    [METADATA_FEATURE_NAMES]: JSON.stringify(options.featureNames),
    [METADATA_MODEL_KIND]: kind,
  };
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'fraudops-modeling',
    producerVersion: '1',
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: 'ai.onnx.ml', version: ML_OPSET },
    ],
    graph: {
      name: options.graphName ?? 'fraudops',
      node: nodes,
      initializer: initializers,
      input: [floatTensorInfo(ONNX_INPUT_NAME, ['N', featureCount])],
      output: [floatTensorInfo(ONNX_MARGIN_OUTPUT, ['N', 1]), floatTensorInfo(ONNX_PROBABILITY_OUTPUT, ['N', 1])],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * probability = Cast<float>(Sigmoid(Cast<double>(margin))). onnxruntime's float Sigmoid is a vectorised
 * polynomial approximation that is not even monotone at the last bit (measured: 19 adjacent-pair inversions
 * in 10,000 rows), so thresholds on it could disagree with any other implementation. In double precision
 * the rounding back to float32 absorbs the approximation error, so the output equals
 * `Math.fround(1 / (1 + Math.exp(-margin)))`: the in-TypeScript predictor and the served model make the
 * same decision at every threshold.
 */
const sigmoidNodes: onnxProto.onnx.INodeProto[] = [
  {
    opType: 'Cast',
    name: 'margin_as_double',
    input: [ONNX_MARGIN_OUTPUT],
    output: ['margin_double'],
    attribute: [attribute('to', { i: onnx.TensorProto.DataType.DOUBLE })],
  },
  { opType: 'Sigmoid', name: 'sigmoid', input: ['margin_double'], output: ['probability_double'] },
  {
    opType: 'Cast',
    name: 'probability',
    input: ['probability_double'],
    output: [ONNX_PROBABILITY_OUTPUT],
    attribute: [attribute('to', { i: onnx.TensorProto.DataType.FLOAT })],
  },
];

/**
 * A tree ensemble as `TreeEnsembleRegressor` (ai.onnx.ml 3, SUM, `base_values = [F0]`, no post-transform:
 * onnxruntime ignores LOGISTIC there) followed by a `Sigmoid`.
 */
// eslint-disable-next-line max-lines-per-function -- the ONNX node's attributes in the order the operator defines them
export function treeEnsembleToOnnx(ensemble: TreeEnsemble, options: OnnxExportOptions): Uint8Array {
  checkTreeEnsemble(ensemble);
  checkOptions(ensemble.featureCount, options);
  const mode = ensemble.comparison === 'leq' ? 'BRANCH_LEQ' : 'BRANCH_LT';
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const targetTree: number[] = [];
  const targetNode: number[] = [];
  const targetWeights: number[] = [];
  // Covers ride along as hit rates (documented as node popularity; onnxruntime ignores them), so a
  // registered model can be explained without its training data.
  const withCovers = ensemble.trees.length > 0 && ensemble.trees.every((tree) => tree.cover !== undefined);
  const hitRates: number[] = [];
  ensemble.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const leaf = tree.feature[node] < 0;
      treeIds.push(t);
      nodeIds.push(node);
      featureIds.push(leaf ? 0 : tree.feature[node]);
      modes.push(leaf ? 'LEAF' : mode);
      values.push(leaf ? 0 : tree.threshold[node]);
      trueIds.push(leaf ? 0 : tree.left[node]);
      falseIds.push(leaf ? 0 : tree.right[node]);
      missingTrue.push(leaf ? 0 : tree.missingGoesLeft[node]);
      if (withCovers) hitRates.push((tree.cover as Float32Array)[node]);
      if (leaf) {
        targetTree.push(t);
        targetNode.push(node);
        targetWeights.push(tree.leafValue[node]);
      }
    }
  });
  const trees: onnxProto.onnx.INodeProto = {
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: 'trees',
    input: [ONNX_INPUT_NAME],
    output: [ONNX_MARGIN_OUTPUT],
    attribute: [
      attribute('aggregate_function', { s: 'SUM' }),
      attribute('base_values', { floats: [Math.fround(ensemble.baseMargin)] }),
      attribute('n_targets', { i: 1 }),
      attribute('nodes_falsenodeids', { ints: falseIds }),
      attribute('nodes_featureids', { ints: featureIds }),
      ...(withCovers ? [attribute('nodes_hitrates', { floats: hitRates })] : []),
      attribute('nodes_missing_value_tracks_true', { ints: missingTrue }),
      attribute('nodes_modes', { strings: modes }),
      attribute('nodes_nodeids', { ints: nodeIds }),
      attribute('nodes_treeids', { ints: treeIds }),
      attribute('nodes_truenodeids', { ints: trueIds }),
      attribute('nodes_values', { floats: values }),
      attribute('post_transform', { s: 'NONE' }),
      attribute('target_ids', { ints: new Array<number>(targetNode.length).fill(0) }),
      attribute('target_nodeids', { ints: targetNode }),
      attribute('target_treeids', { ints: targetTree }),
      attribute('target_weights', { floats: targetWeights }),
    ],
  };
  return modelBytes([trees, ...sigmoidNodes], [], ensemble.featureCount, 'tree_ensemble', options);
}

/** Logistic regression as MatMul + Add (standardisation folded into the weights) followed by `Sigmoid`. */
export function logisticRegressionToOnnx(model: LogisticRegressionModel, options: OnnxExportOptions): Uint8Array {
  checkOptions(model.featureCount, options);
  const { weights, intercept } = foldedCoefficients(model);
  for (const w of [...weights, intercept]) {
    if (!Number.isFinite(w)) throw new ModelingError('INVALID_MODEL', 'the model has a non-finite coefficient');
  }
  const nodes: onnxProto.onnx.INodeProto[] = [
    { opType: 'MatMul', name: 'linear', input: [ONNX_INPUT_NAME, 'weights'], output: ['linear'] },
    { opType: 'Add', name: 'margin', input: ['linear', 'intercept'], output: [ONNX_MARGIN_OUTPUT] },
    ...sigmoidNodes,
  ];
  const initializers = [
    floatInitializer('weights', [model.featureCount, 1], weights),
    floatInitializer('intercept', [1], Float32Array.of(intercept)),
  ];
  const standardised = JSON.stringify({
    intercept: model.intercept,
    weights: Array.from(model.weights),
    mean: Array.from(model.mean),
    scale: Array.from(model.scale),
  });
  return modelBytes(nodes, initializers, model.featureCount, 'logistic_regression', options, {
    [METADATA_STANDARDISATION]: standardised,
  });
}

/** Exports either model kind. */
export function exportOnnx(model: ClassifierModel, options: OnnxExportOptions): Uint8Array {
  return model.kind === 'tree_ensemble' ? treeEnsembleToOnnx(model, options) : logisticRegressionToOnnx(model, options);
}

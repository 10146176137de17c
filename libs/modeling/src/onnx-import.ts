import onnxProto from 'onnx-proto';
import { ModelingError } from './errors.js';
import type { ClassifierModel } from './onnx-export.js';
import { METADATA_STANDARDISATION } from './onnx-export.js';
import { readOnnxModelInfo } from './onnx-model-info.js';
import { checkTreeEnsemble, decisionTreeFromNodes, type DecisionTree, type TreeEnsemble } from './tree-ensemble.js';

const { onnx } = onnxProto;

/** A model read back from an ONNX file this library wrote, with the feature names it carries. */
export interface OnnxClassifier {
  model: ClassifierModel;
  featureNames: string[] | null;
  featureSpecHash: string | null;
}

type Attribute = onnxProto.onnx.IAttributeProto;

function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/**
 * Reads a model written by {@link exportOnnx} back into the form the explainers work on: the tree
 * ensemble of a `TreeEnsembleRegressor` (node covers from `nodes_hitrates`, when the export had them), or
 * the logistic regression whose standardised coefficients the export kept in its metadata. Throws
 * `INVALID_MODEL` for bytes that are not ONNX and `UNSUPPORTED_MODEL` for a graph of another shape.
 */
export function classifierFromOnnx(bytes: Uint8Array, source = 'the model'): OnnxClassifier {
  const info = readOnnxModelInfo(bytes, source);
  const graph = onnx.ModelProto.decode(bytes).graph;
  const featureCount = info.inputs[0]?.dims[1];
  if (typeof featureCount !== 'number' || featureCount < 1) {
    throw new ModelingError('UNSUPPORTED_MODEL', `${source}: its input has no fixed feature width`);
  }
  const header = { featureNames: info.featureNames, featureSpecHash: info.featureSpecHash };
  const trees = graph?.node?.find((n) => n.opType === 'TreeEnsembleRegressor');
  if (trees) return { model: treeEnsembleFromNode(trees.attribute ?? [], featureCount, source), ...header };
  const standardisation = info.metadata[METADATA_STANDARDISATION];
  if (standardisation !== undefined) {
    return { model: logisticRegressionFromMetadata(standardisation, featureCount, source), ...header };
  }
  throw new ModelingError(
    'UNSUPPORTED_MODEL',
    `${source} is neither a tree ensemble nor a logistic regression with its standardised coefficients in the metadata (exported before they were kept?)`,
  );
}

// eslint-disable-next-line max-lines-per-function -- reads the ONNX operator's attributes and checks each, naming the attribute
function treeEnsembleFromNode(attributes: Attribute[], featureCount: number, source: string): TreeEnsemble {
  const byName = new Map(attributes.map((a) => [a.name ?? '', a]));
  const ints = (name: string): number[] => (byName.get(name)?.ints ?? []).map(toNumber);
  const floats = (name: string): number[] => Array.from(byName.get(name)?.floats ?? []);
  const strings = (name: string): string[] => (byName.get(name)?.strings ?? []).map((s) => new TextDecoder().decode(s));
  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const modes = strings('nodes_modes');
  const values = floats('nodes_values');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const missingTrue = ints('nodes_missing_value_tracks_true');
  const hitRates = floats('nodes_hitrates');
  const n = treeIds.length;
  for (const [name, list] of [
    ['nodes_nodeids', nodeIds],
    ['nodes_featureids', featureIds],
    ['nodes_modes', modes],
    ['nodes_values', values],
    ['nodes_truenodeids', trueIds],
    ['nodes_falsenodeids', falseIds],
  ] as const) {
    if (list.length !== n)
      throw new ModelingError('INVALID_MODEL', `${source}: ${name} has ${list.length} entries, nodes_treeids has ${n}`);
  }
  const splitModes = new Set(modes.filter((m) => m !== 'LEAF'));
  if (splitModes.size > 1 || [...splitModes].some((m) => m !== 'BRANCH_LEQ' && m !== 'BRANCH_LT')) {
    throw new ModelingError(
      'UNSUPPORTED_MODEL',
      `${source}: split modes ${[...splitModes].join(', ')}; one of BRANCH_LEQ or BRANCH_LT expected`,
    );
  }
  const treeCount = n === 0 ? 0 : Math.max(...treeIds) + 1;
  const sizes = new Array<number>(treeCount).fill(0);
  for (const t of treeIds) sizes[t]++;
  const nodes = sizes.map((size) => ({
    feature: new Array<number>(size).fill(-1),
    threshold: new Array<number>(size).fill(0),
    left: new Array<number>(size).fill(-1),
    right: new Array<number>(size).fill(-1),
    missingGoesLeft: new Array<number>(size).fill(0),
    leafValue: new Array<number>(size).fill(0),
    cover: new Array<number>(size).fill(0),
  }));
  for (let i = 0; i < n; i++) {
    const tree = nodes[treeIds[i]];
    const id = nodeIds[i];
    if (!(id >= 0 && id < tree.feature.length))
      throw new ModelingError(
        'INVALID_MODEL',
        `${source}: tree ${treeIds[i]} has node id ${id} of ${tree.feature.length}`,
      );
    if (hitRates.length === n) tree.cover[id] = hitRates[i];
    if (modes[i] === 'LEAF') continue;
    tree.feature[id] = featureIds[i];
    tree.threshold[id] = values[i];
    tree.left[id] = trueIds[i];
    tree.right[id] = falseIds[i];
    tree.missingGoesLeft[id] = missingTrue[i] ?? 0;
  }
  const targetTrees = ints('target_treeids');
  const targetNodes = ints('target_nodeids');
  const weights = floats('target_weights');
  targetTrees.forEach((t, i) => {
    nodes[t].leafValue[targetNodes[i]] += weights[i];
  });
  const trees: DecisionTree[] = nodes.map(({ cover, ...tree }) =>
    decisionTreeFromNodes({ ...tree, cover: hitRates.length === n ? cover : undefined }),
  );
  const ensemble: TreeEnsemble = {
    kind: 'tree_ensemble',
    featureCount,
    comparison: splitModes.has('BRANCH_LT') ? 'lt' : 'leq',
    baseMargin: floats('base_values')[0] ?? 0,
    trees,
  };
  checkTreeEnsemble(ensemble);
  return ensemble;
}

function logisticRegressionFromMetadata(text: string, featureCount: number, source: string): ClassifierModel {
  const bad = () =>
    new ModelingError(
      'INVALID_MODEL',
      `${source}: metadata "${METADATA_STANDARDISATION}" is not {intercept, weights, mean, scale} with ${featureCount} entries each`,
    );
  let parsed: { intercept?: unknown; weights?: unknown; mean?: unknown; scale?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw bad();
  }
  const list = (value: unknown): Float64Array => {
    if (!Array.isArray(value) || value.length !== featureCount || !value.every((v) => typeof v === 'number'))
      throw bad();
    return Float64Array.from(value);
  };
  if (typeof parsed.intercept !== 'number') throw bad();
  return {
    kind: 'logistic_regression',
    featureCount,
    intercept: parsed.intercept,
    weights: list(parsed.weights),
    mean: list(parsed.mean),
    scale: list(parsed.scale),
  };
}

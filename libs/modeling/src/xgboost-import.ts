import { ModelingError } from './errors.js';
import { checkTreeEnsemble, decisionTreeFromNodes, type DecisionTree, type TreeEnsemble } from './tree-ensemble.js';

/** What {@link importXgboostJson} returns: the ensemble plus what the file said about itself. */
export interface XgboostImport {
  model: TreeEnsemble;
  /** XGBoost version that wrote the file, e.g. `1.7.4`. */
  version: string;
  /** `base_score` as a probability (its logit is the model's base margin). */
  baseScore: number;
  /** Feature names stored in the file, or null when it has none. */
  featureNames: string[] | null;
}

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new ModelingError('INVALID_MODEL', `not a readable XGBoost JSON model: ${message}`);
}

function unsupported(message: string): never {
  throw new ModelingError('UNSUPPORTED_MODEL', message);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${path} is not an object`);
  return value as Json;
}

function numbers(value: unknown, path: string, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) fail(`${path} is not an array of ${length} entries`);
  return value.map((v, i) => {
    const n: unknown = typeof v === 'boolean' ? Number(v) : v; // XGBoost 2 may write default_left as booleans
    if (typeof n !== 'number' || Number.isNaN(n)) fail(`${path}[${i}] is not a number`);
    return n;
  });
}

/** XGBoost stores numbers in parameter objects as strings; 2.x may wrap base_score in brackets. */
function parameterNumber(value: unknown, path: string): number {
  const text = typeof value === 'string' ? value.replace(/^\[|\]$/g, '') : value;
  const n = typeof text === 'string' ? Number(text) : text;
  if (typeof n !== 'number' || Number.isNaN(n)) fail(`${path} is not a number (${JSON.stringify(value)})`);
  return n;
}

/**
 * One XGBoost tree, renumbered in pre-order from the root so children always follow their parent and
 * nodes XGBoost deleted while pruning are dropped.
 */
function convertTree(tree: Json, t: number, featureCount: number): DecisionTree {
  const param = object(tree['tree_param'], `trees[${t}].tree_param`);
  const n = parameterNumber(param['num_nodes'], `trees[${t}].tree_param.num_nodes`);
  const left = numbers(tree['left_children'], `trees[${t}].left_children`, n);
  const right = numbers(tree['right_children'], `trees[${t}].right_children`, n);
  const feature = numbers(tree['split_indices'], `trees[${t}].split_indices`, n);
  const condition = numbers(tree['split_conditions'], `trees[${t}].split_conditions`, n);
  const defaultLeft = numbers(tree['default_left'], `trees[${t}].default_left`, n);
  // Covers are optional for prediction; a file without them converts, but cannot be explained.
  const sumHessian =
    tree['sum_hessian'] === undefined ? null : numbers(tree['sum_hessian'], `trees[${t}].sum_hessian`, n);
  const splitType = tree['split_type'] === undefined ? null : numbers(tree['split_type'], `trees[${t}].split_type`, n);
  const out = {
    feature: [] as number[],
    threshold: [] as number[],
    left: [] as number[],
    right: [] as number[],
    missingGoesLeft: [] as number[],
    leafValue: [] as number[],
    cover: [] as number[],
  };
  const visit = (node: number, depth: number): number => {
    if (!(Number.isInteger(node) && node >= 0 && node < n) || depth > 64)
      fail(`trees[${t}] has a bad child reference ${node}`);
    const id = out.feature.length;
    const leaf = left[node] === -1;
    out.feature.push(leaf ? -1 : feature[node]);
    out.threshold.push(leaf ? 0 : Math.fround(condition[node]));
    out.left.push(-1);
    out.right.push(-1);
    out.missingGoesLeft.push(leaf ? 0 : defaultLeft[node] ? 1 : 0);
    // A leaf's value is stored in split_conditions.
    out.leafValue.push(leaf ? Math.fround(condition[node]) : 0);
    if (sumHessian) out.cover.push(sumHessian[node]);
    if (!leaf) {
      if (splitType && splitType[node] !== 0) {
        unsupported(`trees[${t}] node ${node} is a categorical split; only numerical splits convert to ONNX here`);
      }
      if (!(feature[node] >= 0 && feature[node] < featureCount)) {
        fail(`trees[${t}] node ${node} splits on feature ${feature[node]} of ${featureCount}`);
      }
      out.left[id] = visit(left[node], depth + 1);
      out.right[id] = visit(right[node], depth + 1);
    }
    return id;
  };
  visit(0, 0);
  return decisionTreeFromNodes({ ...out, cover: sumHessian ? out.cover : undefined });
}

/**
 * Converts a `binary:logistic` gbtree model saved by XGBoost 1.7–2.x with `booster.save_model("model.json")`
 * into a {@link TreeEnsemble}: splits `x < threshold` (ONNX `BRANCH_LT`), each node's learned missing
 * direction, and base margin logit(base_score).
 */
export function importXgboostJson(source: string | object): XgboostImport {
  let root: Json;
  if (typeof source === 'string') {
    try {
      root = object(JSON.parse(source), 'the document');
    } catch (error) {
      if (error instanceof ModelingError) throw error;
      throw new ModelingError('INVALID_MODEL', `not a readable XGBoost JSON model: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else {
    root = object(source, 'the document');
  }
  const versionParts = Array.isArray(root['version']) ? (root['version'] as unknown[]).map(Number) : null;
  if (!versionParts || versionParts.length < 2 || versionParts.some(Number.isNaN)) fail('no "version" array');
  const version = versionParts.join('.');
  const [major, minor] = versionParts;
  if (major < 1 || (major === 1 && minor < 7) || major > 2) {
    unsupported(`XGBoost ${version} wrote this model; models from XGBoost 1.7 to 2.x are supported`);
  }
  const learner = object(root['learner'], 'learner');
  const objective = object(learner['objective'], 'learner.objective');
  if (objective['name'] !== 'binary:logistic') {
    unsupported(
      `objective "${String(objective['name'])}" is not supported; only binary:logistic converts to a fraud probability`,
    );
  }
  const modelParam = object(learner['learner_model_param'], 'learner.learner_model_param');
  const featureCount = parameterNumber(modelParam['num_feature'], 'learner_model_param.num_feature');
  const numClass = modelParam['num_class'] === undefined ? 0 : parameterNumber(modelParam['num_class'], 'num_class');
  const numTarget =
    modelParam['num_target'] === undefined ? 1 : parameterNumber(modelParam['num_target'], 'num_target');
  if (numClass > 1 || numTarget !== 1)
    unsupported(`a model with ${numClass} classes and ${numTarget} targets is not binary`);
  const baseScore = parameterNumber(modelParam['base_score'], 'learner_model_param.base_score');
  if (!(baseScore > 0 && baseScore < 1)) fail(`base_score ${baseScore} is not a probability in (0, 1)`);
  const booster = object(learner['gradient_booster'], 'learner.gradient_booster');
  if (booster['name'] !== 'gbtree') {
    unsupported(`booster "${String(booster['name'])}" is not supported; only gbtree (dart and gblinear are not)`);
  }
  const model = object(booster['model'], 'gradient_booster.model');
  const trees = model['trees'];
  if (!Array.isArray(trees)) fail('gradient_booster.model.trees is not an array');
  const treeInfo = model['tree_info'];
  if (Array.isArray(treeInfo) && treeInfo.some((group) => group !== 0)) unsupported('trees of several output groups');
  const names = learner['feature_names'];
  const featureNames =
    Array.isArray(names) && names.length === featureCount && names.every((n) => typeof n === 'string') ? names : null;

  const ensemble: TreeEnsemble = {
    kind: 'tree_ensemble',
    featureCount,
    comparison: 'lt',
    baseMargin: Math.fround(Math.log(baseScore / (1 - baseScore))),
    trees: trees.map((tree, t) => convertTree(object(tree, `trees[${t}]`), t, featureCount)),
  };
  checkTreeEnsemble(ensemble);
  return { model: ensemble, version, baseScore, featureNames };
}

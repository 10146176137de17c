import type { DecisionTree, TreeEnsemble } from './tree-ensemble.js';

/**
 * A tree ensemble's probabilities for `rows` feature vectors laid out row-major in `values` (at least
 * `rows × featureCount` of them), computed by the ensemble compiled to JavaScript.
 */
export type CompiledTreePredictor = (values: Float32Array, rows: number) => Float32Array;

/**
 * Nodes per generated function. V8 optimises a function only up to a bytecode size (60 KB by default); a node
 * takes about 20 bytes, and functions of 1,300–2,600 nodes ran alike on a 100-tree depth-6 model
 * (docs/benchmarks.md, scoring), so groups stay well inside the limit.
 */
export const COMPILED_GROUP_NODES = 1500;
/** Ensembles beyond this many nodes in all are not compiled (the source and its compilation grow with them). */
export const COMPILED_MAX_NODES = 400_000;
/** Trees deeper than this are not compiled (a branch is a nested expression; deep nesting strains the parser). */
export const COMPILED_MAX_DEPTH = 48;

/**
 * The ensemble as generated JavaScript: every tree becomes nested conditional expressions with its features,
 * thresholds and leaf values written in as constants, a few dozen trees to a function, so a row's walk reads
 * no node table — each split is one comparison and one branch. The arithmetic is `predictProbability`'s
 * step for step (leaf values summed in float32 in tree order, the base margin added last, the sigmoid in
 * float64 rounded to float32), and a split sends a row where `predictMargin`'s walk does (`NaN` to the
 * node's missing-value branch), so the probabilities are bit-identical to it and to the ONNX export.
 *
 * Returns undefined when the ensemble is too large or too deep to compile well ({@link COMPILED_MAX_NODES},
 * {@link COMPILED_MAX_DEPTH}, or one tree beyond {@link COMPILED_GROUP_NODES}): callers keep their other
 * predictor. The generated source holds only numbers read from the ensemble's typed arrays (feature indices
 * checked as integers below `featureCount`), never text from the model file.
 */
export function compileTreeEnsemble(ensemble: TreeEnsemble): CompiledTreePredictor | undefined {
  const compiled = compileTrees(ensemble);
  compiled?.warmUp(Infinity);
  return compiled?.predict;
}

/** {@link compileTreeEnsemble} with its warm-up left to the caller, to run in slices (e.g. between event-loop turns). */
export interface CompiledTrees {
  /** The predictor: right from the start, and fastest once the warm-up is done. */
  predict: CompiledTreePredictor;
  /** Runs the next `rows` warm-up calls (one vector per leaf, twice over: see {@link leafRows}); true once all ran. */
  warmUp(rows: number): boolean;
}

/** The ensemble compiled as {@link compileTreeEnsemble} does, not yet warmed up; undefined when it would not compile. */
export function compileTrees(ensemble: TreeEnsemble): CompiledTrees | undefined {
  const { trees, featureCount } = ensemble;
  const base = Math.fround(ensemble.baseMargin);
  if (!Number.isInteger(featureCount) || featureCount < 1 || !Number.isFinite(base)) return undefined;
  let total = 0;
  for (const tree of trees) {
    const nodes = tree.feature.length;
    total += nodes;
    if (nodes > COMPILED_GROUP_NODES || total > COMPILED_MAX_NODES) return undefined;
    if (!compilable(tree, featureCount)) return undefined;
  }
  const comparison = ensemble.comparison === 'leq' ? '<=' : '<';
  const groups: string[] = [];
  const groupOfTree = new Int32Array(trees.length);
  for (let t = 0; t < trees.length;) {
    const statements: string[] = [];
    const used = new Set<number>();
    let nodes = 0;
    do {
      groupOfTree[t] = groups.length;
      statements.push(`s = f(s + ${treeExpression(trees[t], 0, comparison, used)});`);
      nodes += trees[t].feature.length;
      t++;
    } while (t < trees.length && nodes + trees[t].feature.length <= COMPILED_GROUP_NODES);
    // Each feature a group's trees read is loaded once per row.
    const loads = [...used].sort((a, b) => a - b).map((feature) => `const x${feature} = v[o + ${feature}];`);
    groups.push(['const f = Math.fround;', ...loads, ...statements, 'return s;'].join('\n'));
  }
  // The driver calls each group by its own name (one call site per group), then adds the base margin.
  const calls = groups.map((_, g) => `s = g${g}(values, o, s);`);
  const source = [
    ...groups.map((body, g) => `const g${g} = function (v, o, s) {\n${body}\n};`),
    `return { groups: [${groups.map((_, g) => `g${g}`).join(', ')}], predict: function (values, rows) {`,
    '  const out = new Float32Array(rows);',
    `  for (let r = 0, o = 0; r < rows; r++, o += ${featureCount}) {`,
    '    let s = 0;',
    ...calls.map((call) => `    ${call}`),
    `    s = Math.fround(s + ${literal(base)});`,
    '    out[r] = 1 / (1 + Math.exp(-s));',
    '  }',
    '  return out;',
    '} };',
  ].join('\n');
  // The source is generated from numbers only (see above): compiling it is the point.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the ensemble's numbers
  const build = new Function(source) as () => { groups: GroupFunction[]; predict: CompiledTreePredictor };
  const { groups: functions, predict } = build();
  const warmUp = warmUpRunner(ensemble, functions, groupOfTree);
  const checked: CompiledTreePredictor = (values, rows) => {
    if (!Number.isInteger(rows) || rows < 0 || values.length < rows * featureCount) {
      throw new RangeError(
        `${rows} rows of ${featureCount} features need ${rows * featureCount} values, got ${values.length}`,
      );
    }
    return predict(values, rows);
  };
  return { predict: checked, warmUp };
}

/** A generated group of trees: the float32 sum `s` plus their leaf values for the row at `o` of `v`. */
type GroupFunction = (v: Float32Array, o: number, s: number) => number;

/**
 * {@link CompiledTrees.warmUp}: every comparison gets its type feedback before V8 optimises (see leafRows). Each
 * leaf's vector runs twice: V8 records feedback only once a function has run a few times (lazy feedback
 * allocation), so the first rows' paths would go unrecorded.
 */
function warmUpRunner(
  ensemble: TreeEnsemble,
  functions: GroupFunction[],
  groupOfTree: Int32Array,
): (rows: number) => boolean {
  let vectors: ReturnType<typeof leafRows> | undefined;
  let done = 0;
  return (rows) => {
    vectors ??= leafRows(ensemble);
    const end = Math.min(2 * vectors.length, done + rows);
    for (; done < end; done++) {
      const { tree, row } = vectors[done % vectors.length];
      functions[groupOfTree[tree]](row, 0, 0);
    }
    return done === 2 * vectors.length;
  };
}

/**
 * One feature vector per leaf of every tree, built to reach that leaf: the warm-up that runs each tree's every
 * comparison once when the ensemble is compiled. V8 optimises a generated function once it is hot, and a
 * comparison it has never run (a branch the traffic has not taken yet) has no type feedback: the optimised
 * code leaves for the interpreter the first time a row gets there, and the function is optimised again — about
 * 0.1 s of compiling for a group of trees, over and over while rare branches keep turning up (measured on a
 * 100-tree depth-6 model: 6–30 µs a row instead of ≈ 1). A leaf's vector holds, for each feature its path splits
 * on, a float32 value inside the path's bounds, and 0 for the others; a leaf no vector can reach is skipped.
 */
export function leafRows(ensemble: TreeEnsemble): Array<{ tree: number; leaf: number; row: Float32Array }> {
  const { featureCount } = ensemble;
  const leq = ensemble.comparison === 'leq';
  // Per feature: the numbers the path allows, [low, high] (empty when not low <= high), and whether NaN takes it.
  const low = new Float32Array(featureCount).fill(-Infinity);
  const high = new Float32Array(featureCount).fill(Infinity);
  const nanTakes = new Uint8Array(featureCount).fill(1);
  const rows: Array<{ tree: number; leaf: number; row: Float32Array }> = [];
  ensemble.trees.forEach((tree, t) => {
    const visit = (node: number): void => {
      const f = tree.feature[node];
      if (f < 0) {
        const row = new Float32Array(featureCount);
        for (let i = 0; i < featureCount; i++) {
          if (low[i] <= high[i]) row[i] = low[i] > -Infinity ? low[i] : high[i] < Infinity ? high[i] : 0;
          else if (nanTakes[i]) row[i] = Number.NaN;
          else return; // no value takes this path
        }
        rows.push({ tree: t, leaf: node, row });
        return;
      }
      const c = tree.threshold[node];
      const saved = [low[f], high[f], nanTakes[f]] as const;
      const missingLeft = tree.missingGoesLeft[node] === 1;
      // left: x <= c (leq) or x < c (lt), or NaN when missing values go left
      high[f] = Math.min(saved[1], leq ? c : nextFloat32(c, -1));
      nanTakes[f] = saved[2] & (missingLeft ? 1 : 0);
      visit(tree.left[node]);
      high[f] = saved[1];
      // right: x > c (leq) or x >= c (lt), or NaN when missing values go right
      low[f] = Math.max(saved[0], leq ? nextFloat32(c, 1) : c);
      nanTakes[f] = saved[2] & (missingLeft ? 0 : 1);
      visit(tree.right[node]);
      low[f] = saved[0];
      nanTakes[f] = saved[2];
    };
    visit(0);
  });
  return rows;
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const FLOAT32_MAX = 3.4028234663852886e38;

/** The float32 next to `x` upwards (`direction` 1) or downwards (−1); NaN past an infinity (no such number). */
function nextFloat32(x: number, direction: 1 | -1): number {
  if (x === Infinity) return direction > 0 ? Number.NaN : FLOAT32_MAX;
  if (x === -Infinity) return direction < 0 ? Number.NaN : -FLOAT32_MAX;
  if (x === 0) return direction * 1.401298464324817e-45;
  F32[0] = x;
  // A float32's bits grow with its magnitude: away from zero is +1 on the bits, towards it −1.
  I32[0] += x > 0 === direction > 0 ? 1 : -1;
  return F32[0];
}

/** Whether every node of `tree` can be written out: features in range, finite leaves, a tree (one parent a node), bounded depth. */
function compilable(tree: DecisionTree, featureCount: number): boolean {
  const depth = new Int32Array(tree.feature.length);
  // A node reached from two parents would be written out twice (and a chain of them exponentially often).
  const reached = new Uint8Array(tree.feature.length);
  for (let node = 0; node < tree.feature.length; node++) {
    const f = tree.feature[node];
    if (f < 0) {
      if (!Number.isFinite(tree.leafValue[node])) return false;
      continue;
    }
    if (f >= featureCount || Number.isNaN(tree.threshold[node])) return false;
    const left = tree.left[node];
    const right = tree.right[node];
    // Children after their parent (as checkTreeEnsemble requires): the walk below terminates.
    if (!(left > node && left < tree.feature.length && right > node && right < tree.feature.length)) return false;
    if (depth[node] + 1 > COMPILED_MAX_DEPTH || reached[left] || reached[right] || left === right) return false;
    reached[left] = 1;
    reached[right] = 1;
    depth[left] = depth[node] + 1;
    depth[right] = depth[node] + 1;
  }
  return true;
}

/** A node as an expression: a leaf's value, or the split's comparison choosing between its children. */
function treeExpression(tree: DecisionTree, node: number, comparison: string, used: Set<number>): string {
  const f = tree.feature[node];
  if (f < 0) return literal(tree.leafValue[node]);
  used.add(f);
  const x = `x${f}`;
  const left = treeExpression(tree, tree.left[node], comparison, used);
  const right = treeExpression(tree, tree.right[node], comparison, used);
  const test = `${x} ${comparison} ${literal(tree.threshold[node])}`;
  // A missing value (NaN) fails every comparison, so it takes the right branch unless the node sends it left.
  return tree.missingGoesLeft[node] === 1
    ? `(${test} || ${x} !== ${x} ? ${left} : ${right})`
    : `(${test} ? ${left} : ${right})`;
}

/** A number as JavaScript source that reads back as exactly that double (`${x}` is exact, and ±Infinity read back). */
function literal(value: number): string {
  return Object.is(value, -0) ? '-0' : `${value}`;
}

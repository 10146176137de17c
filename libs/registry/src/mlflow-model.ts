import { randomUUID } from 'node:crypto';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { onnxSignature, type OnnxSignature, type TensorSignature } from './onnx-signature.js';

// Every version is an MLflow model directory (what `mlflow.onnx.save_model` writes), so that
// `mlflow.pyfunc.load_model("models:/…")`, Model Serving and lineage can use it: an `MLmodel` file with the
// `onnx` and `python_function` flavors and a signature read from the ONNX graph, the graph itself, and the
// Python environment it loads in (the layout of MLflow's `mlflow/onnx/__init__.py`; see the README).

/** The MLflow files of a version, beside `model.onnx` (written before the card, which records their checksums). */
export const MLFLOW_MODEL_FILES = ['MLmodel', 'requirements.txt', 'python_env.yaml', 'conda.yaml'] as const;
export type MlflowModelFile = (typeof MLFLOW_MODEL_FILES)[number];

/** The ONNX file an MLflow model of this registry points at. */
export const ONNX_MODEL_FILE = 'model.onnx';

/**
 * The Python environment a version loads in, pinned: versions that read IR 8 / opset 17 graphs with the
 * `ai.onnx.ml` tree operators and run on Databricks ML runtimes of 2024–2026.
 */
export const MLFLOW_ENVIRONMENT = {
  python: '3.11.9',
  mlflow: '2.16.2',
  onnx: '1.16.2',
  onnxruntime: '1.19.2',
  pip: '24.2',
  setuptools: '74.1.2',
  wheel: '0.44.0',
} as const;

export interface MlflowModel {
  files: Record<MlflowModelFile, Uint8Array>;
  signature: OnnxSignature;
}

/** MLflow's tensor-spec JSON for one side of a signature (a JSON *string* inside the YAML). */
function tensorSpecJson(tensors: TensorSignature[]): string {
  return JSON.stringify(
    tensors.map((t) => ({ type: 'tensor', 'tensor-spec': { dtype: t.dtype, shape: t.shape }, name: t.name })),
  );
}

/** A YAML single-quoted scalar (a quote is doubled; JSON text has no line breaks). */
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** `2026-12-06T18:00:00.123Z` → `2026-12-06 18:00:00.123000`, as MLflow writes `utc_time_created`. */
function mlflowTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new RegistryError(RegistryErrorCode.invalidCard, `created "${iso}" is not a time`);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(date.getUTCMilliseconds()).padStart(3, '0')}000`;
}

/**
 * The MLflow files for an ONNX graph: `MLmodel` (flavors, signature from the graph's inputs and outputs),
 * `requirements.txt`, `python_env.yaml` and `conda.yaml` with pinned versions. Throws `INVALID_CARD` when
 * the bytes are not an ONNX model with tensor inputs and outputs.
 */
// eslint-disable-next-line max-lines-per-function -- the MLflow model directory's files (MLmodel, conda.yaml, python_env.yaml, requirements.txt) as MLflow writes them
export function mlflowModelFiles(onnx: Uint8Array, options: { created: string; modelUuid?: string }): MlflowModel {
  const signature = onnxSignature(onnx);
  const env = MLFLOW_ENVIRONMENT;
  const mlmodel = [
    'artifact_path: model',
    'flavors:',
    '  onnx:',
    '    code: null',
    `    data: ${ONNX_MODEL_FILE}`,
    `    onnx_version: ${env.onnx}`,
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    `    data: ${ONNX_MODEL_FILE}`,
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.onnx',
    `    python_version: ${env.python}`,
    `mlflow_version: ${env.mlflow}`,
    `model_uuid: ${options.modelUuid ?? randomUUID().replace(/-/g, '')}`,
    'signature:',
    `  inputs: ${quoted(tensorSpecJson(signature.inputs))}`,
    `  outputs: ${quoted(tensorSpecJson(signature.outputs))}`,
    '  params: null',
    `utc_time_created: '${mlflowTime(options.created)}'`,
    '',
  ].join('\n');
  const requirements = [`mlflow==${env.mlflow}`, `onnx==${env.onnx}`, `onnxruntime==${env.onnxruntime}`, ''].join('\n');
  const pythonEnv = [
    `python: ${env.python}`,
    'build_dependencies:',
    `- pip==${env.pip}`,
    `- setuptools==${env.setuptools}`,
    `- wheel==${env.wheel}`,
    'dependencies:',
    '- -r requirements.txt',
    '',
  ].join('\n');
  const conda = [
    'channels:',
    '- conda-forge',
    'dependencies:',
    `- python=${env.python}`,
    `- pip<=${env.pip}`,
    '- pip:',
    `  - mlflow==${env.mlflow}`,
    `  - onnx==${env.onnx}`,
    `  - onnxruntime==${env.onnxruntime}`,
    'name: mlflow-env',
    '',
  ].join('\n');
  const encode = (text: string) => new TextEncoder().encode(text);
  return {
    files: {
      MLmodel: encode(mlmodel),
      'requirements.txt': encode(requirements),
      'python_env.yaml': encode(pythonEnv),
      'conda.yaml': encode(conda),
    },
    signature,
  };
}

/** What a reader needs from an `MLmodel`: the ONNX file it loads and the signature it declares. */
export interface MlmodelInfo {
  /** `flavors.onnx.data`, relative to the version's root. */
  onnxData: string;
  signature: OnnxSignature;
}

type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

function scalar(raw: string): string | null {
  const value = raw.trim();
  if (value === '' || value === 'null' || value === '~') return null;
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) return value.slice(1, -1).replace(/''/g, "'");
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) return JSON.parse(value) as string;
  return value;
}

/**
 * Block-style YAML as MLflow (PyYAML `safe_dump`) and this registry write `MLmodel`: nested mappings,
 * `- item` sequences and one-line scalars. Anything else is left as its text.
 */
function parseBlockYaml(text: string): YamlValue {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    .map((l) => ({ indent: l.length - l.trimStart().length, body: l.trim() }));
  let index = 0;
  const block = (indent: number): YamlValue => {
    if (lines[index]?.body.startsWith('- ') || lines[index]?.body === '-') {
      const items: YamlValue[] = [];
      while (
        index < lines.length &&
        lines[index].indent === indent &&
        (lines[index].body.startsWith('- ') || lines[index].body === '-')
      ) {
        items.push(scalar(lines[index].body.slice(1)));
        index++;
      }
      return items;
    }
    const map: { [key: string]: YamlValue } = {};
    while (index < lines.length && lines[index].indent === indent) {
      const { body } = lines[index];
      const colon = body.search(/:(\s|$)/);
      if (colon < 0) throw new SyntaxError(`line "${body}" is not "key: value"`);
      const key = body.slice(0, colon);
      const rest = body.slice(colon + 1).trim();
      index++;
      const next = lines[index];
      if (
        rest === '' &&
        next !== undefined &&
        (next.indent > indent || (next.indent === indent && next.body.startsWith('-')))
      ) {
        map[key] = block(next.indent);
      } else {
        map[key] = scalar(rest);
      }
    }
    return map;
  };
  const value = block(lines[0]?.indent ?? 0);
  if (index < lines.length) throw new SyntaxError(`unexpected indentation at "${lines[index].body}"`);
  return value;
}

function tensorSpecs(json: YamlValue | undefined, what: string): TensorSignature[] {
  if (typeof json !== 'string') throw new SyntaxError(`signature.${what} is missing`);
  const parsed = JSON.parse(json) as Array<{
    type?: string;
    name?: string;
    'tensor-spec'?: { dtype?: string; shape?: number[] };
  }>;
  if (!Array.isArray(parsed) || parsed.length === 0) throw new SyntaxError(`signature.${what} is empty`);
  return parsed.map((t, i) => {
    const spec = t['tensor-spec'];
    if (t.type !== 'tensor' || typeof spec?.dtype !== 'string' || !Array.isArray(spec.shape)) {
      throw new SyntaxError(`signature.${what}[${i}] is not a tensor spec`);
    }
    return { name: t.name ?? '', dtype: spec.dtype, shape: spec.shape };
  });
}

/** Reads an `MLmodel` file; `ARTIFACT_CORRUPT` naming `source` when it is not an ONNX MLflow model with a signature. */
export function parseMlmodel(text: string, source: string): MlmodelInfo {
  try {
    const root = parseBlockYaml(text) as { [key: string]: YamlValue };
    const flavors = root['flavors'] as { [key: string]: { [key: string]: YamlValue } } | undefined;
    const onnxData = flavors?.['onnx']?.['data'];
    if (typeof onnxData !== 'string' || onnxData === '') throw new SyntaxError('flavors.onnx.data is missing');
    if (flavors?.['python_function']?.['loader_module'] !== 'mlflow.onnx')
      throw new SyntaxError('flavors.python_function.loader_module is not mlflow.onnx');
    if (onnxData.includes('..') || onnxData.startsWith('/'))
      throw new SyntaxError(`flavors.onnx.data "${onnxData}" leaves the version`);
    const signature = root['signature'] as { [key: string]: YamlValue } | undefined;
    return {
      onnxData,
      signature: {
        inputs: tensorSpecs(signature?.['inputs'], 'inputs'),
        outputs: tensorSpecs(signature?.['outputs'], 'outputs'),
      },
    };
  } catch (error) {
    throw new RegistryError(
      RegistryErrorCode.artifactCorrupt,
      `${source} is not an ONNX MLflow model: ${(error as Error).message}`,
      {
        path: source,
        cause: error,
      },
    );
  }
}

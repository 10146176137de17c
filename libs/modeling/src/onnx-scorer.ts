import { readFile } from 'node:fs/promises';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelingError } from './errors.js';
import { ONNX_INPUT_NAME, ONNX_MARGIN_OUTPUT, ONNX_PROBABILITY_OUTPUT } from './onnx-export.js';
import { readOnnxModelInfo, type OnnxModelInfo } from './onnx-model-info.js';

type OnnxRuntime = typeof import('onnxruntime-node');

let runtime: Promise<OnnxRuntime> | null = null;

/** The one place onnxruntime-node is loaded: on first use, so apps that never score do not load it. */
function loadRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node').then(
    (module) => (module as { default?: OnnxRuntime }).default ?? module,
    (error: unknown) => {
      runtime = null;
      throw new ModelingError('RUNTIME_ERROR', `onnxruntime-node could not be loaded: ${(error as Error).message}`, {
        cause: error,
      });
    },
  );
  return runtime;
}

export interface OnnxScorerOptions {
  /**
   * The feature-spec hash of the features the caller will pass. The model's `feature_spec_hash` metadata must
   * equal it: a model trained on other features is refused rather than silently scoring nonsense.
   */
  featureSpecHash: string;
  /** When given, the model's input width must equal it. */
  featureCount?: number;
  /**
   * onnxruntime intra-op threads. One thread with spinning off gave the best single-row latency on a
   * 2-core machine; raise it for large offline batches. @defaultValue 1
   */
  intraOpNumThreads?: number;
  /** Let idle onnxruntime threads spin (lower latency, burns CPU). @defaultValue false */
  allowSpinning?: boolean;
}

export interface ScoreResult {
  /** Probability of fraud per row. */
  probability: Float32Array;
  /** Margin (log-odds) per row. */
  margin: Float32Array;
}

/**
 * Scores feature batches with an ONNX model in onnxruntime-node. Create one scorer per model and reuse it:
 * sessions are expensive and repeated create/release leaks memory in onnxruntime 1.x.
 *
 * `score()` runs synchronously inside onnxruntime even though it returns a promise; a server should keep
 * big batches off its request thread.
 */
export class OnnxScorer {
  private session: InferenceSession | null;

  private constructor(
    private readonly ort: OnnxRuntime,
    session: InferenceSession,
    readonly info: OnnxModelInfo,
    readonly featureCount: number,
  ) {
    this.session = session;
  }

  /** Loads a model from a file path or bytes and checks it against the caller's features. */
  static async load(source: string | Uint8Array, options: OnnxScorerOptions): Promise<OnnxScorer> {
    const label = typeof source === 'string' ? source : 'the model bytes';
    const threads = options.intraOpNumThreads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new ModelingError('INVALID_PARAMETER', `intraOpNumThreads must be a positive integer, got ${threads}`);
    }
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = await readFile(source);
      } catch (error) {
        throw new ModelingError('FILE_ERROR', `cannot read model file ${source}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    } else {
      bytes = source;
    }
    const info = readOnnxModelInfo(bytes, label);
    const featureCount = checkInterface(info, label, options);
    const ort = await loadRuntime();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
      });
    } catch (error) {
      throw new ModelingError('INVALID_MODEL', `onnxruntime rejected ${label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new OnnxScorer(ort, session, info, featureCount);
  }

  get featureSpecHash(): string | null {
    return this.info.featureSpecHash;
  }

  get featureNames(): string[] | null {
    return this.info.featureNames;
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.info.metadata;
  }

  /** Scores `values.length / featureCount` rows given row-major in feature-spec order. */
  async score(values: Float32Array): Promise<ScoreResult> {
    const session = this.session;
    if (!session) throw new ModelingError('RELEASED', 'this scorer was released');
    if (!(values instanceof Float32Array)) {
      throw new ModelingError('INVALID_INPUT', 'features must be a Float32Array');
    }
    if (values.length % this.featureCount !== 0) {
      throw new ModelingError(
        'INPUT_MISMATCH',
        `got ${values.length} values, not a multiple of the model's ${this.featureCount} features per row`,
      );
    }
    const rows = values.length / this.featureCount;
    if (rows === 0) return { probability: new Float32Array(0), margin: new Float32Array(0) };
    const input = new this.ort.Tensor('float32', values, [rows, this.featureCount]);
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await session.run({ [ONNX_INPUT_NAME]: input });
    } catch (error) {
      throw new ModelingError(
        'RUNTIME_ERROR',
        `onnxruntime failed to score ${rows} rows: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const probability = outputs[ONNX_PROBABILITY_OUTPUT].data as Float32Array;
    const margin = outputs[ONNX_MARGIN_OUTPUT].data as Float32Array;
    return { probability, margin };
  }

  /** Frees the session; the scorer cannot be used afterwards. */
  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.release();
  }
}

/** Checks input name, type and width, the probability output and the feature-spec hash; returns the width. */
function checkInterface(info: OnnxModelInfo, label: string, options: OnnxScorerOptions): number {
  if (info.inputs.length !== 1 || info.inputs[0].name !== ONNX_INPUT_NAME) {
    const names = info.inputs.map((i) => `"${i.name}"`).join(', ');
    throw new ModelingError(
      'INPUT_MISMATCH',
      `${label} must have exactly one input named "${ONNX_INPUT_NAME}", it has ${names || 'none'}`,
    );
  }
  const input = info.inputs[0];
  const width = input.dims.length === 2 ? input.dims[1] : null;
  if (input.elementType !== 'FLOAT' || typeof width !== 'number' || width < 1) {
    throw new ModelingError(
      'INPUT_MISMATCH',
      `${label}: input "${ONNX_INPUT_NAME}" must be float32 [N, F] with a fixed F, it is ${input.elementType} [${input.dims.join(', ')}]`,
    );
  }
  if (options.featureCount !== undefined && options.featureCount !== width) {
    throw new ModelingError(
      'INPUT_MISMATCH',
      `${label} expects ${width} features per row, the scorer was configured for ${options.featureCount}`,
    );
  }
  for (const name of [ONNX_MARGIN_OUTPUT, ONNX_PROBABILITY_OUTPUT]) {
    const output = info.outputs.find((o) => o.name === name);
    if (!output || output.elementType !== 'FLOAT') {
      throw new ModelingError(
        'INPUT_MISMATCH',
        `${label} has no float32 "${name}" output (fraudops models output margin and probability)`,
      );
    }
  }
  if (info.featureSpecHash !== options.featureSpecHash) {
    throw new ModelingError(
      'FEATURE_SPEC_MISMATCH',
      info.featureSpecHash === null
        ? `${label} carries no feature_spec_hash metadata, so it cannot be checked against feature spec ${options.featureSpecHash}`
        : `${label} was trained on feature spec ${info.featureSpecHash}, the scorer computes features of spec ${options.featureSpecHash}`,
    );
  }
  return width;
}

import onnxProto from 'onnx-proto';
import { ModelingError } from './errors.js';
import { METADATA_FEATURE_NAMES, METADATA_FEATURE_SPEC_HASH } from './onnx-export.js';

const { onnx } = onnxProto;

export interface OnnxTensorInfo {
  name: string;
  /** ONNX element type name, e.g. `FLOAT`. */
  elementType: string;
  /** A number for a fixed dimension, the symbol (or null) for a free one. */
  dims: Array<number | string | null>;
}

/** What a model file declares about itself, read without onnxruntime. */
export interface OnnxModelInfo {
  irVersion: number;
  opsets: Array<{ domain: string; version: number }>;
  producer: string;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  metadata: Record<string, string>;
  featureSpecHash: string | null;
  featureNames: string[] | null;
}

/** protobuf int64 fields decode as a number or a Long (whose type this lib does not import). */
function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : (value as { toNumber(): number }).toNumber();
}

function tensorInfo(value: onnxProto.onnx.IValueInfoProto): OnnxTensorInfo {
  const tensor = value.type?.tensorType;
  const elementType = onnx.TensorProto.DataType[tensor?.elemType ?? 0] ?? 'UNDEFINED';
  const dims = (tensor?.shape?.dim ?? []).map((d) =>
    d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : null,
  );
  return { name: value.name ?? '', elementType: String(elementType), dims };
}

/** Decodes an ONNX file's header: inputs, outputs, opsets, metadata. Throws `INVALID_MODEL` for non-ONNX bytes. */
export function readOnnxModelInfo(bytes: Uint8Array, source = 'the model'): OnnxModelInfo {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelingError(
      'INVALID_MODEL',
      `${source} is not an ONNX model (protobuf decoding failed: ${(error as Error).message}); is the file truncated or of another format?`,
      { cause: error },
    );
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0 || !graph.input || graph.input.length === 0) {
    throw new ModelingError(
      'INVALID_MODEL',
      `${source} is not an ONNX model: it has no graph, nodes or inputs (${bytes.length} bytes)`,
    );
  }
  const metadata: Record<string, string> = {};
  for (const prop of model.metadataProps ?? []) if (prop.key) metadata[prop.key] = prop.value ?? '';
  let featureNames: string[] | null = null;
  if (metadata[METADATA_FEATURE_NAMES] !== undefined) {
    try {
      const parsed: unknown = JSON.parse(metadata[METADATA_FEATURE_NAMES]);
      if (Array.isArray(parsed) && parsed.every((n) => typeof n === 'string')) featureNames = parsed;
    } catch {
      featureNames = null;
    }
    if (featureNames === null) {
      throw new ModelingError(
        'INVALID_MODEL',
        `${source}: metadata "${METADATA_FEATURE_NAMES}" is not a JSON array of strings`,
      );
    }
  }
  // Initializers may be listed as graph inputs in older files; they are not fed by the caller.
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    irVersion: toNumber(model.irVersion),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) })),
    producer: model.producerName ?? '',
    inputs: graph.input.filter((i) => !initializers.has(i.name)).map(tensorInfo),
    outputs: (graph.output ?? []).map(tensorInfo),
    metadata,
    featureSpecHash: metadata[METADATA_FEATURE_SPEC_HASH] ?? null,
    featureNames,
  };
}

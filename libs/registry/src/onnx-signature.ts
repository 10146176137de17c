import { RegistryError, RegistryErrorCode } from './errors.js';

// What an MLflow signature needs from an ONNX graph: the names, element types and shapes of the inputs the
// caller feeds and of the outputs. A few dozen lines of protobuf reading keep the registry free of the
// modeling library (and of onnxruntime); the registry tests check the result against Python's `onnx`.

/** One tensor of an ONNX graph's interface, in MLflow's terms. */
export interface TensorSignature {
  name: string;
  /** numpy dtype name as MLflow writes it (`float32`, `int64`, …). */
  dtype: string;
  /** -1 for a free dimension (a symbol such as `N`, or none). */
  shape: number[];
}

export interface OnnxSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** ONNX `TensorProto.DataType` → numpy dtype names (the types MLflow's tensor specs accept). */
const DTYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

interface Field {
  number: number;
  /** varint value (wire type 0) */
  value?: bigint;
  /** payload (wire type 2) */
  bytes?: Uint8Array;
}

class Malformed extends Error {}

function readVarint(buffer: Uint8Array, at: { offset: number }): bigint {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.offset >= buffer.length) throw new Malformed('truncated varint');
    const byte = buffer[at.offset++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw new Malformed('varint longer than 10 bytes');
}

/** The fields of one protobuf message, in order (unknown wire types are refused). */
function fields(buffer: Uint8Array): Field[] {
  const out: Field[] = [];
  const at = { offset: 0 };
  while (at.offset < buffer.length) {
    const key = readVarint(buffer, at);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ number, value: readVarint(buffer, at) });
    else if (wire === 1 || wire === 5) at.offset += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const length = Number(readVarint(buffer, at));
      if (at.offset + length > buffer.length) throw new Malformed(`field ${number} runs past the end`);
      out.push({ number, bytes: buffer.subarray(at.offset, at.offset + length) });
      at.offset += length;
    } else throw new Malformed(`wire type ${wire} of field ${number}`);
    if (at.offset > buffer.length) throw new Malformed(`field ${number} runs past the end`);
  }
  return out;
}

const messages = (list: Field[], number: number) =>
  list.filter((f) => f.number === number && f.bytes).map((f) => f.bytes as Uint8Array);
const text = (list: Field[], number: number) => {
  const found = messages(list, number)[0];
  return found === undefined ? '' : new TextDecoder().decode(found);
};

/** ValueInfoProto → tensor signature; undefined for non-tensor values (sequences, maps). */
function tensorOf(valueInfo: Uint8Array): { name: string; elemType: number; shape: number[] } | undefined {
  const info = fields(valueInfo);
  const name = text(info, 1);
  const type = messages(info, 2)[0];
  const tensor = type === undefined ? undefined : messages(fields(type), 1)[0];
  if (tensor === undefined) return undefined;
  const tensorFields = fields(tensor);
  const elemType = Number(tensorFields.find((f) => f.number === 1)?.value ?? 0n);
  const shapeMessage = messages(tensorFields, 2)[0];
  const shape = (shapeMessage === undefined ? [] : messages(fields(shapeMessage), 1)).map((dim) => {
    const value = fields(dim).find((f) => f.number === 1 && f.value !== undefined)?.value;
    return value === undefined ? -1 : Number(value);
  });
  return { name, elemType, shape };
}

/**
 * The interface of an ONNX model as an MLflow signature: graph inputs that are not initializers, and every
 * graph output. Throws `INVALID_CARD` for bytes that are not an ONNX model, or one without inputs or outputs
 * (MLflow refuses to register a Unity Catalog version without both).
 */
export function onnxSignature(onnx: Uint8Array, source = 'model.onnx'): OnnxSignature {
  let signature: OnnxSignature;
  try {
    signature = readSignature(onnx, source);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw new RegistryError(
      RegistryErrorCode.invalidCard,
      `${source} is not an ONNX model (${error.message}): pass the bytes of an ONNX file`,
    );
  }
  if (signature.inputs.length === 0 || signature.outputs.length === 0) {
    throw new RegistryError(
      RegistryErrorCode.invalidCard,
      `${source} declares ${signature.inputs.length} tensor inputs and ${signature.outputs.length} tensor outputs: an MLflow model needs a signature with both`,
    );
  }
  return signature;
}

function readSignature(onnx: Uint8Array, source: string): OnnxSignature {
  const graphBytes = messages(fields(onnx), 7)[0];
  if (graphBytes === undefined) throw new Malformed('it has no graph');
  const graph = fields(graphBytes);
  const initializers = new Set(messages(graph, 5).map((tensor) => text(fields(tensor), 8)));
  const convert = (list: Uint8Array[], role: 'input' | 'output'): TensorSignature[] =>
    list.flatMap((bytes) => {
      const tensor = tensorOf(bytes);
      if (tensor === undefined || (role === 'input' && initializers.has(tensor.name))) return [];
      const dtype = DTYPES[tensor.elemType];
      if (dtype === undefined) {
        throw new RegistryError(
          RegistryErrorCode.invalidCard,
          `${source}: ${role} "${tensor.name}" has ONNX element type ${tensor.elemType}, which an MLflow tensor signature cannot describe`,
        );
      }
      return [{ name: tensor.name, dtype, shape: tensor.shape }];
    });
  return { inputs: convert(messages(graph, 11), 'input'), outputs: convert(messages(graph, 12), 'output') };
}

/** The smallest MLmodel the emulator finalizes: a signature with inputs and outputs. */
export const SIGNED_MLMODEL = [
  'flavors:',
  '  onnx: {data: model.onnx}',
  'signature:',
  `  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "features"}]'`,
  `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1]}, "name": "probability"}]'`,
  '',
].join('\n');

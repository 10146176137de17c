// onnxruntime-node builds its output tensors with the typed-array constructors of Node's main realm, and
// its Tensor class checks `data instanceof Float32Array` against the realm it runs in. Jest runs tests in
// a separate vm context whose typed arrays are different constructors, so every run() would fail there
// ("A float32 tensor's data must be type of function Float32Array()"). Tests therefore share the main
// realm's typed arrays; outside Jest there is only one realm and nothing to do.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;

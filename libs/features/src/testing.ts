// `@fraudops/features/testing`: the independent pandas reference the parity spec and the features benchmark
// compare against. Production code imports the library's index only; nothing here is part of it.
export {
  runPandasReference,
  findWorkspaceRoot,
  PANDAS_REFERENCE_SCRIPT,
  type PandasReferenceOptions,
  type PandasReferenceResult,
} from './pandas-reference.js';

// `@fraudops/features/testing`: the independent pandas reference the parity specs and the features benchmark
// compare against, and the hand-made transactions (with their vectors worked out by hand) the SQL specs of
// @fraudops/features-sql share with the online specs here. Production code imports the library's index only.
export {
  runPandasReference,
  findWorkspaceRoot,
  PANDAS_REFERENCE_SCRIPT,
  type PandasReferenceOptions,
  type PandasReferenceResult,
} from './pandas-reference.js';
export {
  columnsFrom,
  dayRange,
  gridTransactions,
  HAND_EXPECTED,
  HAND_ROWS,
  T0,
  type Row,
} from './testing/transactions.js';

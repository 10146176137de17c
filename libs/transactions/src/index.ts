export { allocateTransactionColumns, type TransactionColumns } from './columns.js';
export { TransactionsError, type TransactionsErrorCode } from './errors.js';
export {
  simulateTransactions,
  resolveSimulationParams,
  DEFAULT_SIMULATION_PARAMS,
  type SimulationParams,
  type SimulationOptions,
  type SimulationProgress,
  type SimulationMetadata,
  type SimulatedTransactions,
} from './simulator.js';
export type { FraudsAddedByScenario } from './fraud-scenarios.js';
export {
  TransactionSchema,
  TRANSACTION_FIELDS,
  toTransactionColumns,
  findInvalidValues,
  describeInvalidValue,
  FIELD_RULES,
  PROBLEMS,
  idFromString,
  parseDatetime,
  type Transaction,
  type TransactionField,
  type DatasetField,
  type InvalidValue,
  type FieldRule,
} from './contract.js';
export { isPlainContractTransaction } from './contract-fast-check.js';
export {
  timeSplit,
  baselineSplit,
  prequentialFolds,
  takeRows,
  dayIndices,
  type TimeSplit,
  type TimeSplitOptions,
  type PrequentialOptions,
} from './splits.js';
export { fingerprintTransactions } from './fingerprint.js';
export { summarizeTransactions, type TransactionsSummary } from './summary.js';
export {
  checkWindowClasses,
  knownCompromised,
  splitWindows,
  trainingWindow,
  type DayRange,
  type SplitParameterNames,
  type SplitWindowOptions,
  type SplitWindows,
} from './split-windows.js';

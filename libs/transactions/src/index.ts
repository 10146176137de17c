export type { TransactionColumns } from "./columns.js";
export { TransactionsError, type TransactionsErrorCode } from "./errors.js";
export {
  simulateTransactions,
  resolveSimulationParams,
  DEFAULT_SIMULATION_PARAMS,
  type SimulationParams,
  type SimulationOptions,
  type SimulationProgress,
  type SimulationMetadata,
  type SimulatedTransactions,
} from "./simulator.js";
export type { FraudsAddedByScenario } from "./fraud-scenarios.js";

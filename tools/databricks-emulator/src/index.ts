export {
  startEmulator,
  DEFAULT_TOKEN,
  DEFAULT_PYTHON,
  DEFAULT_CLUSTER_ID,
  type Emulator,
  type EmulatorOptions,
  type RequestLogEntry,
  type SqlWarehouseConnection,
} from './emulator.js';
export { FaultInjector, type FaultRule, type FaultEffect, type FaultMatch } from './faults.js';
export type { ServicePrincipal, BasicUser } from './auth.js';
export type { GitHubJob } from './github-issuer.js';
export type { FederationPolicy } from './token-exchange.js';
export { startSqlWarehouse, type SqlWarehouse, type SqlWarehouseOptions } from './sql-warehouse/index.js';

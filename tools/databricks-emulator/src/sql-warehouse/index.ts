export { startSqlWarehouse } from './server.js';
export type { SqlWarehouse, SqlWarehouseOptions } from './server.js';
export type { WarehouseStats } from './warehouse-service.js';

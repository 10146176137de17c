export type { TransactionColumns } from './columns.js';

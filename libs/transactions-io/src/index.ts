// The public face of @fraudops/transactions-io: transaction files (Parquet, CSV) read and written through DuckDB,
// validated by the contract of @fraudops/transactions. DuckDB is loaded on the first read or write.
export {
  readTransactions,
  writeTransactions,
  datasetFormatOf,
  type DatasetFormat,
  type OnInvalid,
  type ReadOptions,
  type ReadReport,
  type ReadTransactions,
  type WriteResult,
} from './dataset-io.js';

import {
  amountProblem,
  datetimeProblem,
  idProblem,
  labelProblem,
  scenarioProblem,
  type Transaction,
} from './contract.js';

const isId = (v: unknown) =>
  typeof v === 'number' ? idProblem(v) === undefined : typeof v === 'string' && v.length > 0;

/**
 * True when `value` is a transaction record in the contract's everyday form: a plain object with only contract
 * fields, ids as non-negative integers or non-empty strings, `tx_datetime` as epoch seconds, valid amount and,
 * when present, label and scenario. {@link TransactionSchema} accepts every such record and returns it unchanged
 * but for a copy, so a hot path may take it as it is and leave everything else (ISO datetimes, unknown fields,
 * any mistake) to the schema, which parses or names the problem. The same problem functions as the schema's
 * decide each field, so the two cannot disagree on a value.
 */
export function isPlainContractTransaction(value: unknown): value is Transaction {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  let required = 0;
  for (const key in record) {
    const v = record[key];
    switch (key) {
      case 'transaction_id':
      case 'customer_id':
      case 'terminal_id':
        if (!isId(v)) return false;
        required++;
        break;
      case 'tx_datetime':
        if (typeof v !== 'number' || datetimeProblem(v) !== undefined) return false;
        required++;
        break;
      case 'tx_amount':
        if (typeof v !== 'number' || amountProblem(v) !== undefined) return false;
        required++;
        break;
      case 'tx_fraud':
        if (typeof v !== 'number' || labelProblem(v) !== undefined) return false;
        break;
      case 'tx_fraud_scenario':
        if (typeof v !== 'number' || scenarioProblem(v) !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  // Own keys are distinct: five required ones counted means all five are there.
  return required === 5;
}

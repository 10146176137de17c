import { createHash } from 'node:crypto';
import type { TransactionColumns } from './columns.js';
import { FIELD_RULES } from './contract.js';

/**
 * SHA-256 of the data, for model cards ("trained on exactly this") and parity checks: for each present
 * column in contract order, its snake_case name, a NUL byte, then its values as little-endian float64.
 * Two datasets share a fingerprint only if every value is bit-identical.
 */
export function fingerprintTransactions(columns: TransactionColumns): string {
  const hash = createHash('sha256');
  for (const rule of FIELD_RULES) {
    const values = columns[rule.key];
    if (!values) continue;
    const doubles = values instanceof Float64Array ? values : Float64Array.from(values);
    hash.update(`${rule.field}\0`);
    hash.update(new Uint8Array(doubles.buffer, doubles.byteOffset, doubles.byteLength));
  }
  return hash.digest('hex');
}

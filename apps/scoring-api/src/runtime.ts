import { baselineFeatureSpec, builtInFeatureSpecs, featureSpecHash, type FeatureSpec } from '@fraudops/features';
import type { ModelRegistry } from '@fraudops/registry';
import {
  TransactionSchema,
  idFromString,
  isPlainContractTransaction,
  parseDatetime,
  type Transaction,
} from '@fraudops/transactions';
import type { z } from 'zod';
import type { ScoringConfig } from './config.js';
import { errorMessage } from '@fraudops/core';
import { ScoringError } from './errors.js';
import type { FeaturePipeline } from './features/feature-pipeline.js';
import { OnlinePipeline, type TransactionAdapter } from './features/online-pipeline.js';
import { RegistryModelSource, openModelRegistry } from './model/registry-model-source.js';
import type { ModelSource } from './model/served-model.js';
import { cardDrift } from './monitoring/card-drift.js';
import type { DriftMeasure } from './monitoring/report.js';

/** The libraries behind the service, wired from the configuration: the one place that picks implementations. */
export interface Runtime {
  models: ModelSource;
  /** The spec the champion was trained on (see `servedFeatureSpec`): what the online state computes. */
  featureSpec: FeatureSpec;
  features: FeaturePipeline<unknown>;
  transactionSchema: z.ZodType<unknown>;
  /** The contract's transaction id rule (integer or string), for feedback. */
  transactionIdSchema: z.ZodType<string | number>;
  /** Transactions in the contract's everyday form, which the schema would return unchanged (the hot path's check). */
  isPlainTransaction: (value: unknown) => value is unknown;
  drift: DriftMeasure;
}

/** The id the online state keys on: integers as they are, strings through the contract's 53-bit hash. */
export function stateId(id: number | string): number {
  return typeof id === 'string' ? idFromString(id) : id;
}

/** The Transaction contract as the online state reads it. */
export const contractAdapter: TransactionAdapter<Transaction> = {
  toOnline: (tx) => ({
    transactionId: stateId(tx.transaction_id),
    txDatetime: parseDatetime(tx.tx_datetime),
    customerId: stateId(tx.customer_id),
    terminalId: stateId(tx.terminal_id),
    txAmount: tx.tx_amount,
  }),
  readInto: (tx, columns, row) => {
    columns.keys[row] = stateId(tx.transaction_id);
    columns.times[row] = parseDatetime(tx.tx_datetime);
    columns.customers[row] = stateId(tx.customer_id);
    columns.terminals[row] = stateId(tx.terminal_id);
    columns.amounts[row] = tx.tx_amount;
  },
  idOf: (tx) => tx.transaction_id,
  stateId,
};

export async function createRuntime(config: ScoringConfig): Promise<Runtime> {
  let registry: ModelRegistry;
  try {
    registry = openModelRegistry(config.registry);
  } catch (error) {
    throw new ScoringError('STARTUP_FAILED', errorMessage(error));
  }
  const spec = await servedFeatureSpec(registry, config.modelUri);
  const features = new OnlinePipeline<Transaction>(spec, contractAdapter, {
    toleranceSeconds: config.lateToleranceSeconds,
    policy: config.latePolicy,
  });
  return {
    models: new RegistryModelSource({ registry, spec: features.spec, onnxThreads: config.onnxThreads }),
    featureSpec: spec,
    features: features,
    transactionSchema: TransactionSchema,
    transactionIdSchema: TransactionSchema.shape.transaction_id,
    isPlainTransaction: isPlainContractTransaction,
    drift: cardDrift(),
  };
}

/**
 * The feature spec the service computes: the one the champion was trained with, found among the built-in specs
 * by the hash in its card (the trainer trains only on built-in specs). A challenger or a later champion must
 * have the same hash — the online state is built for one spec — so a change of spec is a restart (with its
 * warm-up). When the champion cannot be read here, the baseline stands in and loading the models names the
 * real problem.
 */
export async function servedFeatureSpec(registry: ModelRegistry, championUri: string): Promise<FeatureSpec> {
  let card: { name: string; hash: string };
  try {
    card = (await registry.resolve(championUri)).card.featureSpec;
  } catch {
    return baselineFeatureSpec;
  }
  const spec = Object.values(builtInFeatureSpecs).find((candidate) => featureSpecHash(candidate) === card.hash);
  if (!spec) {
    const known = Object.values(builtInFeatureSpecs).map((s) => `"${s.name}" (${featureSpecHash(s)})`);
    throw new ScoringError(
      'STARTUP_FAILED',
      `${championUri} was trained on feature spec "${card.name}" (${card.hash}), which this service does not know; it computes ${known.join(', ')}`,
    );
  }
  return spec;
}

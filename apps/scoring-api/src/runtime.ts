import { baselineFeatureSpec } from '@fraudops/features';
import { TransactionSchema, idFromString, parseDatetime, type Transaction } from '@fraudops/transactions';
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
  features: FeaturePipeline<unknown>;
  transactionSchema: z.ZodType<unknown>;
  /** The contract's transaction id rule (integer or string), for feedback. */
  transactionIdSchema: z.ZodType<string | number>;
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
  idOf: (tx) => tx.transaction_id,
  stateId,
};

export async function createRuntime(config: ScoringConfig): Promise<Runtime> {
  const features = new OnlinePipeline<Transaction>(baselineFeatureSpec, contractAdapter, {
    toleranceSeconds: config.lateToleranceSeconds,
    policy: config.latePolicy,
  });
  let models: ModelSource;
  try {
    models = new RegistryModelSource({ registry: openModelRegistry(config.registry), spec: features.spec, onnxThreads: config.onnxThreads });
  } catch (error) {
    throw new ScoringError('STARTUP_FAILED', errorMessage(error));
  }
  return {
    models,
    features: features,
    transactionSchema: TransactionSchema,
    transactionIdSchema: TransactionSchema.shape.transaction_id,
    drift: cardDrift(),
  };
}

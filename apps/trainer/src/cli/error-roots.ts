import type { ErrorRoots } from '@fraudops/cli';
import { DatabricksError } from '@fraudops/databricks';
import { EvaluationError } from '@fraudops/evaluation';
import { FeaturesError } from '@fraudops/features';
import { ModelingError } from '@fraudops/modeling';
import { RegistryError } from '@fraudops/registry';
import { TransactionsError } from '@fraudops/transactions';

/** The library error roots fraudops-train meets; `@fraudops/cli` maps each to an exit code by its code. */
export const TRAINER_ERROR_ROOTS: ErrorRoots = {
  TransactionsError,
  FeaturesError,
  ModelingError,
  EvaluationError,
  RegistryError,
  DatabricksError,
};

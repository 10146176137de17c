import { ExitCode, type AppErrorFamily, type ErrorRoots } from '@fraudops/cli';
import { DatabricksError } from '@fraudops/databricks';
import { EvaluationError } from '@fraudops/evaluation';
import { FeaturesError } from '@fraudops/features';
import { ModelingError } from '@fraudops/modeling';
import { RegistryError } from '@fraudops/registry';
import { TransactionsError } from '@fraudops/transactions';
import { TrainerError, type TrainerErrorCode } from '../pipeline/errors.js';

/** The library error roots fraudops-train meets; `@fraudops/cli` maps each to an exit code by its code. */
export const TRAINER_ERROR_ROOTS: ErrorRoots = {
  TransactionsError,
  FeaturesError,
  ModelingError,
  EvaluationError,
  RegistryError,
  DatabricksError,
};

/** The exit code of each code of the trainer pipelines' own errors (docs/errors.md, fraudops-train). */
export const TRAINER_EXIT_CODES = {
  INVALID_OPTION: ExitCode.usage,
  INVALID_PARAMETER_SET: ExitCode.usage,
  PARAMETER_SET_NOT_FOUND: ExitCode.notFound,
  CLUSTER_NOT_FOUND: ExitCode.notFound,
  JOB_NOT_FOUND: ExitCode.notFound,
  AMBIGUOUS_JOB: ExitCode.usage,
  DUPLICATE_JOBS: ExitCode.conflict,
  LAUNCH_NOT_FOUND: ExitCode.notFound,
  INVALID_MANIFEST: ExitCode.invalidData,
  INVALID_RUN_OUTPUT: ExitCode.invalidData,
  PARITY_FAILED: ExitCode.runFailed,
  PEER_FAILED: ExitCode.runFailed,
} as const satisfies Record<TrainerErrorCode, ExitCode>;

export const TRAINER_ERROR_FAMILIES: readonly AppErrorFamily[] = [
  { root: TrainerError, exitCodes: TRAINER_EXIT_CODES },
];

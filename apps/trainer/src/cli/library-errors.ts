import { existsSync } from 'node:fs';
import { EvaluationError } from '@fraudops/evaluation';
import { FeaturesError } from '@fraudops/features';
import { ModelingError } from '@fraudops/modeling';
import { RegistryError } from '@fraudops/registry';
import { TransactionsError } from '@fraudops/transactions';
import { ExitCode } from './exit-codes.js';

/** A file-level error names a path that does not exist: "not found" rather than "invalid data". */
function missingFile(message: string): boolean {
  return /no such file|does not exist|not found/i.test(message);
}

/**
 * The exit code of an error raised by one of our libraries, whose message is already written for the user
 * (it names the row, column, flag or file); undefined for anything else. The one table behind
 * docs/errors.md's "how library errors become exit codes" for `train` and `start`.
 */
export function exitCodeOfLibraryError(error: unknown): ExitCode | undefined {
  if (error instanceof TransactionsError) {
    if (error.code === 'INVALID_PARAMETER') return ExitCode.usage;
    if (error.code === 'FILE_ERROR' && missingFile(error.message)) return ExitCode.notFound;
    return ExitCode.invalidData;
  }
  if (error instanceof FeaturesError) {
    if (error.code === 'UNKNOWN_SPEC') return ExitCode.usage;
    if (error.code === 'INVALID_FILE' && missingFile(error.message)) return ExitCode.notFound;
    return ExitCode.invalidData;
  }
  if (error instanceof ModelingError) {
    if (error.code === 'INVALID_PARAMETER') return ExitCode.usage;
    if (error.code === 'INVALID_INPUT' || error.code === 'SINGLE_CLASS') return ExitCode.invalidData;
    return ExitCode.failure;
  }
  if (error instanceof EvaluationError) {
    if (error.code === 'INVALID_ARGUMENT') return ExitCode.usage;
    if (error.code === 'RENDER_FAILED') return ExitCode.failure;
    return ExitCode.invalidData;
  }
  if (error instanceof RegistryError) {
    if (error.code.endsWith('_NOT_FOUND')) return ExitCode.notFound;
    if (error.code === 'INVALID_MODEL_URI' || error.code === 'INVALID_REGISTRY_URI' || error.code === 'INVALID_NAME') return ExitCode.usage;
    if (error.code === 'ARTIFACT_MISSING' || error.code === 'ARTIFACT_CORRUPT' || error.code === 'INVALID_CARD') return ExitCode.invalidData;
    return ExitCode.failure;
  }
  return undefined;
}

/** `--data` names a file that is not there: said before any work starts. */
export function checkDataFile(path: string | undefined): string | undefined {
  return path !== undefined && !existsSync(path) ? `--data ${path}: no such file` : undefined;
}

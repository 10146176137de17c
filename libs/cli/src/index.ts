export { ExitCode, type ExitCodeName, codeOfExit } from './exit-codes.js';
export { CliError } from './cli-error.js';
export {
  LIBRARY_EXIT_CODES,
  databricksExitCode,
  describeUnexpected,
  exitCodeOfLibraryError,
  mapError,
  toCliError,
  type AppErrorFamily,
  type ErrorClass,
  type ErrorRoots,
  type LibraryErrorRoot,
  type MappedError,
} from './error-mapping.js';
export {
  Output,
  createOutput,
  errorEnvelope,
  type CliStreams,
  type OutputOptions,
  type Progress,
  type Spinner,
} from './output.js';
export { configureProgram, createContext, runProgram, type CliContext, type RunOptions } from './program.js';

/**
 * Stable codes of {@link TrainerError}: what the trainer's own pipelines refuse (beyond the libraries' errors,
 * which they let through). `src/cli/error-roots.ts` gives each its exit code; docs/errors.md lists them.
 */
export const TrainerErrorCode = {
  /** A launch option the pipeline checks is malformed (the message names the flag). */
  invalidOption: 'INVALID_OPTION',
  /** A parameter set (`--params`) is not JSON or has a bad field (the message names it). */
  invalidParameterSet: 'INVALID_PARAMETER_SET',
  /** The parameter set `--params` names does not exist. */
  parameterSetNotFound: 'PARAMETER_SET_NOT_FOUND',
  /** The all-purpose cluster `--cluster-id` names does not exist in the workspace. */
  clusterNotFound: 'CLUSTER_NOT_FOUND',
  /** No training job has the name asked for. */
  jobNotFound: 'JOB_NOT_FOUND',
  /** Several jobs have the name asked for, and a launch cannot tell which is meant. */
  ambiguousJob: 'AMBIGUOUS_JOB',
  /** Several jobs have the name a deployment would take over. */
  duplicateJobs: 'DUPLICATE_JOBS',
  /** A run was not launched by fraudops-train, or its launch folder is gone. */
  launchNotFound: 'LAUNCH_NOT_FOUND',
  /** A launch manifest (launch.json) is not JSON or not of this version. */
  invalidManifest: 'INVALID_MANIFEST',
  /** A run's output (predictions.csv, model.json) does not have the columns or features it must. */
  invalidRunOutput: 'INVALID_RUN_OUTPUT',
  /** The exported model disagrees with the trained one (ONNX parity) or with the run's predictions: nothing was registered. */
  parityFailed: 'PARITY_FAILED',
  /** A reference trainer run on this machine (XGBoost's train.py for `quality`) failed or could not start. */
  peerFailed: 'PEER_FAILED',
} as const;
export type TrainerErrorCode = (typeof TrainerErrorCode)[keyof typeof TrainerErrorCode];

/** The one root error of the trainer's pipelines; only the CLI layer turns it into an exit code. */
export class TrainerError extends Error {
  constructor(
    readonly code: TrainerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrainerError';
  }
}

/**
 * The exit codes of every command of every fraudops CLI (`fraudops-train`, `fraudops-sync`), one meaning per
 * number, documented once in docs/errors.md ("exit codes"). Scripts branch on these numbers.
 */
export const ExitCode = {
  /** Done (also `--help`, `--version`, nothing to change). */
  ok: 0,
  /** Unexpected: a bug or an error no row below covers; the message carries the stack. */
  unexpected: 1,
  /** A bad flag, argument, parameter or setting (a missing Databricks host or warehouse); the message names it. */
  usage: 2,
  /** The credentials were refused or could not be obtained (401, 403, OAuth). */
  auth: 3,
  /** A named file, model, alias, version, job, run, Git folder, branch or tag does not exist. */
  notFound: 4,
  /** The target is in another state than asked: it exists already, has uncommitted changes, a lock is held. */
  conflict: 5,
  /** The input data failed validation (a bad row, a missing column, a single class); the message names it. */
  invalidData: 6,
  /** The work ran and did not succeed: a Databricks run failed, a parity check refused to register, a server died. */
  runFailed: 7,
  /** A remote service could not be reached or failed after retries (network, 5xx, rate limit): retry later. */
  unavailable: 8,
  /** Waiting gave up at `--timeout`; the work goes on (re-attach later). */
  timedOut: 9,
  /** Interrupted (Ctrl-C / SIGINT, or a cancelled request). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
export type ExitCodeName = keyof typeof ExitCode;

/** The `--json` error code of an exit code when nothing more precise is known (`usage` → `USAGE`). */
export function codeOfExit(exitCode: ExitCode): string {
  const name = (Object.keys(ExitCode) as ExitCodeName[]).find((key) => ExitCode[key] === exitCode) ?? 'unexpected';
  return name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
}

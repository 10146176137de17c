"""The Databricks task of `fraudops-train tune --backend databricks`.

Databricks runs Python tasks, and the search is the trainer's own TypeScript (the same code as the local
backend), so this task starts it with Node.js: `<node> tune-job.mjs --inputs <folder> --output-dir <folder>`.
The launcher uploads this file and tune-job.mjs (a self-contained bundle) into the launch folder of a volume,
beside the fold CSVs. The job's output (one line per trial) is passed through; a failure of the search is
raised as TuneJobError with the search's own error line, so the run shows it (runs/get-output `error`).
"""

import argparse
import signal
import subprocess
import sys


class TuneJobError(RuntimeError):
    pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", default="node", help="Node.js 20+ executable")
    parser.add_argument("--job-script", required=True, help="tune-job.mjs")
    parser.add_argument("--inputs", required=True, help="folder with tune-inputs.json and the fold CSVs")
    parser.add_argument("--output-dir", required=True, help="where progress.json and tune-result.json go")
    args = parser.parse_args(argv)

    command = [args.node, args.job_script, "--inputs", args.inputs, "--output-dir", args.output_dir]
    try:
        child = subprocess.Popen(command, stdout=sys.stdout, stderr=subprocess.PIPE, text=True)
    except OSError as error:
        raise TuneJobError(f"cannot start {args.node}: {error} (the cluster needs Node.js 20 or later)") from error

    def stop(signum, _frame):
        # a cancelled run stops the search too, not only this process
        child.terminate()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _, stderr = child.communicate()
    if stderr:
        sys.stderr.write(stderr)
    if child.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise TuneJobError(lines[0] if lines else f"tune-job exited with code {child.returncode}")


if __name__ == "__main__":
    main()

"""scikit-learn's ROC AUC and average precision on the benchmark's synthetic predictions.

The peer of `npm run bench -- evaluation`: it regenerates the same rows as @fraudops/evaluation's
`syntheticPredictions` (the counter-based hash in libs/evaluation/fixtures/generate.py), then times
`roc_auc_score` and `average_precision_score` as a Python user calls them.

    ${FRAUDOPS_PYTHON:-/usr/bin/python3} evaluation_sklearn.py --rows 10000000 --seed 1 --positive-rate 0.01 [--repeats 1]

Prints one JSON object: the metric values and the best wall and CPU time of each call, in seconds.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "libs" / "evaluation" / "fixtures"))
from generate import synthetic  # noqa: E402  (the generator the TypeScript side reproduces bit for bit)

from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402


def best_of(repeats, call):
    """The value and the best wall and CPU seconds (CPU time stays honest on a shared, loaded machine)."""
    wall, cpu, value = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = call()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return value, wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    columns = synthetic(args.rows, args.seed, args.positive_rate, 0, 0, 0)
    scores, labels = columns["scores"], columns["labels"]
    auc, auc_s, auc_cpu_s = best_of(args.repeats, lambda: roc_auc_score(labels, scores))
    ap, ap_s, ap_cpu_s = best_of(args.repeats, lambda: average_precision_score(labels, scores))
    print(json.dumps({
        "rows": args.rows, "positives": int(labels.sum()), "auc_roc": auc, "average_precision": ap,
        "auc_s": auc_s, "ap_s": ap_s, "auc_cpu_s": auc_cpu_s, "ap_cpu_s": ap_cpu_s,
    }))


if __name__ == "__main__":
    main()

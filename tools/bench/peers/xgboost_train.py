"""XGBoost peer of the `modeling` benchmark: trains on the same matrix with the same hyperparameters.

    FRAUDOPS_PYTHON=/usr/bin/python3 python3 xgboost_train.py <dir> [--threads N] [--no-predictions]

<dir>/job.json names the inputs written by the benchmark (row-major float32 features, uint8 labels) and
the hyperparameters in fraudops names. Prints one JSON object: training wall and CPU time (DMatrix
construction included, as binning is included on the fraudops side), peak RSS of this process, XGBoost's version; and
writes the test-set probabilities as float32 to <dir>/xgboost-test.f32 (unless --no-predictions).
--threads overrides job.json's thread count.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import xgboost as xgb


def peak_rss_mib():
    """VmHWM, which exec resets; ru_maxrss would include the parent's RSS at fork time on Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(directory, name, rows, cols):
    x = np.fromfile(os.path.join(directory, f"{name}.f32"), dtype=np.float32).reshape(rows, cols)
    y = np.fromfile(os.path.join(directory, f"{name}.u8"), dtype=np.uint8)
    return x, y


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "job.json")) as f:
        job = json.load(f)
    if "--threads" in sys.argv:
        job["threads"] = int(sys.argv[sys.argv.index("--threads") + 1])
    p = job["params"]
    cols = job["cols"]
    x_train, y_train = load(directory, "train", job["train_rows"], cols)
    x_test, _ = load(directory, "test", job["test_rows"], cols)
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "nthread": job["threads"],
        "eta": p["learningRate"],
        "max_depth": p["maxDepth"],
        "grow_policy": p["growPolicy"],
        "max_leaves": p["numLeaves"] if p["growPolicy"] == "lossguide" else 0,
        "lambda": p["lambda"],
        "gamma": p["minSplitGain"],
        "min_child_weight": p["minChildWeight"],
        "subsample": p["subsample"],
        "colsample_bytree": p["colsampleByTree"],
        "scale_pos_weight": p["scalePosWeight"],
        "max_bin": p["maxBins"],
        "base_score": p["baseScore"],
        "seed": p["seed"],
    }
    start = time.perf_counter()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    train = xgb.DMatrix(x_train, label=y_train, missing=np.nan, nthread=job["threads"])
    booster = xgb.train(params, train, num_boost_round=p["nEstimators"])
    train_seconds = time.perf_counter() - start
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    train_cpu = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    if "--no-predictions" not in sys.argv:
        probabilities = booster.predict(xgb.DMatrix(x_test, missing=np.nan, nthread=job["threads"]))
        probabilities.astype(np.float32).tofile(os.path.join(directory, "xgboost-test.f32"))
    print(
        json.dumps(
            {
                "train_wall_s": train_seconds,
                "train_cpu_s": train_cpu,
                "peak_rss_mib": peak_rss_mib(),
                "version": xgb.__version__,
                "params": params,
            }
        )
    )


if __name__ == "__main__":
    main()

"""XGBoost peer of the modeling suite's TreeSHAP comparison.

    FRAUDOPS_PYTHON=/usr/bin/python3 python3 xgboost_treeshap.py <dir> --rows N [--train]

With --train: trains the model both sides explain (binary:logistic, hist, the job's trees/depth/eta,
base_score = training fraud rate, 2 threads; not timed) on <dir>/train.* and saves <dir>/xgboost-model.json.
Then times `booster.predict(dmatrix, pred_contribs=True)` with nthread=1 on the first N test rows (the
DMatrix is built before the timer, as the fraudops side starts from a ready Float32Array), writes the
contributions (rows x (features + 1), bias last) as float32 to <dir>/xgboost-contribs.f32 and prints one
JSON object: wall and CPU seconds of the predict call, rows, XGBoost's version.
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb


def main():
    directory = sys.argv[1]
    rows = int(sys.argv[sys.argv.index("--rows") + 1])
    with open(os.path.join(directory, "job.json")) as f:
        job = json.load(f)
    cols = job["cols"]
    model_path = os.path.join(directory, "xgboost-model.json")
    if "--train" in sys.argv:
        p = job["params"]
        x = np.fromfile(os.path.join(directory, "train.f32"), dtype=np.float32).reshape(job["train_rows"], cols)
        y = np.fromfile(os.path.join(directory, "train.u8"), dtype=np.uint8)
        params = {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "nthread": 2,
            "eta": p["learningRate"],
            "max_depth": p["maxDepth"],
            "base_score": p["baseScore"],
            "seed": p["seed"],
        }
        booster = xgb.train(params, xgb.DMatrix(x, label=y, missing=np.nan), num_boost_round=p["nEstimators"])
        booster.feature_names = job["feature_names"]
        booster.save_model(model_path)
    booster = xgb.Booster(model_file=model_path)
    booster.set_param({"nthread": 1})
    x_test = np.fromfile(os.path.join(directory, "test.f32"), dtype=np.float32).reshape(job["test_rows"], cols)[:rows]
    matrix = xgb.DMatrix(x_test, missing=np.nan, nthread=1, feature_names=booster.feature_names)
    start = time.perf_counter()
    cpu_start = time.process_time()
    contribs = booster.predict(matrix, pred_contribs=True)
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - start
    contribs.astype(np.float32).tofile(os.path.join(directory, "xgboost-contribs.f32"))
    print(json.dumps({"rows": int(x_test.shape[0]), "wall_s": wall, "cpu_s": cpu, "version": xgb.__version__}))


if __name__ == "__main__":
    main()

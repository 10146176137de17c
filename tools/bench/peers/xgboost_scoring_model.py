"""Trains the XGBoost model both sides of `npm run bench -- scoring` serve.

    /usr/bin/python3 xgboost_scoring_model.py <dir>

<dir>/job.json: {"rows", "cols", "trees", "depth", "learning_rate", "threads"}; <dir>/features.f32 (row-major
float32) and <dir>/labels.u8. Writes <dir>/model.json (booster.save_model: the FastAPI peer loads it as is,
fraudops converts it to ONNX) and prints {"xgboost": version, "trees": n} as JSON.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb


def main() -> None:
    directory = sys.argv[1]
    with open(os.path.join(directory, "job.json")) as f:
        job = json.load(f)
    x = np.fromfile(os.path.join(directory, "features.f32"), dtype=np.float32).reshape(job["rows"], job["cols"])
    y = np.fromfile(os.path.join(directory, "labels.u8"), dtype=np.uint8)
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": job["depth"],
        "eta": job["learning_rate"],
        "nthread": job["threads"],
        "base_score": float(max(1e-6, min(1 - 1e-6, y.mean()))),
        "seed": 0,
    }
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=job["trees"])
    booster.save_model(os.path.join(directory, "model.json"))
    print(json.dumps({"xgboost": xgb.__version__, "trees": job["trees"]}))


if __name__ == "__main__":
    main()

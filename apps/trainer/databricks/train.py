"""fraudops training task: XGBoost on a materialised feature table.

Runs as the `spark_python_task` of the fraudops training job on Databricks, and locally (the workspace
emulator runs it with Debian's python3) for end-to-end tests. The TypeScript launcher
(`fraudops-train train --backend databricks`) materialises the train and test feature tables from the
Spark SQL compilation of the feature spec, then passes their names (or CSV files in local mode) here.

Outputs, written to --output-dir (a Unity Catalog volume path on Databricks):
  model.json        the booster, `booster.save_model` format (the launcher converts it to ONNX)
  predictions.csv   transaction_id,customer_id,tx_datetime,amount,label,score for the test table
  metrics.json      row counts, AP and ROC AUC on the test table, library versions, the git commit
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

KEY_COLUMNS = ["TRANSACTION_ID", "CUSTOMER_ID", "TX_DATETIME", "TX_AMOUNT"]


@dataclass
class Table:
    frame: Any  # pandas.DataFrame
    source: str


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-table", required=True, help="Delta table name, or a CSV path with --local")
    parser.add_argument("--test-table", required=True, help="Delta table name, or a CSV path with --local")
    parser.add_argument("--feature-columns", required=True, help="comma-separated, in model input order")
    parser.add_argument("--label-column", default="TX_FRAUD")
    parser.add_argument("--params", default="{}", help="XGBoost parameters as a JSON object")
    parser.add_argument("--num-boost-round", type=int, default=100)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--git-commit", default="unknown")
    parser.add_argument("--local", action="store_true", help="read CSV files instead of Spark tables")
    return parser.parse_args(argv)


def read_table(name: str, local: bool) -> Table:
    import pandas as pd

    if local or name.endswith(".csv"):
        return Table(pd.read_csv(name), name)
    from pyspark.sql import SparkSession  # only on a Databricks cluster

    spark = SparkSession.builder.getOrCreate()
    return Table(spark.table(name).toPandas(), name)


def check_columns(table: Table, columns: List[str]) -> None:
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        raise SystemExit(f"{table.source}: missing column(s) {', '.join(missing)}; has {', '.join(table.frame.columns)}")


def average_precision(labels: Any, scores: Any) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(labels, scores))


def roc_auc(labels: Any, scores: Any) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def train(args: argparse.Namespace) -> Dict[str, Any]:
    import numpy as np
    import xgboost as xgb

    features = [c for c in args.feature_columns.split(",") if c]
    params: Dict[str, Any] = {"objective": "binary:logistic", "tree_method": "hist", "eval_metric": "aucpr"}
    params.update(json.loads(args.params))
    if params.get("objective") != "binary:logistic":
        raise SystemExit(f"--params: objective must be binary:logistic, got {params.get('objective')!r}")

    started = time.time()
    train_table = read_table(args.train_table, args.local)
    test_table = read_table(args.test_table, args.local)
    for table in (train_table, test_table):
        check_columns(table, features + [args.label_column])
    check_columns(test_table, KEY_COLUMNS)

    x_train = train_table.frame[features].to_numpy(dtype=np.float32)
    y_train = train_table.frame[args.label_column].to_numpy(dtype=np.float32)
    x_test = test_table.frame[features].to_numpy(dtype=np.float32)
    y_test = test_table.frame[args.label_column].to_numpy(dtype=np.float32)
    if len(np.unique(y_train)) < 2:
        raise SystemExit(f"{train_table.source}: the training labels have a single class")

    booster = xgb.train(
        params,
        xgb.DMatrix(x_train, label=y_train, feature_names=features),
        num_boost_round=args.num_boost_round,
    )
    scores = booster.predict(xgb.DMatrix(x_test, feature_names=features))

    os.makedirs(args.output_dir, exist_ok=True)
    booster.save_model(os.path.join(args.output_dir, "model.json"))
    predictions = test_table.frame[KEY_COLUMNS].copy()
    predictions.columns = ["transaction_id", "customer_id", "tx_datetime", "amount"]
    predictions["label"] = y_test.astype(np.int8)
    predictions["score"] = scores.astype(np.float64)
    predictions.to_csv(os.path.join(args.output_dir, "predictions.csv"), index=False, float_format="%.9g")

    metrics: Dict[str, Any] = {
        "train_rows": int(len(y_train)),
        "train_frauds": int(y_train.sum()),
        "test_rows": int(len(y_test)),
        "test_frauds": int(y_test.sum()),
        "average_precision": average_precision(y_test, scores) if y_test.sum() > 0 else None,
        "auc_roc": roc_auc(y_test, scores) if 0 < y_test.sum() < len(y_test) else None,
        "feature_columns": features,
        "params": params,
        "num_boost_round": args.num_boost_round,
        "git_commit": args.git_commit,
        "xgboost_version": xgb.__version__,
        "python_version": platform.python_version(),
        "train_seconds": round(time.time() - started, 3),
    }
    with open(os.path.join(args.output_dir, "metrics.json"), "w", encoding="utf-8") as handle:
        json.dump(metrics, handle, indent=2)
    return metrics


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    metrics = train(args)
    print(json.dumps({"status": "ok", "output_dir": args.output_dir, "test_rows": metrics["test_rows"],
                      "average_precision": metrics["average_precision"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

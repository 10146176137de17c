"""fraudops training task: XGBoost on materialised feature tables.

Runs as the `spark_python_task` of the fraudops training job on Databricks (see README.md beside this file),
and on this machine when the workspace emulator's job runner executes the job. The TypeScript launcher
(`fraudops-train train --backend databricks`) materialises the feature table from the Spark SQL compilation
of the feature spec, splits it into train / validation / test views, and passes their names here
(`--input-format table`), or exports them as CSV files into the run's volume folder first
(`--input-format csv`, which needs no Spark: the emulator's mode).

Inputs (one row per transaction; column names as the feature SQL emits them):
  train, validation (optional) and test tables with the feature columns and the label `tx_fraud`;
  the test table also carries the keys transaction_id, customer_id, tx_datetime and amount.

Outputs, written to --output-dir (a Unity Catalog volume folder on Databricks):
  model.json        the booster (`Booster.save_model`), cut at the best round when early stopping ran;
                    the launcher converts it to ONNX and checks ONNX reproduces predictions.csv
  predictions.csv   transaction_id,customer_id,tx_datetime,amount,label,score on the test table
  metrics.json      rows and frauds per table, AP and ROC AUC on the test table, rounds kept,
                    parameters, library versions, the git commit the launcher recorded

The last stdout line is one JSON status object (`runs/get-output` shows it in the task's logs).
Exit status 0 on success; any error is raised (the job's run shows the exception and its traceback).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

#: Columns of the test table copied into predictions.csv, in this order.
KEY_COLUMNS: Sequence[str] = ("transaction_id", "customer_id", "tx_datetime", "amount")
LABEL_COLUMN = "tx_fraud"
DEFAULT_PARAMS: Dict[str, Any] = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "eval_metric": "aucpr",
}


class TrainingInputError(ValueError):
    """An input table or parameter the task cannot train on (the message names it)."""


@dataclass
class Table:
    frame: Any  # pandas.DataFrame
    source: str


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-table", required=True, help="table or view name, or a CSV path with --input-format csv")
    parser.add_argument("--validation-table", default="", help="for early stopping; empty: none")
    parser.add_argument("--test-table", required=True)
    parser.add_argument("--input-format", choices=("table", "csv"), default="table",
                        help="table: Spark tables (Databricks); csv: CSV files (no Spark needed)")
    parser.add_argument("--local", action="store_true", help="same as --input-format csv")
    parser.add_argument("--feature-columns", required=True, help="comma-separated, in model input order")
    parser.add_argument("--label-column", default=LABEL_COLUMN)
    parser.add_argument("--params", default="{}", help="XGBoost parameters, a JSON object")
    parser.add_argument("--num-boost-round", type=int, default=100)
    parser.add_argument("--early-stopping-rounds", type=int, default=0,
                        help="rounds without validation gain before stopping (0: off; needs --validation-table)")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--git-commit", default="")
    args = parser.parse_args(list(argv))
    if args.local:
        args.input_format = "csv"
    return args


def read_table(name: str, input_format: str) -> Table:
    import pandas as pd

    if input_format == "csv":
        # round_trip: the exact doubles the launcher wrote, so float32 inputs match what ONNX scores
        return Table(pd.read_csv(name, float_precision="round_trip"), name)
    from pyspark.sql import SparkSession  # only on a Databricks cluster

    spark = SparkSession.builder.getOrCreate()
    return Table(spark.table(name).toPandas(), name)


def check_columns(table: Table, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        raise TrainingInputError(
            f"{table.source}: missing column(s) {', '.join(missing)}; it has {', '.join(map(str, table.frame.columns))}"
        )


def check_two_classes(table: Table, labels: Any) -> None:
    frauds = int(labels.sum())
    if frauds == 0 or frauds == len(labels):
        raise TrainingInputError(f"{table.source}: {frauds} frauds in {len(labels)} rows; training needs both classes")


def xgboost_params(text: str) -> Dict[str, Any]:
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        raise TrainingInputError(f"--params is not JSON: {error}") from error
    if not isinstance(given, dict):
        raise TrainingInputError("--params must be a JSON object")
    params = {**DEFAULT_PARAMS, **given}
    if params["objective"] != "binary:logistic":
        raise TrainingInputError(f"--params: objective must be binary:logistic, got {params['objective']!r}")
    return params


def train(args: argparse.Namespace) -> Dict[str, Any]:
    import numpy as np
    import xgboost as xgb
    from sklearn.metrics import average_precision_score, roc_auc_score

    started = time.time()
    features = [c for c in args.feature_columns.split(",") if c]
    if not features:
        raise TrainingInputError("--feature-columns is empty")
    params = xgboost_params(args.params)

    train_table = read_table(args.train_table, args.input_format)
    test_table = read_table(args.test_table, args.input_format)
    validation = read_table(args.validation_table, args.input_format) if args.validation_table else None
    for table in [train_table, test_table] + ([validation] if validation else []):
        check_columns(table, features + [args.label_column])
    check_columns(test_table, KEY_COLUMNS)

    def matrix(table: Table) -> Any:
        values = table.frame[features].to_numpy(dtype=np.float32)
        labels = table.frame[args.label_column].to_numpy(dtype=np.float32)
        return xgb.DMatrix(values, label=labels, feature_names=features), labels

    d_train, y_train = matrix(train_table)
    d_test, y_test = matrix(test_table)
    check_two_classes(train_table, y_train)
    evals = []
    y_valid = None
    if validation is not None:
        d_valid, y_valid = matrix(validation)
        check_two_classes(validation, y_valid)
        evals = [(d_valid, "validation")]

    early = args.early_stopping_rounds if evals and args.early_stopping_rounds > 0 else None
    booster = xgb.train(params, d_train, num_boost_round=args.num_boost_round, evals=evals,
                        early_stopping_rounds=early, verbose_eval=False)
    rounds = booster.num_boosted_rounds()
    best_validation = float(booster.best_score) if early is not None else None
    if early is not None:
        # xgb.train returns every round it grew; keep the best ones so model.json is what was evaluated
        rounds = booster.best_iteration + 1
        booster = booster[:rounds]
    scores = booster.predict(d_test)

    os.makedirs(args.output_dir, exist_ok=True)
    booster.save_model(os.path.join(args.output_dir, "model.json"))
    predictions = test_table.frame[list(KEY_COLUMNS)].copy()
    predictions["label"] = y_test.astype(np.int8)
    predictions["score"] = scores.astype(np.float64)
    predictions.to_csv(os.path.join(args.output_dir, "predictions.csv"), index=False, float_format="%.9g")

    has_both = 0 < y_test.sum() < len(y_test)
    metrics: Dict[str, Any] = {
        "train_rows": int(len(y_train)),
        "train_frauds": int(y_train.sum()),
        "validation_rows": int(len(y_valid)) if y_valid is not None else 0,
        "test_rows": int(len(y_test)),
        "test_frauds": int(y_test.sum()),
        "average_precision": float(average_precision_score(y_test, scores)) if has_both else None,
        "auc_roc": float(roc_auc_score(y_test, scores)) if has_both else None,
        "rounds": int(rounds),
        "best_validation_aucpr": best_validation,
        "feature_columns": features,
        "params": params,
        "num_boost_round": args.num_boost_round,
        "early_stopping_rounds": early or 0,
        "input_format": args.input_format,
        "git_commit": args.git_commit or None,
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
    print(json.dumps({"status": "ok", "output_dir": args.output_dir, "rounds": metrics["rounds"],
                      "test_rows": metrics["test_rows"], "average_precision": metrics["average_precision"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

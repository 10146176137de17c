#!/usr/bin/env python3
"""Independent reference for the 15 baseline features, written with pandas rolling windows.

It follows the Fraud Detection Handbook's definitions (chapter 3.3) and shares no code with the TypeScript
paths it checks:
  * customer windows: per customer, ``rolling('<w>D')`` over the time index -- the window (t - w, t] up to
    and including the current row (rows are sorted by tx_datetime, then transaction_id);
  * terminal windows with delay D = 7: counts and fraud sums over (t - (D + w), t] minus those over
    (t - D, t], i.e. the window (t - (D + w), t - D]; risk = frauds / count, 0 when the count is 0.

Input: a CSV with transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud (any case).
Output: a raw little-endian float64 matrix, rows in (tx_datetime, transaction_id) order, columns
transaction_id then the 15 features. A JSON summary (names, rows, timings, peak RSS) goes to stdout.

Usage: features_pandas.py --input transactions.csv --output features.f64
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

DELAY_DAYS = 7
WINDOWS_DAYS = (1, 7, 30)


def customer_features(df: pd.DataFrame) -> dict:
    """Count and mean amount over the customer's own transactions in (t - w, t]."""
    by_customer = df.sort_values(["customer_id", "tx_datetime", "transaction_id"], kind="mergesort")
    # groupby(sort=True) emits groups by key and rows in frame order: exactly by_customer's order
    grouped = by_customer.set_index("tx_datetime").groupby("customer_id", sort=True)["tx_amount"]
    out = {}
    for w in WINDOWS_DAYS:
        rolling = grouped.rolling(f"{w}D")
        count = rolling.count().to_numpy()
        total = rolling.sum().to_numpy()
        out[f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"] = pd.Series(count, index=by_customer.index)
        out[f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"] = pd.Series(total / count, index=by_customer.index)
    return out


def terminal_features(df: pd.DataFrame) -> dict:
    """Count and fraud ratio over the terminal's transactions in (t - (D + w), t - D]."""
    by_terminal = df.sort_values(["terminal_id", "tx_datetime", "transaction_id"], kind="mergesort")
    grouped = by_terminal.set_index("tx_datetime").groupby("terminal_id", sort=True)["tx_fraud"]
    recent = grouped.rolling(f"{DELAY_DAYS}D")
    recent_count = recent.count().to_numpy()
    recent_frauds = recent.sum().to_numpy()
    out = {}
    for w in WINDOWS_DAYS:
        span = grouped.rolling(f"{DELAY_DAYS + w}D")
        count = span.count().to_numpy() - recent_count
        frauds = span.sum().to_numpy() - recent_frauds
        with np.errstate(invalid="ignore", divide="ignore"):
            risk = np.where(count > 0, frauds / count, 0.0)
        out[f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"] = pd.Series(count, index=by_terminal.index)
        out[f"TERMINAL_ID_RISK_{w}DAY_WINDOW"] = pd.Series(risk, index=by_terminal.index)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="transactions CSV")
    parser.add_argument("--output", required=True, help="float64 matrix to write")
    args = parser.parse_args()

    started, started_cpu = time.perf_counter(), time.process_time()
    df = pd.read_csv(args.input, float_precision="round_trip")
    df.columns = [c.lower() for c in df.columns]
    df["tx_datetime"] = pd.to_datetime(df["tx_datetime"])
    loaded, loaded_cpu = time.perf_counter(), time.process_time()

    df = df.sort_values(["tx_datetime", "transaction_id"], kind="mergesort").reset_index(drop=True)
    features = {
        "TX_AMOUNT": df["tx_amount"].astype(float),
        "TX_DURING_WEEKEND": (df["tx_datetime"].dt.weekday >= 5).astype(float),
        "TX_DURING_NIGHT": (df["tx_datetime"].dt.hour <= 6).astype(float),
    }
    features.update(customer_features(df))
    features.update(terminal_features(df))
    names = [
        "TX_AMOUNT",
        "TX_DURING_WEEKEND",
        "TX_DURING_NIGHT",
        *[f"CUSTOMER_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS_DAYS for kind in ("NB_TX", "AVG_AMOUNT")],
        *[f"TERMINAL_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS_DAYS for kind in ("NB_TX", "RISK")],
    ]
    matrix = np.empty((len(df), len(names) + 1), dtype="<f8")
    matrix[:, 0] = df["transaction_id"].to_numpy(dtype=float)
    for j, name in enumerate(names):
        matrix[:, j + 1] = features[name].sort_index().to_numpy(dtype=float)
    computed, computed_cpu = time.perf_counter(), time.process_time()

    matrix.tofile(args.output)
    written = time.perf_counter()
    json.dump(
        {
            "names": names,
            "rows": len(df),
            "load_s": loaded - started,
            "compute_s": computed - loaded,
            # CPU seconds: what the work cost even when a busy machine stretches wall time
            "load_cpu_s": loaded_cpu - started_cpu,
            "compute_cpu_s": computed_cpu - loaded_cpu,
            "write_s": written - computed,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "pandas": pd.__version__,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

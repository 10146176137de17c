"""FastAPI/uvicorn peer of the fraudops scoring API, for `npm run bench -- scoring`.

Serves the same XGBoost-format model (booster JSON) behind the same request and response shapes as
`POST /v1/score`: pydantic validation, the 15 baseline features kept online per customer and terminal
(straightforward deques, as a Python service would write them), XGBoost inference, a decision at the
threshold. One uvicorn worker, like the one Node process it is compared with.

    /usr/bin/python3 fastapi_scoring.py --model model.json --threshold 0.5 --port 8601
"""

from __future__ import annotations

import argparse
from collections import deque
from datetime import datetime, timezone
from typing import Dict, List, Union

import numpy as np
import uvicorn
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel, confloat, conint, conlist

DAY = 86400.0
CUSTOMER_WINDOWS = (1, 7, 30)
TERMINAL_WINDOWS = (1, 7, 30)
TERMINAL_DELAY = 7


class Transaction(BaseModel):
    transaction_id: Union[conint(ge=0), str]
    tx_datetime: Union[float, datetime]
    customer_id: conint(ge=0)
    terminal_id: conint(ge=0)
    tx_amount: confloat(ge=0)

    class Config:
        extra = "forbid"


class ScoreRequest(BaseModel):
    transactions: conlist(Transaction, min_items=1, max_items=10000)

    class Config:
        extra = "forbid"


def epoch_seconds(value: Union[float, datetime]) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return float(value)


class OnlineState:
    """Per-entity deques of recent transactions; windows as in the handbook's baseline features."""

    def __init__(self) -> None:
        self.customers: Dict[int, deque] = {}
        self.terminals: Dict[int, deque] = {}
        self.vectors: Dict[str, np.ndarray] = {}

    def vector(self, tx: Transaction) -> np.ndarray:
        key = str(tx.transaction_id)
        known = self.vectors.get(key)
        if known is not None:
            return known
        t = epoch_seconds(tx.tx_datetime)
        when = datetime.fromtimestamp(t, tz=timezone.utc)
        row = [tx.tx_amount, 1.0 if when.weekday() >= 5 else 0.0, 1.0 if when.hour <= 6 else 0.0]

        history = self.customers.setdefault(tx.customer_id, deque())
        history.append((t, tx.tx_amount))
        while history and history[0][0] <= t - max(CUSTOMER_WINDOWS) * DAY:
            history.popleft()
        for w in CUSTOMER_WINDOWS:
            amounts = [a for (s, a) in history if s > t - w * DAY]
            row += [float(len(amounts)), float(sum(amounts) / len(amounts)) if amounts else 0.0]

        terminal = self.terminals.setdefault(tx.terminal_id, deque())
        terminal.append((t, 0))
        while terminal and terminal[0][0] <= t - (max(TERMINAL_WINDOWS) + TERMINAL_DELAY) * DAY:
            terminal.popleft()
        end = t - TERMINAL_DELAY * DAY
        for w in TERMINAL_WINDOWS:
            frauds = [f for (s, f) in terminal if end - w * DAY < s <= end]
            row += [float(len(frauds)), float(sum(frauds) / len(frauds)) if frauds else 0.0]

        vector = np.asarray(row, dtype=np.float32)
        self.vectors[key] = vector
        return vector


def create_app(model_path: str, threshold: float) -> FastAPI:
    booster = xgb.Booster()
    booster.load_model(model_path)
    booster.set_param({"nthread": 1})
    state = OnlineState()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/v1/score")
    def score(request: ScoreRequest) -> dict:
        rows = np.stack([state.vector(tx) for tx in request.transactions])
        probabilities = booster.inplace_predict(rows)
        results: List[dict] = []
        for tx, p in zip(request.transactions, probabilities.tolist()):
            results.append({
                "transaction_id": str(tx.transaction_id),
                "probability": p,
                "decision": "alert" if p >= threshold else "pass",
                "threshold": threshold,
            })
        return {"model": {"name": "xgboost-peer", "version": 1}, "results": results}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="XGBoost booster JSON (booster.save_model('model.json'))")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8601)
    args = parser.parse_args()
    uvicorn.run(create_app(args.model, args.threshold), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""The transaction simulator of shared/reference/simulator.md, written plainly with numpy and `random`.

This is the benchmark peer of libs/transactions' simulator (`npm run bench -- simulator`): the same
specification, implemented the way a Python user would, with numpy's legacy RandomState draws and
CPython's `random` for terminal choice and S3 sampling. It also serves as the reference for bit-exact
parity: --json prints the published totals and a SHA-256 of the generated columns.

    /usr/bin/python3 simulator_numpy.py [--customers 5000 --terminals 10000 --days 183 --start-date 2018-04-01 --radius 5 --seed 0] [--json]
"""
import argparse
import hashlib
import json
import random
import resource
import sys
import time

import numpy as np

SECONDS_PER_DAY = 86400


def customer_profiles(n_customers, seed):
    np.random.seed(seed)
    profiles = np.empty((n_customers, 5))
    for customer in range(n_customers):
        x = np.random.uniform(0, 100)
        y = np.random.uniform(0, 100)
        mean_amount = np.random.uniform(5, 100)
        mean_nb_tx_per_day = np.random.uniform(0, 4)
        profiles[customer] = (x, y, mean_amount, mean_amount / 2, mean_nb_tx_per_day)
    return profiles


def terminal_profiles(n_terminals, seed):
    np.random.seed(seed)
    locations = np.empty((n_terminals, 2))
    for terminal in range(n_terminals):
        locations[terminal] = (np.random.uniform(0, 100), np.random.uniform(0, 100))
    return locations


def available_terminals(customers, terminals, radius):
    out = []
    for customer in customers:
        distances = np.sqrt(np.sum(np.square(customer[:2] - terminals), axis=1))
        out.append(np.where(distances < radius)[0].tolist())
    return out


def generate(customers, available, nb_days, seed):
    seconds, customer_ids, terminal_ids, amounts = [], [], [], []
    for customer, (_, _, mean_amount, std_amount, rate) in enumerate(customers):
        np.random.seed(customer + seed)
        random.seed(customer + seed)
        terminals = available[customer]
        for day in range(nb_days):
            for _ in range(np.random.poisson(rate)):
                t = int(np.random.normal(SECONDS_PER_DAY / 2, 20000))
                if 0 < t < SECONDS_PER_DAY:
                    amount = np.random.normal(mean_amount, std_amount)
                    if amount < 0:
                        amount = np.random.uniform(0, mean_amount * 2)
                    amount = np.round(amount, 2)
                    if terminals:
                        seconds.append(t + SECONDS_PER_DAY * day)
                        customer_ids.append(customer)
                        terminal_ids.append(random.choice(terminals))
                        amounts.append(amount)
    return (np.array(seconds, dtype=np.int64), np.array(customer_ids, dtype=np.int64),
            np.array(terminal_ids, dtype=np.int64), np.array(amounts, dtype=np.float64))


def add_frauds(table, n_customers, n_terminals, seed):
    amount, days, customer, terminal = table["amount"], table["days"], table["customer"], table["terminal"]
    fraud = np.zeros(len(amount), dtype=np.int8)
    scenario = np.zeros(len(amount), dtype=np.int8)
    added = []

    s1 = amount > 220
    added.append(int(np.sum(s1 & (fraud == 0))))
    fraud[s1], scenario[s1] = 1, 1

    before = int(fraud.sum())
    for day in range(int(days.max()) if len(days) else 0):
        compromised = np.random.RandomState(day + seed).permutation(n_terminals)[:2]
        hit = np.isin(terminal, compromised) & (days >= day) & (days < day + 28)
        fraud[hit], scenario[hit] = 1, 2
    added.append(int(fraud.sum()) - before)

    before = int(fraud.sum())
    for day in range(int(days.max()) if len(days) else 0):
        victims = np.random.RandomState(day + seed).permutation(n_customers)[:3]
        rows = np.where(np.isin(customer, victims) & (days >= day) & (days < day + 14))[0]
        random.seed(day + seed)
        picked = random.sample(rows.tolist(), k=len(rows) // 3)
        amount[picked] = amount[picked] * 5
        fraud[picked], scenario[picked] = 1, 3
    added.append(int(fraud.sum()) - before)
    return fraud, scenario, added


def simulate(n_customers, n_terminals, nb_days, radius, seed):
    customers = customer_profiles(n_customers, seed)
    terminals = terminal_profiles(n_terminals, seed + 1)
    available = available_terminals(customers, terminals, radius)
    seconds, customer, terminal, amount = generate(customers, available, nb_days, seed)
    order = np.argsort(seconds, kind="stable")
    table = {
        "transaction_id": np.arange(len(order), dtype=np.int64),
        "seconds": seconds[order],
        "days": seconds[order] // SECONDS_PER_DAY,
        "customer": customer[order],
        "terminal": terminal[order],
        "amount": amount[order],
    }
    table["fraud"], table["scenario"], table["added"] = add_frauds(table, n_customers, n_terminals, seed)
    return table


def fingerprint(table, start_epoch_seconds):
    """SHA-256 of the columns as libs/transactions' fingerprintTransactions computes it: for each column in
    contract order, its name, a NUL byte, then its values as little-endian float64."""
    columns = {
        "transaction_id": table["transaction_id"],
        "tx_datetime": table["seconds"] + start_epoch_seconds,
        "customer_id": table["customer"],
        "terminal_id": table["terminal"],
        "tx_amount": table["amount"],
        "tx_fraud": table["fraud"],
        "tx_fraud_scenario": table["scenario"],
        "tx_time_seconds": table["seconds"],
        "tx_time_days": table["days"],
    }
    h = hashlib.sha256()
    for name, values in columns.items():
        h.update(name.encode() + b"\0")
        h.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--terminals", type=int, default=10000)
    parser.add_argument("--days", type=int, default=183)
    parser.add_argument("--start-date", default="2018-04-01")
    parser.add_argument("--radius", type=float, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print totals, timing and digest as JSON")
    args = parser.parse_args()

    started, started_cpu = time.perf_counter(), time.process_time()
    table = simulate(args.customers, args.terminals, args.days, args.radius, args.seed)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    scenarios = np.bincount(table["scenario"], minlength=4).tolist()
    result = {
        "rows": int(len(table["amount"])),
        "frauds_added_by_scenario": table["added"],
        "scenario_counts": scenarios,
        "first_row": {
            "tx_time_seconds": int(table["seconds"][0]),
            "customer_id": int(table["customer"][0]),
            "terminal_id": int(table["terminal"][0]),
            "tx_amount": float(table["amount"][0]),
        } if len(table["amount"]) else None,
        "sha256": fingerprint(table, int(np.datetime64(args.start_date, "s").astype(np.int64))),
        "simulate_wall_s": wall,
        # CPU seconds (user + system): what the work cost, even when a busy machine stretches wall time
        "simulate_cpu_s": cpu,
        # ru_maxrss is in KiB on Linux
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()

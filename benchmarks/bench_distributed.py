"""Multi-worker training on loopback: the command docs/distributed.md gives, on 1, 2 and 3 worker processes of this
machine.

Each run trains the same model on the same data with the same global batch: once as one ordinary process (the
baseline, ``--strategy none``), then as 2 and 3 workers of a ``MultiWorkerMirroredStrategy`` cluster on
``127.0.0.1`` (free ports, ``TF_CONFIG`` per worker, all started at once). It reports the wall time from start to
the last worker's exit, the training samples per second of the whole job (from the chief's card: global
samples over training time) and per worker, and the final loss. On one machine the workers share its cores, so
this measures the cost of the collective all-reduce and of the extra processes, not a speed-up: across real
machines each worker brings its own cores and the all-reduce crosses the network instead of loopback.

    s2s-viz bench distributed [--workers 1 2 3] [--limit 4096] [--epochs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from s2s_viz.bench import free_ports, write_result

MODEL = [
    "--data",
    "toy:reverse",
    "--attention",
    "additive",
    "--latent-dim",
    "64",
    "--batch-size",
    "96",
    "--learning-rate",
    "0.005",
    "--seed",
    "1",
]


def run(workers: int, limit: int, epochs: int) -> dict:
    output = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    command = [
        sys.executable,
        "-m",
        "s2s_viz",
        "train",
        *MODEL,
        "--limit",
        str(limit),
        "--epochs",
        str(epochs),
        "--name",
        "bench",
        "--output",
    ]
    started = time.perf_counter()
    if workers == 1:
        processes = [subprocess.Popen([*command, str(output / "w0")], stderr=subprocess.DEVNULL)]
    else:
        ports = free_ports(workers)
        cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
        processes = [
            subprocess.Popen(
                [*command, str(output / f"w{index}"), "--strategy", "multiworker"],
                env={
                    **os.environ,
                    "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
                },
                stderr=subprocess.DEVNULL,
            )
            for index in range(workers)
        ]
    codes = [process.wait(timeout=1800) for process in processes]
    wall = time.perf_counter() - started
    if any(codes):
        raise SystemExit(f"{workers} worker(s) failed: exit codes {codes}")
    training = json.loads((output / "w0" / "bench.json").read_text())["training"]
    total = training["train_samples_per_s"]
    return {
        "workers": workers,
        "strategy": "none" if workers == 1 else "multiworker",
        "global_batch": training["distribution"]["global_batch"],
        "per_replica_batch": training["distribution"]["per_replica_batch"],
        "wall_s": round(wall, 1),
        "training_s": training["time_s"],
        "samples_per_s_total": total,
        "samples_per_s_per_worker": round(total / workers, 1),
        "final_loss": round(training["history"]["loss"][-1], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--limit", type=int, default=4096, help="training pairs of toy:reverse")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    rows = [run(workers, args.limit, args.epochs) for workers in args.workers]
    write_result(
        "distributed",
        {"task": "toy:reverse, additive attention, LSTM 64", "pairs": args.limit, "epochs": args.epochs, "runs": rows},
    )


if __name__ == "__main__":
    main()

"""Helpers for the benchmarks in ``benchmarks/``: timing with medians, and results written with the machine."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from .machine import machine_description


def free_ports(count: int) -> list[int]:
    """``count`` TCP ports on 127.0.0.1 that nothing listens on now (for local servers and worker clusters)."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def timed(function, repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def median(values) -> float:
    return statistics.median(values)


SAVE_ENV = "S2S_VIZ_BENCH_SAVE"  # set by ``s2s-viz bench --save``


def write_result(
    name: str, payload: dict, folder: str | Path = "benchmarks/results", command: str | None = None
) -> Path:
    """Write ``NAME.json`` with the machine, the command and the time, and print it: into ``folder`` (the tracked
    results the README quotes) when ``s2s-viz bench --save`` asked for it, else into ``folder/latest`` (ignored by
    git), so that a run to look at a figure changes no tracked file."""
    from ._version import __version__
    from .backend import versions

    record = {
        "benchmark": name,
        "machine": machine_description(),
        "command": "s2s-viz bench " + " ".join([command or name, *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "versions": {"s2s_viz": __version__, **versions()},
        **payload,
    }
    path = (
        Path(folder) / f"{name}.json" if os.environ.get(SAVE_ENV) == "1" else Path(folder) / "latest" / f"{name}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=2, ensure_ascii=False, default=float)  # numpy scalars too
    path.write_text(text)
    print(text)
    return path

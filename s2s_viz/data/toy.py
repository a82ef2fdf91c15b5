"""Generated tasks that need no download and train in seconds on a CPU.

* ``copy``: the output is the input. Attention learns the diagonal.
* ``reverse``: the output is the input backwards. Attention learns the anti-diagonal.
* ``dates``: a date written in one of several human formats becomes ISO ``YYYY-MM-DD``
  (``27 November 2026`` -> ``2026-11-27``). Attention jumps between the day, the month and the year.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib

from .pairs import PairSet

TASKS = ("copy", "reverse", "dates")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_MONTHS = [dt.date(2000, month, 1).strftime("%B") for month in range(1, 13)]

DATE_FORMATS = (
    lambda d: f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"{_MONTHS[d.month - 1][:3]} {d.day} {d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}",
    lambda d: f"{d.year}/{d.month}/{d.day}",
)


def random_date(rng: random.Random) -> dt.date:
    start = dt.date(1950, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randrange(start, dt.date(2050, 12, 31).toordinal()))


def is_held_out(target: str) -> bool:
    """One target in ten (by a stable hash) is for testing only: a test pair is never a training pair."""
    return zlib.crc32(target.encode()) % 10 == 0


def make_pairs(
    task: str, count: int = 10000, seed: int = 0, min_length: int = 3, max_length: int = 12, split: str = "train"
) -> PairSet:
    """``count`` source/target pairs of a toy task, reproducible from ``seed``.

    ``split="train"`` never yields a held-out target (``is_held_out``); ``split="test"`` yields only those.
    """
    if task not in TASKS:
        raise ValueError(f"unknown toy task {task!r}; choose one of {', '.join(TASKS)}")
    if count < 1:
        raise ValueError("count must be at least 1")
    if split not in ("train", "test"):
        raise ValueError("split must be train or test")
    rng = random.Random(seed)
    sources, targets = [], []
    while len(sources) < count:
        if task == "dates":
            date = random_date(rng)
            source, target = rng.choice(DATE_FORMATS)(date), date.isoformat()
        else:
            word = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(min_length, max_length)))
            source, target = word, word if task == "copy" else word[::-1]
        if is_held_out(target) == (split == "test"):
            sources.append(source)
            targets.append(target)
    return PairSet(sources, targets, direction=f"toy:{task}", path=None)

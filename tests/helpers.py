"""Helpers the tests share (data locations); fixtures live in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if "S2S_VIZ_DATA" not in os.environ and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["S2S_VIZ_DATA"] = str(ROOT.parent / "shared" / "data")


def data_file(relative: str) -> Path | None:
    folder = os.environ.get("S2S_VIZ_DATA")
    path = Path(folder) / relative if folder else None
    return path if path and path.is_file() else None


def fra_file() -> Path | None:
    return data_file("fra-eng/fra.txt")


needs_fra = pytest.mark.skipif(fra_file() is None, reason="needs fra.txt under S2S_VIZ_DATA")
needs_mnist = pytest.mark.skipif(data_file("mnist/mnist.npz") is None, reason="needs mnist.npz under S2S_VIZ_DATA")


def wait_until(condition, timeout: float, what: str = "the condition", every: float = 0.1):
    """Return ``condition()``'s first true value, asking again every ``every`` seconds; fail after ``timeout``
    saying what never happened. (The one place the tests pause: between two looks at a condition.)"""
    import threading
    import time

    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:g} s, still waiting for {what}")
        pause.wait(every)


def small_config(**overrides):
    """A translator's training settings of a second or two: the copy task, a small LSTM."""
    from s2s_viz.training import TranslatorTrainConfig

    settings = dict(
        name="small",
        data="toy:copy",
        toy_count=640,
        validation_pairs=64,
        epochs=2,
        batch_size=64,
        learning_rate=0.01,
        max_source_length=12,
        max_target_length=12,
        model={"latent_dim": 16},
    )
    return TranslatorTrainConfig(**{**settings, **overrides})

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

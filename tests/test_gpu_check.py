"""The GPU check on a machine without a GPU: it says so and stops, touching nothing (on a GPU machine it runs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU machine runs the real check")
def test_without_a_gpu_the_script_says_so_and_installs_nothing(tmp_path):
    done = subprocess.run(["bash", "scripts/gpu_check.sh", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "no NVIDIA GPU here" in done.stderr
    assert not any(tmp_path.iterdir())


def test_without_a_gpu_the_measurement_says_what_to_check(tmp_path):
    from s2s_viz import backend

    if backend.devices():
        pytest.skip("a GPU is here")
    part = tmp_path / "part.json"
    done = subprocess.run(
        [sys.executable, "scripts/gpu_check.py", "--part", str(part)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2 and "Keras on tensorflow sees no GPU" in done.stderr
    assert not part.exists()

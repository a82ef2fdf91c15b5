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
    done = subprocess.run(["bash", "scripts/gpu_check.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no NVIDIA GPU here" in done.stderr
    assert not (ROOT / ".venv-gpu").exists()


def test_without_a_gpu_the_measurement_says_what_to_check():
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is here")
    done = subprocess.run(
        [sys.executable, "scripts/gpu_check.py"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "TensorFlow sees no GPU" in done.stderr
    assert not (ROOT / "benchmarks" / "results" / "gpu.json").exists()

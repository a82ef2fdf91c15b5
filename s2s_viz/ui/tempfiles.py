"""The files the app hands out (exports, checkpoint downloads) live in one folder of its own, each request's in a
folder of its own there, and are removed after ``S2S_VIZ_TEMP_MAX_AGE_S`` (30 minutes) or, oldest first, beyond
``S2S_VIZ_TEMP_MAX_BYTES`` (500 MB) in all. (Gradio's copies of them are removed by ``delete_cache``.)"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

_lock = threading.Lock()


def root() -> Path:
    return Path(os.environ.get("S2S_VIZ_TEMP", Path(tempfile.gettempdir()) / "s2s-viz-files"))


def fresh_folder(prefix: str) -> Path:
    """A new folder for one request's files, after the old ones are swept."""
    sweep()
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


def sweep(max_age_s: float | None = None, max_bytes: int | None = None) -> list[Path]:
    """Remove the folders older than ``max_age_s``, then the oldest beyond ``max_bytes`` in all; returns them."""
    max_age_s = float(os.environ.get("S2S_VIZ_TEMP_MAX_AGE_S", "1800")) if max_age_s is None else max_age_s
    max_bytes = int(os.environ.get("S2S_VIZ_TEMP_MAX_BYTES", str(500 * 2**20))) if max_bytes is None else max_bytes
    removed = []
    with _lock:
        folders = []
        for folder in root().glob("*") if root().is_dir() else []:
            try:
                size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
                folders.append((folder.stat().st_mtime, size, folder))
            except OSError:
                continue
        total = sum(size for _, size, _ in folders)
        now = time.time()
        for made, size, folder in sorted(folders):  # oldest first
            if now - made > max_age_s or total > max_bytes:
                shutil.rmtree(folder, ignore_errors=True)
                total -= size
                removed.append(folder)
    return removed

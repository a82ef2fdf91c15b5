"""The files the app hands out are removed after a while, and bounded in bytes."""

from __future__ import annotations

import os
import time


def test_old_folders_go_and_the_total_is_bounded(tmp_path, monkeypatch):
    from s2s_viz.ui import tempfiles

    monkeypatch.setenv("S2S_VIZ_TEMP", str(tmp_path / "files"))
    monkeypatch.setenv("S2S_VIZ_TEMP_MAX_AGE_S", "600")
    monkeypatch.setenv("S2S_VIZ_TEMP_MAX_BYTES", "2500")
    old = tempfiles.fresh_folder("export-")
    (old / "a.csv").write_bytes(b"x" * 1000)
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    kept = [tempfiles.fresh_folder("export-") for _ in range(3)]
    assert not old.exists()  # swept for its age as the next one was made
    for folder in kept:
        (folder / "b.csv").write_bytes(b"x" * 1000)
    newest = tempfiles.fresh_folder("download-")  # 3,000 bytes in all: the oldest goes
    assert [folder.exists() for folder in kept] == [False, True, True] and newest.exists()

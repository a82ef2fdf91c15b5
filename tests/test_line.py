"""The server's line of trainings, with real training processes: identical trainings share one run and each
follower gets its own copy; a different one waits, told its place and an estimate; a follower that stops lets the
others go on."""

from __future__ import annotations

import functools
import threading

from helpers import small_config

import s2s_viz
from s2s_viz.training import TrainingProcess, train_translator
from s2s_viz.training.line import TrainingLine, key_of, work_of


def config(**overrides):
    return small_config(**{"name": "line", **overrides})


def start(settings, folder):
    started.append(folder)
    return TrainingProcess(train_translator, settings, folder)


started: list = []


def collect(follower, into: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(follower.events()))
    thread.start()
    return thread


def test_three_visitors_asking_the_same_training_share_one_run_and_each_gets_its_own_model(tmp_path):
    started.clear()
    line = TrainingLine(slots=1)
    same = config()
    followers = [
        line.follow(
            key_of("translator", config(name=f"n{i}")),
            functools.partial(start, same),
            tmp_path / f"v{i}",
            f"mine-{i}",
            kind="translator:rnn",
            work=work_of(same),
        )  # fmt: skip
        for i in range(3)
    ]
    assert line.shared_by(followers[0]) == 3
    other = config(name="other", learning_rate=0.02)
    waiting = line.follow(key_of("translator", other), functools.partial(start, other), tmp_path / "w", "later")
    seen = [[] for _ in range(4)]
    threads = [collect(follower, into) for follower, into in zip([*followers, waiting], seen, strict=True)]
    for thread in threads:
        thread.join(timeout=300)
    assert len(started) == 2  # one run for the three, one for the different settings
    for i, events in enumerate(seen[:3]):
        kinds = [event["type"] for event in events]
        assert kinds.count("epoch") == 2 and kinds[-1] == "done"
        translator = s2s_viz.load(str(tmp_path / f"v{i}" / f"mine-{i}.keras"))
        assert translator.card["name"] == f"mine-{i}" and translator.translate("abc").steps
    hashes = {s2s_viz.load(str(tmp_path / f"v{i}" / f"mine-{i}.keras")).card["weights_sha256"] for i in range(3)}
    assert len(hashes) == 1  # the same weights: one training
    first = seen[3][0]
    assert first["type"] == "waiting" and first["ahead"] == 1 and first["starts_in_s"] > 0
    assert [e["type"] for e in seen[3]][-1] == "done" and (tmp_path / "w" / "later.keras").is_file()
    # the first run was measured: a third, identical to it, would have been estimated from its rate
    assert line._rates["translator:rnn"] > 0


def test_a_follower_that_stops_takes_the_last_epoch_and_the_others_go_on(tmp_path):
    started.clear()
    line = TrainingLine(slots=1)
    settings = config(epochs=4)
    key = key_of("translator", settings)
    leaving = line.follow(key, functools.partial(start, settings), tmp_path / "a", "leaves", work=1)
    staying = line.follow(key, functools.partial(start, settings), tmp_path / "b", "stays", work=1)
    left, stayed = [], []
    thread = collect(staying, stayed)
    for event in leaving.events():
        left.append(event)
        if event["type"] == "epoch":
            leaving.stop()
    thread.join(timeout=300)
    assert left[-1]["type"] == "stopped" and (tmp_path / "a" / "leaves.keras").is_file()
    assert s2s_viz.load(str(tmp_path / "a" / "leaves.keras")).card["training"]["epochs_completed"] < 4
    assert [e["type"] for e in stayed].count("epoch") == 4 and stayed[-1]["type"] == "done"
    assert (tmp_path / "b" / "stays.keras").is_file()


def test_a_run_nobody_follows_any_more_stops_or_leaves_the_line(tmp_path):
    started.clear()
    line = TrainingLine(slots=1)
    long = config(epochs=50, toy_count=6400)
    running = line.follow(key_of("translator", long), functools.partial(start, long), tmp_path / "a", "long")
    queued = config(name="q", learning_rate=0.03)
    waiting = line.follow(key_of("translator", queued), functools.partial(start, queued), tmp_path / "b", "queued")
    first = next(waiting.events())
    assert first["type"] == "waiting" and first["ahead"] == 1
    waiting.stop()
    assert list(waiting.events())[-1] == {"type": "stopped", "reason": "stopped by you", "checkpoint": None}
    for event in running.events():
        if event["type"] == "batch" and not running.stopped:
            assert running.last_checkpoint() is None  # what the Stop's answer says: no model is saved
            running.stop()  # the only follower: the run itself stops at its next batch
    assert len(started) == 1 and not (tmp_path / "b").exists()

"""The server's line of trainings: a few run at once, each one waiting is told its place and when it should start,
and identical trainings share one run.

A class pressing the same *try this* asks for the same settings and data thirty times: those requests follow one
run, each sees its progress from its first batch, and each gets its own copy of the model, under its own name, in
its own folder. A follower that leaves (or stops) lets the others go on; the run stops when nobody follows it.

The estimate of when a waiting training starts adds up the trainings ahead: the running ones' own ETAs, and for
the waiting ones their work (epochs x examples) at the seconds per example-epoch this server measured for that kind
of model (the trainings' time limit where nothing was measured yet).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import checkpoints


@dataclass
class _Run:
    """One run, and everyone following it."""

    key: str
    start: Callable[[Path], object]  # folder -> a run with ``iter_events()``, ``stop``, ``close()``
    kind: str  # what the measured rate is kept under
    work: float  # epochs x examples
    folder: Path
    followers: set = field(default_factory=set)
    owners: list = field(default_factory=list)  # every follower, until it has its copy (a closed page too)
    events: list = field(default_factory=list)
    process: object = None
    started_at: float | None = None
    eta_s: float | None = None
    ending: bool = False  # its last event has come: nobody joins it any more
    finished: bool = False


class Follower:
    """One visitor's place on a run: ``events()`` gives ``waiting`` events, then the run's events; ``stop()``."""

    def __init__(self, line: TrainingLine, run: _Run, directory: Path, name: str):
        self.line, self.run = line, run
        self.directory, self.name = Path(directory), name
        self.stopped = False
        self.copy: Path | None = None  # this follower's own copy of the model, once it has one
        self.copy_error: str | None = None

    def stop(self) -> None:
        """Stop following: the run itself stops when nobody else follows it (the last completed epoch is kept)."""
        self.line._stop(self)

    def last_checkpoint(self) -> str | None:
        """The last model its run saved so far (None before the first epoch ends)."""
        with self.line.changed:
            return _last_checkpoint(self.run.events)

    def events(self) -> Iterator[dict]:
        """``{"type": "waiting", "ahead": n, "starts_in_s": s}`` while it waits (every second); ``{"type":
        "starting"}`` as its run starts (at once, where it runs already); then every event of the run from its first
        to the run's own end, with ``{"type": "quiet"}`` after each second without one (a reader in a loop gets a
        chance to leave); or, where this follower stopped and others go on with the run, a ``stopped`` event with
        the last checkpoint saved. Leaving the loop (a closed page) counts as a stop."""
        line, run = self.line, self.run
        seen, first, announced = 0, True, False
        try:
            while True:
                with line.changed:
                    if run.started_at is None and not self.stopped:
                        if not first:
                            line.changed.wait(1.0)
                            if run.started_at is not None or self.stopped:
                                continue
                        first = False
                        event = line._waiting_event(run)
                    elif run.started_at is not None and not announced:
                        announced = True
                        event = {"type": "starting"}  # at once: the run's own first event comes seconds later
                    elif seen < len(run.events):
                        event = run.events[seen]
                        seen += 1
                    elif run.finished or (self.stopped and line._has_followers_who_stay(run)):
                        break
                    else:
                        line.changed.wait(1.0)
                        if seen < len(run.events) or run.finished:
                            continue
                        event = {"type": "quiet"}  # a second without news: the reader may stop listening now
                yield event
            ended = any(event["type"] in ("done", "stopped", "error") for event in run.events[:seen])
            if not ended:
                yield {"type": "stopped", "reason": "stopped by you", "checkpoint": _last_checkpoint(run.events)}
        finally:
            self.line._leave(self)


def _deliver(follower: Follower, checkpoint: str | None) -> None:
    """``follower``'s own copy of the model at ``checkpoint`` (none saved: nothing to copy)."""
    if not checkpoint or follower.copy is not None:
        return
    try:
        follower.copy = checkpoints.copy_model(checkpoint, follower.directory, follower.name)
    except (OSError, checkpoints.CheckpointError) as error:
        follower.copy_error = f"your copy of the model could not be written ({error.__class__.__name__})"


def _last_checkpoint(events: list) -> str | None:
    for event in reversed(events):
        if event.get("checkpoint"):
            return event["checkpoint"]
    return None


class TrainingLine:
    """``slots`` trainings at once; the others wait in the order they came. Thread-safe."""

    def __init__(self, slots: int = 1, default_estimate_s: float = 300.0):
        self.slots = max(1, int(slots))
        self.default_estimate_s = default_estimate_s
        self.changed = threading.Condition()
        self._waiting: list[_Run] = []
        self._running: list[_Run] = []
        self._rates: dict[str, float] = {}  # kind -> measured seconds per example-epoch

    def follow(
        self, key: str, start: Callable[[Path], object], directory: Path, name: str, kind: str = "", work: float = 0.0
    ) -> Follower:
        """Follow the run of ``key`` (the settings and data, without the model's name): the one running or waiting
        for it, else a new one that waits its turn. ``start(folder)`` starts the training into ``folder``; the model
        it saves is copied into ``directory`` as ``name`` when the run ends, or when this follower stops while others
        go on (the last epoch saved then), whether or not its page still listens."""
        with self.changed:
            run = next((r for r in self._running + self._waiting if r.key == key and not r.ending), None)
            if run is None or not self._has_followers_who_stay(run):
                run = _Run(key, start, kind, float(work), Path(tempfile.mkdtemp(prefix="s2s-viz-run-")))
                self._waiting.append(run)
            follower = Follower(self, run, directory, name)
            run.followers.add(follower)
            run.owners.append(follower)
            self._start_what_fits()
            self.changed.notify_all()
            return follower

    def shared_by(self, follower: Follower) -> int:
        """How many follow ``follower``'s run (itself included)."""
        with self.changed:
            return len(follower.run.followers)

    @staticmethod
    def _has_followers_who_stay(run: _Run) -> bool:
        return any(not f.stopped for f in run.followers)

    def _waiting_event(self, run: _Run) -> dict:
        ahead = self._waiting[: self._waiting.index(run)] if run in self._waiting else []
        # a place opens when the soonest running one ends; then each one ahead adds its estimate, over the slots
        running = [self._remaining(r) for r in self._running]
        first = min(running) if running and len(running) >= self.slots else 0.0
        starts_in = first + sum(self._estimate(r) for r in ahead) / self.slots
        return {"type": "waiting", "ahead": len(ahead) + len(self._running), "starts_in_s": starts_in}

    def _remaining(self, run: _Run) -> float:
        if run.eta_s is not None:
            return run.eta_s
        return max(0.0, self._estimate(run) - (time.monotonic() - (run.started_at or time.monotonic())))

    def _estimate(self, run: _Run) -> float:
        rate = self._rates.get(run.kind)
        if rate is None and self._rates:
            rate = sum(self._rates.values()) / len(self._rates)
        return run.work * rate if rate is not None and run.work else self.default_estimate_s

    def _start_what_fits(self) -> None:
        while self._waiting and len(self._running) < self.slots:
            run = self._waiting.pop(0)
            run.started_at = time.monotonic()
            run.process = run.start(run.folder)
            self._running.append(run)
            threading.Thread(target=self._pump, args=(run,), name="s2s-viz-training-line", daemon=True).start()

    def _pump(self, run: _Run) -> None:
        """Collect the run's events for its followers, until it ends; then the next one starts."""
        try:
            for event in run.process.iter_events():
                if event["type"] in ("done", "stopped", "error"):
                    with self.changed:
                        run.ending = True
                        owners = list(run.owners)
                    for owner in owners:  # copied outside the lock: a copy takes a moment
                        _deliver(owner, event.get("checkpoint"))
                with self.changed:
                    if event.get("eta_s") is not None:
                        run.eta_s = float(event["eta_s"])
                    run.events.append(event)
                    self.changed.notify_all()
        finally:
            with self.changed:
                seconds = time.monotonic() - run.started_at
                if run.work and any(e["type"] == "done" for e in run.events):
                    self._rates[run.kind] = seconds / run.work
                run.finished = True
                self._running.remove(run)
                self._start_what_fits()
                self.changed.notify_all()
                if not run.followers:
                    shutil.rmtree(run.folder, ignore_errors=True)

    def _stop(self, follower: Follower) -> None:
        with self.changed:
            if follower.stopped:
                return
            follower.stopped = True
            run = follower.run
            detached = run.started_at is not None and not run.finished and self._has_followers_who_stay(run)
            if detached:  # the others go on: this one takes the last epoch saved so far, before it hears it stopped
                run.owners.remove(follower)
                _deliver(follower, _last_checkpoint(run.events))
            self._let_go(run)
            self.changed.notify_all()

    def _leave(self, follower: Follower) -> None:
        self._stop(follower)
        with self.changed:
            follower.run.followers.discard(follower)
            if follower.run.finished and not follower.run.followers:
                shutil.rmtree(follower.run.folder, ignore_errors=True)
            self.changed.notify_all()

    def _let_go(self, run: _Run) -> None:
        """Nobody stays on ``run``: out of the line if it waits, stopped (its last epoch kept) if it runs."""
        if self._has_followers_who_stay(run):
            return
        if run in self._waiting:
            self._waiting.remove(run)
            run.ending = run.finished = True
        elif run.process is not None and not run.finished:
            run.process.stop.set()


def key_of(kind: str, config) -> str:
    """What makes two trainings the same run: every setting and the data, not the model's name."""
    import json
    from dataclasses import asdict

    settings = {k: v for k, v in asdict(config).items() if k != "name"}
    return json.dumps([kind, type(config).__name__, settings], sort_keys=True, default=str)


def work_of(config) -> float:
    """A training's work, for the estimates: epochs x examples."""
    examples = getattr(config, "limit", None) or getattr(config, "toy_count", None) or 0
    return float(config.epochs * examples)

"""Progress leaves a training as events, and a stop request or a time budget comes in, through one Keras callback.

Events are dicts: ``{"type": "batch" | "epoch" | "done" | "stopped" | "error", ...}``. Batch events come at most
once a second (and at each epoch's last batch); epoch events after the epoch's checkpoint is written. A
``threading.Event`` passed as ``stop`` ends training at the next batch end; the last completed epoch is kept.
A loss that stops being finite ends training at that batch, and the last good epoch's checkpoint stays.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TrainResult:
    model: object
    card: dict
    path: Path | None
    history: dict
    stopped_by: str | None


def make_progress_callback(
    on_event: Callable[[dict], None] | None,
    stop: threading.Event | None,
    time_budget_s: float | None,
    steps_per_epoch: int,
    save_epoch: Callable[[int, float, dict], Path | None],
    epoch_extras: Callable | None = None,
    history: dict | None = None,
    elapsed_before_s: float = 0.0,
):
    """The callback that reports, stops, and saves each completed epoch through ``save_epoch``.

    ``history`` and ``elapsed_before_s`` carry a resumed training's past epochs and time.
    """
    import keras

    class Progress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.run_started = time.monotonic()
            self.started = self.run_started - elapsed_before_s
            self.first_epoch: int | None = None
            self.first_batch_at: float | None = None
            self.last_report = 0.0
            self.epoch = 0
            self.batches_done = 0
            self.stopped_by: str | None = None
            self.failure: str | None = None
            self.history: dict[str, list[float]] = {key: list(values) for key, values in (history or {}).items()}

        def _check_stop(self):
            if stop is not None and stop.is_set():
                self.stopped_by = "stop requested"
            elif time_budget_s is not None and time.monotonic() - self.started > time_budget_s:
                self.stopped_by = f"time budget of {time_budget_s:.0f} s reached"
            if self.stopped_by:
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            if self.first_epoch is None:
                self.first_epoch = epoch
            self.epoch = epoch
            self.epoch_started = time.monotonic()
            self.batches_done = 0
            self.reported = (0, {})  # batches and Keras's running means at the last report of this epoch

        def interval_means(self, batches: int, logs: dict) -> dict:
            """The mean of each metric over the batches since the last report: Keras logs a running mean that
            starts afresh each epoch; this does not, so a curve of it runs on across epochs without a jump."""
            before, means = self.reported
            self.reported = (batches, dict(logs))
            return {
                f"interval_{key}": (batches * float(value) - before * means.get(key, 0.0)) / (batches - before)
                for key, value in logs.items()
            }

        def on_train_batch_end(self, batch, logs=None):
            loss = float((logs or {}).get("loss", 0.0))
            if not math.isfinite(loss):
                self.failure = (
                    f"the loss became {loss} at epoch {self.epoch + 1}, batch {batch + 1}; "
                    "lower the learning rate (the last good epoch is kept)"
                )
                self.model.stop_training = True
                return
            self.batches_done = batch + 1
            self._check_stop()
            now = time.monotonic()
            done = (self.epoch - self.first_epoch) * steps_per_epoch + batch + 1  # batches run by this process
            if self.first_batch_at is None:
                self.first_batch_at = now  # the first batch also traces the step: the ETA leaves it out
            if on_event and (now - self.last_report >= 1.0 or batch + 1 == steps_per_epoch):
                self.last_report = now
                remaining = (self.params.get("epochs", 1) - self.epoch) * steps_per_epoch - batch - 1
                measured = (now - self.first_batch_at) / (done - 1) if done > 1 else None
                on_event(
                    {
                        "type": "batch",
                        "epoch": self.epoch + 1,
                        "batch": batch + 1,
                        "steps_per_epoch": steps_per_epoch,
                        "elapsed_s": now - self.started,
                        "eta_s": measured * max(remaining, 0) if measured is not None else None,
                        **{k: float(v) for k, v in (logs or {}).items()},
                        **self.interval_means(batch + 1, logs or {}),
                    }
                )

        def on_epoch_end(self, epoch, logs=None):
            if self.failure or self.batches_done < steps_per_epoch:
                return  # stopped mid-epoch: the last completed epoch's checkpoint stays
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            path = save_epoch(epoch + 1, time.monotonic() - self.started, self.history)
            if on_event:
                on_event(
                    {
                        "type": "epoch",
                        "epoch": epoch + 1,
                        "elapsed_s": time.monotonic() - self.started,
                        "epoch_s": time.monotonic() - self.epoch_started,  # this epoch's training, saving included
                        "checkpoint": str(path) if path else None,
                        **{k: float(v) for k, v in (logs or {}).items()},
                        **(epoch_extras(self.model) if epoch_extras else {}),
                    }
                )
            self._check_stop()

    return Progress()


class _Events:
    """A training's event stream: ``self.events`` is a queue that ends with ``{"type": "finished"}``."""

    events: queue.Queue

    def iter_events(self):
        """Every event until the training ends (the final ``{"type": "finished"}`` is not yielded)."""
        while True:
            try:
                event = self.events.get(timeout=1.0)
            except queue.Empty:
                continue
            if event["type"] == "finished":
                return
            yield event


class BackgroundTraining(_Events):
    """Runs a trainer in a thread; its events arrive in ``events`` (a queue); ``stop`` ends it at a batch end.

    The UI reads the queue to stream curves; the CLI calls the trainers directly.
    """

    def __init__(self, trainer: Callable, *args, **kwargs):
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.result: TrainResult | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = trainer(*args, on_event=self.events.put, stop=self.stop, **kwargs)
            except BaseException as error:  # reported to the UI, never lost in a thread
                self.error = error
                self.events.put({"type": "error", "message": f"{error.__class__.__name__}: {error}"})
            finally:
                self.events.put({"type": "finished"})

        self.thread = threading.Thread(target=run, name="s2s-viz-training", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop it at the next batch end (the thread ends by itself)."""
        self.stop.set()


class _StopSignal:
    """``set()`` asks the training process to stop at its next batch end (``threading.Event``'s two methods)."""

    def __init__(self, process):
        self._process = process
        self._set = False

    def set(self) -> None:
        if self._set:
            return
        self._set = True
        try:
            self._process.stdin.write(b"stop\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # it has ended already

    def is_set(self) -> bool:
        return self._set


def _spawn():
    """A training process, started: it loads TensorFlow and Keras, then waits for its job on stdin. Returns it and
    the end of the pipe its events come from."""
    import os
    import subprocess
    import sys

    from . import child

    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-c", child.COMMAND, str(write_fd)],
        stdin=subprocess.PIPE,
        pass_fds=(write_fd,),
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")},
    )
    os.close(write_fd)
    return process, read_fd


# One process started ahead, waiting for the next training (``keep_a_spare``: the app's choice): a training then
# starts without the seconds of loading TensorFlow and Keras.
_spares: dict = {"keep": False, "ready": None}
_spare_lock = threading.Lock()


def keep_a_spare(keep: bool = True) -> None:
    """Keep one training process started ahead from now on (the app does: each training starts seconds sooner)."""
    _spares["keep"] = keep
    if keep:
        threading.Thread(target=_make_spare, name="s2s-viz-spare-training-process", daemon=True).start()


def _make_spare() -> None:
    with _spare_lock:
        ready = _spares["ready"]
        if ready is None or ready[0].poll() is not None:
            _spares["ready"] = _spawn()


def _take_spare():
    import os

    with _spare_lock:
        ready, _spares["ready"] = _spares["ready"], None
    if ready is not None and ready[0].poll() is None:
        return ready
    if ready is not None:
        os.close(ready[1])
    return None


class TrainingProcess(_Events):
    """``BackgroundTraining``'s interface, with the trainer in a process of its own at a lower priority and with
    bounded threads (``S2S_VIZ_TRAIN_THREADS``, default half the cores): a training in the app does not starve
    the translations being served, and a crash of the training is reported, never fatal to the app.

    ``stop.set()`` ends it at the next batch end (the last completed epoch is kept); ``close()`` also ends a
    process that does not stop in time.
    """

    def __init__(self, trainer: Callable, *args, **kwargs):
        import os
        import pickle

        threads = int(os.environ.get("S2S_VIZ_TRAIN_THREADS", max(1, (os.cpu_count() or 2) // 2)))
        niceness = int(os.environ.get("S2S_VIZ_TRAIN_NICENESS", "10"))
        self.process, read_fd = _take_spare() or _spawn()
        if _spares["keep"]:
            threading.Thread(target=_make_spare, name="s2s-viz-spare-training-process", daemon=True).start()
        self.events: queue.Queue = queue.Queue()
        self.stop = _StopSignal(self.process)
        self.result = None
        self.error: str | None = None
        self.process.stdin.write(pickle.dumps((trainer, args, kwargs, threads, niceness)))
        self.process.stdin.flush()

        def read() -> None:
            finished = False
            with os.fdopen(read_fd, "rb") as stream:
                while True:
                    try:
                        event = pickle.load(stream)
                    except (EOFError, pickle.UnpicklingError, OSError):
                        break
                    finished = finished or event.get("type") == "finished"
                    if event.get("type") == "error":
                        self.error = event.get("message")
                    self.events.put(event)
            code = self.process.wait()
            if not finished:  # killed, out of memory, or a crash inside TensorFlow
                self.error = f"the training process ended unexpectedly (exit code {code})"
                self.events.put({"type": "error", "message": self.error})
                self.events.put({"type": "finished"})

        self.reader = threading.Thread(target=read, name="s2s-viz-training-events", daemon=True)
        self.reader.start()

    def close(self, grace_s: float = 60.0) -> None:
        """Stop it, and end the process if it has not ended ``grace_s`` seconds later (a background thread waits:
        the caller does not)."""
        self.stop.set()

        def reap() -> None:
            import subprocess

            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()

        threading.Thread(target=reap, name="s2s-viz-training-reaper", daemon=True).start()

"""A training in a process of its own, started by ``TrainingProcess``: the app's translations keep their CPU.

    python -c COMMAND EVENTS_FD   (or python -m s2s_viz.training.child EVENTS_FD)

Reads one pickled job from stdin: ``(trainer, args, kwargs, threads, niceness)``. Writes each event, pickled, to
the file descriptor ``EVENTS_FD`` (stdout stays free for whatever a library prints). A line ``stop`` on stdin, or
stdin closing (the app went away), stops the training at the next batch end; the last completed epoch is kept.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading


def main() -> int:
    events = os.fdopen(int(sys.argv[1]), "wb")
    try:
        trainer, args, kwargs, threads, niceness = pickle.load(sys.stdin.buffer)
    except EOFError:  # a spare process whose app ended before giving it a job
        return 0
    try:
        os.nice(max(0, niceness - os.nice(0)))  # the app's requests first (a spare process starts lowered already)
    except (OSError, AttributeError):  # no niceness here
        pass
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)
    stop, lock = threading.Event(), threading.Lock()

    def listen() -> None:
        for line in sys.stdin.buffer:
            if line.strip() == b"stop":
                break
        stop.set()  # asked to, or the app closed its end

    threading.Thread(target=listen, name="s2s-viz-stop-listener", daemon=True).start()

    gone = []  # the app closed its end: nobody to report to; the training stops at its next batch

    def emit(event: dict) -> None:
        with lock:
            if gone:
                return
            try:
                pickle.dump(event, events, protocol=pickle.HIGHEST_PROTOCOL)
                events.flush()
            except (BrokenPipeError, OSError):
                gone.append(True)
                stop.set()

    try:
        trainer(*args, on_event=emit, stop=stop, **kwargs)
    except BaseException as error:  # noqa: BLE001 - reported to the app, never lost
        emit({"type": "error", "message": f"{error.__class__.__name__}: {error}"})
    finally:
        emit({"type": "finished"})
        try:
            events.close()
        except OSError:
            pass  # the app has gone
    return 0


def run() -> None:
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # not sys.exit: the stop listener is still blocked reading stdin, and shutdown would wait on it


# How ``TrainingProcess`` starts this: TensorFlow's start-up lines once (``start_quietly``), before this package
# (whose ``__init__`` imports Keras) is imported.
# At the training's priority from its first line: loading TensorFlow takes a core for seconds, which the app's
# requests (and its start) need more.
COMMAND = (
    "import os; hasattr(os, 'nice') and os.nice(int(os.environ.get('S2S_VIZ_TRAIN_NICENESS', '10'))); "
    "from s2s_viz.backend import start_quietly; start_quietly(); from s2s_viz.training.child import run; run()"
)

if __name__ == "__main__":
    run()

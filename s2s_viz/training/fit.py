"""The one fit-and-save path under every trainer: build in the strategy's scope, fit, save each epoch, report.

A trainer (translators, digits) says how to build and compile its model, which batches it learns from and what
its card says; this module does the rest the same way for all of them: the distribution strategy and its
input, the checkpoint written after every completed epoch (by the chief only), backups that let a multi-worker
job resume after a lost worker, progress events, the stop request, the time budget and errors.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from .. import checkpoints
from .batches import GlobalBatches
from .config import FitSettings
from .distribution import (
    Cluster,
    DistributionError,
    adapt_model,
    agree,
    cluster_of,
    distribute,
    explain_failure,
    get_strategy,
)
from .progress import TrainResult, make_progress_callback

SAVE_EVERY_S = 10.0  # a completed epoch waits at most this long in memory before it is written (see save_epoch)


def _backup_dir(directory: Path, name: str, cluster: Cluster) -> Path:
    """Where a multi-worker job keeps its resumable state: a hidden folder beside the checkpoint, one per worker."""
    return directory / f".{name}.backup" / f"worker-{cluster.index}"


def _backup_epoch(backup: Path, suffix: str = "") -> int:
    try:
        return int(json.loads((backup / f"training_metadata.json{suffix}").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _resume_point(strategy, cluster: Cluster, config: FitSettings, backup: Path) -> int:
    """The epoch every worker resumes at: the oldest backup among them (a worker lost while the others were
    writing a newer one). A worker one epoch ahead steps back to its previous backup."""
    mine = _backup_epoch(backup)
    target = min(agree(strategy, cluster, asdict(config), mine))
    if mine > target:
        if _backup_epoch(backup, ".bkp") != target:
            raise DistributionError(
                f"worker {cluster.index} has a backup of epoch {mine} but another worker's is of epoch {target}; "
                f"delete the folders {backup.parent} on every worker to start the job again"
            )
        for name in ("latest.weights.h5", "training_metadata.json"):
            shutil.copy(backup / f"{name}.bkp", backup / name)
    return target


class TrainingError(RuntimeError):
    """A training that failed on its way (a loss that is no longer finite, a lost worker); one readable line.

    ``resumable``: a worker was lost; started again, the job resumes from the last completed epoch's backup.
    """

    def __init__(self, message: str, resumable: bool = False):
        super().__init__(message)
        self.resumable = resumable


def _report_error(on_event, message: str, path: Path | None) -> None:
    if on_event:
        on_event({"type": "error", "message": message, "checkpoint": str(path) if path else None})


def new_card(config, kind: str, command: str | None, **fields) -> dict:
    """A checkpoint's card as training starts: what every model kind records, then the kind's own ``fields``.

    The model's settings, the parameter count, the history and the metrics are filled in as training goes.
    """
    return {
        "name": config.name,
        "kind": kind,
        "architecture": config.architecture,
        "model_config": {},
        **fields,
        "training": {"config": asdict(config)},
        "command": command,
        "metrics": {},
    }


def fit_and_save(
    config: FitSettings,
    directory: str | Path | None,
    build: Callable[[], object],  # a compiled model with a ``spec`` (its settings dataclass)
    card: dict,
    train: GlobalBatches,
    validation: GlobalBatches | None,
    samples_seen_per_epoch: int,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    epoch_extras: Callable | None = None,
    finish: Callable[[object, dict], dict] | None = None,
    callbacks: list | None = None,
) -> TrainResult:
    """Build ``build()`` (a compiled model) in the strategy's scope, fit it on ``train``, save ``card`` each epoch.

    ``finish(model, card)`` may return final metrics, written into the card (chief only). ``callbacks`` are
    extra Keras callbacks. Returns the model, its card, the checkpoint path (``None`` if no epoch completed)
    and the history.
    """
    directory = Path(directory) if directory is not None else checkpoints.user_dir()
    strategy = get_strategy(config.strategy)
    cluster = cluster_of(strategy)
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    if config.batch_size % replicas:
        raise ValueError(
            f"batch_size {config.batch_size} is the global batch and must split evenly over {replicas} replicas; "
            f"use a multiple of {replicas}"
        )
    if strategy is not None:
        with strategy.scope():
            model = build()
        adapt_model(model, strategy)
    else:
        model = build()
    card["model_config"] = asdict(model.spec)  # the built model's own settings, defaults filled in
    card["training"].update(
        parameters=int(model.count_params()),
        distribution={
            "strategy": config.strategy,
            "workers": cluster.workers,
            "replicas": replicas,
            "global_batch": config.batch_size,
            "per_replica_batch": config.batch_size // replicas,
        },
    )

    # Only the chief writes where a user looks; the others save into a folder of their own that is then removed
    # (every worker runs the same saving code, so no worker waits on another).
    write_dir = directory if cluster.is_chief else Path(tempfile.mkdtemp(prefix=f"s2s-viz-worker-{cluster.index}-"))
    backup = _backup_dir(directory, card["name"], cluster) if config.strategy == "multiworker" else None
    start_epoch = _resume_point(strategy, cluster, config, backup) if backup else 0
    history, elapsed_before = {}, 0.0
    if start_epoch and cluster.is_chief:
        try:
            previous = checkpoints.read_card(directory / f"{card['name']}.json").get("training", {})
        except checkpoints.CheckpointError:
            previous = {}
        history, elapsed_before = previous.get("history", {}), float(previous.get("time_s", 0.0))

    state = {"path": None, "saved_at": None, "pending": None}

    def write(weights=None) -> None:
        if weights is not None:
            model.set_weights(weights)
        path = checkpoints.save(model, card, write_dir, card["name"])
        state.update(saved_at=time.monotonic(), pending=None)
        if cluster.is_chief:
            state["path"] = path
            if write_dir.resolve().is_relative_to(checkpoints.user_dir().resolve()):  # the quotas, as it is saved
                checkpoints.prune_user_models(keep=card["name"], directory=write_dir)

    def save_epoch(epoch: int, elapsed: float, epoch_history: dict) -> Path | None:
        """Every completed epoch is kept: written at once when the last write is SAVE_EVERY_S old (or it is the
        first or last epoch), else held in memory (a copy of the weights) and written when the next one is due or
        the training stops early, fails or is stopped. Writing took 0.2 s an epoch even for a tiny model."""
        card["training"].update(
            epochs_completed=epoch,
            time_s=round(elapsed, 1),
            train_samples_per_s=round(
                (epoch - start_epoch) * samples_seen_per_epoch / max(elapsed - elapsed_before, 1e-9), 1
            ),
            history=epoch_history,
        )
        due = state["saved_at"] is None or time.monotonic() - state["saved_at"] >= SAVE_EVERY_S
        if due or epoch >= config.epochs:
            write()
        else:
            state["pending"] = model.get_weights()
        return state["path"]

    def flush() -> None:
        """The last completed epoch, if it is not written yet (its weights, not the interrupted epoch's)."""
        if state["pending"] is not None:
            write(state["pending"])

    steps = train.steps(replicas)
    progress = make_progress_callback(
        on_event, stop, config.time_budget_s, steps, save_epoch, epoch_extras, history, elapsed_before
    )
    every_callback = [progress, *(callbacks or [])]
    if backup is not None:
        import keras

        every_callback.append(
            keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False, double_checkpoint=True)
        )

    def batches(source: GlobalBatches, shuffle: bool, first_epoch: int):
        if strategy is None:
            return source.dataset(shuffle, first_epoch)
        return distribute(
            strategy, lambda first, count, total: source.dataset(shuffle, first_epoch, (first, count, total))
        )

    has_validation = validation is not None and validation.steps(replicas) > 0
    try:
        model.fit(
            batches(train, True, start_epoch),
            steps_per_epoch=steps,
            validation_data=batches(validation, False, 0) if has_validation else None,
            validation_steps=validation.steps(replicas) if has_validation else None,
            epochs=config.epochs,
            callbacks=every_callback,
            shuffle=False,  # the batches reshuffle themselves every epoch (GlobalBatches)
            verbose=0,
        )
    except Exception as error:
        flush()
        if strategy is None:
            _report_error(on_event, f"{error.__class__.__name__}: {error}", state["path"])
            raise
        message, resumable = explain_failure(error, cluster)  # one readable line, not per-replica tensors
        _report_error(on_event, message, state["path"])
        raise TrainingError(message, resumable) from error
    except BaseException:  # Ctrl-C: the last completed epoch is written before the interrupt goes on
        flush()
        raise
    else:
        flush()
    finally:
        if not cluster.is_chief:
            shutil.rmtree(write_dir, ignore_errors=True)
    if progress.failure:
        _report_error(on_event, progress.failure, state["path"])
        raise TrainingError(progress.failure)
    if backup is not None and not progress.stopped_by:
        shutil.rmtree(backup, ignore_errors=True)  # finished: nothing left to resume
        if not any(backup.parent.iterdir()):
            backup.parent.rmdir()
    if finish is not None and state["path"] is not None:
        card["metrics"] = finish(model, card)
        state["path"] = checkpoints.save(model, card, directory, card["name"])
    if on_event:
        kind = "stopped" if progress.stopped_by else "done"
        on_event(
            {
                "type": kind,
                "reason": progress.stopped_by,
                "checkpoint": str(state["path"]) if state["path"] else None,
                **card["metrics"],
            }
        )
    return TrainResult(model, dict(card), state["path"], progress.history, progress.stopped_by)

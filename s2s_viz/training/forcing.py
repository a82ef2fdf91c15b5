"""The teacher forcing vs reinjection experiment, run and judged: the same small model trained both ways (and,
optionally, by scheduled sampling), each run in a child process after the other, every epoch scored the same two
ways (``forcing_experiment_configs``), and one sentence of verdict computed from the measured numbers."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path

from .config import FORCING_DEFAULT_EPOCHS, forcing_experiment_configs
from .fit import TrainingError
from .progress import TrainingProcess
from .translators import train_translator


def run_forcing_experiment(
    directory: str | Path,
    task: str = "toy:dates",
    epochs: int = FORCING_DEFAULT_EPOCHS,
    include_mix: bool = False,
    feedback: str = "soft",
    seed: int = 0,
) -> Iterator[tuple[str, dict]]:
    """Train every run of the experiment into ``directory``, one after the other; yields ``(run label, epoch
    event)`` as each epoch ends. ``ValueError`` for impossible settings, ``TrainingError`` if a run fails."""
    runs = forcing_experiment_configs(task, int(epochs), include_mix, feedback, seed)
    for label, config in runs:
        run = TrainingProcess(train_translator, config, directory)
        try:
            for event in run.iter_events():
                if event["type"] == "epoch":
                    yield label, event
                elif event["type"] == "error":
                    raise TrainingError(event["message"])
        finally:
            run.close()


def seconds_per_epoch(events: list[dict]) -> float:
    """A run's own seconds per epoch: the median of its epochs after the first (the first also builds and compiles
    the model; the median keeps out an epoch slowed by something else on the machine)."""
    timed = events[1:] or events
    return statistics.median(e["epoch_s"] for e in timed)


CHRF_TOO_CLOSE = 1.0  # chrF points: closer than this, two runs of the same model differ by as much


def forcing_verdict(results: dict[str, list[dict]]) -> str:
    """One sentence from the measured numbers: seconds per epoch, and both scores of the last epoch, per run
    (``results``: each run's epoch events, teacher forcing first, then reinjection)."""
    finished = {label: events for label, events in results.items() if events}
    if len(finished) < 2:
        return "Not enough runs finished to compare."
    parts, last = [], {}
    for label, events in finished.items():
        end = events[-1]
        seconds = seconds_per_epoch(events)
        last[label] = (seconds, end["forced_val_loss"], end["free_exact"], end["free_chrf"])
        which = " (median after the first)" if len(events) > 1 else ""
        parts.append(
            f"{label}: {seconds:.2f} s an epoch{which}, teacher-forced loss {end['forced_val_loss']:.3f}, "
            f"free-running exact {end['free_exact']:.0f}% (chrF {end['free_chrf']:.1f})"
        )
    (_, forced), (_, free) = list(last.items())[:2]
    slower = free[0] / max(forced[0], 1e-9)
    if forced[2] == free[2]:  # no difference in exact sentences: chrF decides, or nothing does
        gap = forced[3] - free[3]
        if abs(gap) < CHRF_TOO_CLOSE:
            verdict = (
                f"the two wrote equally well on their own ({forced[2]:.0f}% exact each, chrF {forced[3]:.1f} vs "
                f"{free[3]:.1f}): too close to call; train more epochs"
            )
        else:
            ahead = "teacher forcing" if gap > 0 else "reinjection"
            verdict = (
                f"neither wrote more sentences exactly ({forced[2]:.0f}% each); by chrF {ahead} wrote better on its "
                f"own ({forced[3]:.1f} vs {free[3]:.1f}), with teacher forcing at {1 / slower:.2f}x reinjection's time "
                "per epoch"
            )
    elif forced[2] > free[2]:
        verdict = (
            f"teacher forcing wrote better on its own ({forced[2]:.0f}% vs {free[2]:.0f}% exact) "
            f"in {1 / slower:.2f}x the time per epoch"
        )
    else:
        verdict = (
            f"reinjection wrote better on its own ({free[2]:.0f}% vs {forced[2]:.0f}% exact), "
            f"at {slower:.1f}x the time per epoch"
        )
    epochs = len(next(iter(finished.values())))
    return f"After {epochs} epoch(s): " + "; ".join(parts) + f". Here {verdict}."

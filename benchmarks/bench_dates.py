"""The Train tab's *try this*, as a teacher runs it: an attention model on ``toy:dates`` with the tab's own
default settings, started the way the tab starts it (a training process of its own, start-up included), then
scored on held-out dates (targets no training pair has: ``toy.is_held_out``).

    s2s-viz bench dates [--runs 3]

Records, per run, the seconds from Start to each epoch's end and to the finished model, the validation
character accuracy at each epoch, and the exact-match rate on 300 held-out dates (target: >= 99% within 30 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import s2s_viz
from s2s_viz.bench import write_result
from s2s_viz.data.toy import make_pairs


def form_defaults() -> dict:
    """The Train tab's form as it opens (``recipes.TRY_THIS``, which the tab's form shows)."""
    from s2s_viz.training.recipes import TRY_THIS

    names = {"batch": "batch_size", "lr": "learning_rate"}
    keys = ("what", "data", "epochs", "batch", "lr", "size", "layers", "pairs")
    return {key: TRY_THIS[names.get(key, key)] for key in keys}


def one_run(settings: dict, folder: str) -> dict:
    from s2s_viz.training import TrainingProcess, train_translator
    from s2s_viz.training.recipes import make_config

    _, config = make_config(
        settings["what"],
        settings["data"],
        "bench-dates",
        settings["epochs"],
        settings["batch"],
        settings["lr"],
        settings["size"],
        settings["layers"],
        1.0,
        settings["pairs"],
    )
    started = time.perf_counter()
    run = TrainingProcess(train_translator, config, folder)
    epochs = []
    for event in run.iter_events():
        if event["type"] == "epoch":
            epochs.append(
                {
                    "epoch": event["epoch"],
                    "seconds_from_start": round(time.perf_counter() - started, 1),
                    "val_char_accuracy": round(event.get("val_masked_accuracy", float("nan")), 4),
                }
            )
    finished = round(time.perf_counter() - started, 1)
    test = make_pairs("dates", 300, seed=99, split="test")
    written = s2s_viz.load(f"{folder}/bench-dates.keras").translate_batch(test.sources)
    exact = sum(out == target for out, target in zip(written, test.targets)) / len(test.targets)
    return {"epochs": epochs, "seconds_to_finished_model": finished, "held_out_exact": round(exact, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = form_defaults()
    runs = [one_run(settings, tempfile.mkdtemp(prefix="bench-dates-")) for _ in range(args.runs)]
    write_result(
        "dates",
        {
            "settings": settings,
            "runs": runs,
            "median_seconds_to_finished_model": statistics.median(run["seconds_to_finished_model"] for run in runs),
            "median_held_out_exact": statistics.median(run["held_out_exact"] for run in runs),
            "target": ">= 99% exact on held-out dates within 30 s of pressing Start",
        },
    )


if __name__ == "__main__":
    main()

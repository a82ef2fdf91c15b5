"""``s2s-viz train``: a translator or a digit model from a config file and flags, progress printed, resumed after
a lost worker."""

from __future__ import annotations

import os
import shlex
import sys
import threading
import tomllib

from .models import record_metrics
from .output import print_json as _print_json

MAX_RESUME_ATTEMPTS = 3


def _minutes(seconds: float | None) -> str:
    return "  …  " if seconds is None else f"{seconds / 60:5.1f} min"


def _progress_printer():
    def on_event(event: dict) -> None:
        kind = event["type"]
        if kind == "batch":
            line = (
                f"\repoch {event['epoch']} batch {event['batch']}/{event['steps_per_epoch']} "
                f"loss {event.get('loss', float('nan')):.4f} "
                f"acc {event.get('masked_accuracy', event.get('accuracy', float('nan'))):.3f} "
                f"ETA {_minutes(event['eta_s'])}   "
            )
            print(line, end="", file=sys.stderr, flush=True)
        elif kind == "epoch":
            metrics = " ".join(
                f"{k} {v:.4f}" for k, v in event.items() if isinstance(v, float) and k not in ("elapsed_s", "epoch_s")
            )
            saved = f"saved {event['checkpoint']}" if event["checkpoint"] else "saved by the chief (worker 0)"
            print(f"\nepoch {event['epoch']} done in {event['elapsed_s']:.0f} s: {metrics}; {saved}", file=sys.stderr)
        elif kind in ("done", "stopped"):
            where = event["checkpoint"] or "written by the chief (worker 0), or none if no epoch completed"
            print(
                f"\n{kind}{': ' + event['reason'] if event.get('reason') else ''}; checkpoint {where}", file=sys.stderr
            )
        elif kind == "error":
            print(f"\ntraining failed: {event['message']}", file=sys.stderr)

    return on_event


def _train_settings(args) -> dict:
    settings: dict = {}
    if args.config:
        with open(args.config, "rb") as handle:
            settings = tomllib.load(handle)
    for key in (
        "name",
        "data",
        "direction",
        "epochs",
        "batch_size",
        "learning_rate",
        "seed",
        "limit",
        "time_budget_s",
        "first_lines",
        "strategy",
        "level",
    ):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    model = dict(settings.get("model", {}))
    for key in (
        "cell",
        "latent_dim",
        "num_layers",
        "attention",
        "attention_order",
        "teacher_forcing_ratio",
        "embedding_dim",
    ):
        value = getattr(args, key, None)
        if value is not None:
            model[key] = value
    if args.bidirectional:
        model["bidirectional"] = True
    if getattr(args, "xla", False):
        settings["xla"] = True
    if getattr(args, "precision", None):
        settings["precision"] = args.precision
    settings["model"] = model
    if args.architecture:
        settings["architecture"] = args.architecture
    if args.kind:
        settings["kind"] = args.kind
    return settings


def cmd_train(args) -> int:
    from ..training import TrainingError

    settings = _train_settings(args)
    command = "s2s-viz " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    stop = threading.Event()
    kind = settings.pop("kind", "translator")
    if kind == "digits":
        from ..training import DigitTrainConfig, train_digits

        config = DigitTrainConfig.from_dict(settings)
        runner = lambda: train_digits(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    elif kind == "blank":
        from ..training.blanks import BlankTrainConfig, train_blanks

        config = BlankTrainConfig.from_dict(settings)
        runner = lambda: train_blanks(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    else:
        from ..training import TranslatorTrainConfig, train_translator

        config = TranslatorTrainConfig.from_dict(settings)
        runner = lambda: train_translator(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    if config.strategy == "multiworker":
        from ..training.distribution import exit_if_cluster_not_joined, read_tf_config, worker_timeout_s

        # refused with a readable line before TensorFlow starts, and never an endless wait for a missing worker
        exit_if_cluster_not_joined(read_tf_config(), worker_timeout_s())
    try:
        result = runner()
    except KeyboardInterrupt:
        stop.set()
        print("\ninterrupted: the checkpoint of the last completed epoch is kept", file=sys.stderr)
        return 130
    except TrainingError as error:
        attempt = int(os.environ.get("S2S_VIZ_RESUME_ATTEMPT", "0"))
        if not error.resumable or attempt >= MAX_RESUME_ATTEMPTS:
            raise
        # TensorFlow cannot rejoin a cluster in the same process: start afresh, wait for the lost worker, resume
        print(
            f"restarting worker to resume (attempt {attempt + 1} of {MAX_RESUME_ATTEMPTS})", file=sys.stderr, flush=True
        )
        os.environ["S2S_VIZ_RESUME_ATTEMPT"] = str(attempt + 1)
        os.execv(sys.executable, [sys.executable, "-m", "s2s_viz", *sys.argv[1:]])
    if args.evaluate and kind == "translator" and result.path is not None:
        _print_json(record_metrics(str(result.path)))
    return 0

"""The ``s2s-viz`` command (also ``python -m s2s_viz``): train, translate, evaluate, bench, data stats, list."""

from __future__ import annotations

import argparse
import json
import os
import runpy
import shlex
import sys
import threading
import time
import tomllib
from pathlib import Path

from ._version import __version__


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


MAX_RESUME_ATTEMPTS = 3


# ---- train ---------------------------------------------------------------------------------------------
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
    from .training import TrainingError

    settings = _train_settings(args)
    command = "s2s-viz " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    stop = threading.Event()
    kind = settings.pop("kind", "translator")
    if kind == "digits":
        from .training import DigitTrainConfig, train_digits

        config = DigitTrainConfig.from_dict(settings)
        runner = lambda: train_digits(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    elif kind == "blank":
        from .training.blanks import BlankTrainConfig, train_blanks

        config = BlankTrainConfig.from_dict(settings)
        runner = lambda: train_blanks(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    else:
        from .training import TranslatorTrainConfig, train_translator

        config = TranslatorTrainConfig.from_dict(settings)
        runner = lambda: train_translator(config, args.output, on_event=_progress_printer(), stop=stop, command=command)  # noqa: E731
    if config.strategy == "multiworker":
        from .training.distribution import exit_if_cluster_not_joined, read_tf_config, worker_timeout_s

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
        _print_json(_record_metrics(str(result.path)))
    return 0


def _record_metrics(path: str) -> dict:
    """Evaluate a model on its test split (test-short, or MNIST's test images) and write the figures into its card."""
    from . import checkpoints, load

    metrics = _fresh_metrics(load(path))
    checkpoints.update_card(Path(path).with_suffix(".json"), {"metrics": metrics})
    return metrics


def _fresh_metrics(model) -> dict:
    """A loaded model's card figures, computed afresh: translators, digit classifiers and fill-in-the-blank."""
    from .evaluation import card_metrics, evaluate_digits

    kind = model.card["kind"]
    if kind == "blank":
        from .evaluation import evaluate_blanks

        metrics = evaluate_blanks(model.model, model.vocab)
    else:
        metrics = evaluate_digits(model.model) if kind == "digits" else card_metrics(model)
    return metrics


# ---- translate, evaluate, list ---------------------------------------------------------------------------
def cmd_translate(args) -> int:
    from . import load
    from .translator import InputError

    translator = load(args.model)
    texts = args.text or [line.rstrip("\n") for line in sys.stdin]
    for text in texts:
        try:
            result = translator.translate(
                text, strategy=args.strategy, beam_width=args.beam_width, temperature=args.temperature, seed=args.seed
            )
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            continue
        if result.notice:
            print(f"note: {result.notice}", file=sys.stderr)
        print(result.text)
        if args.steps:
            for step in result.steps:
                top = "  ".join(f"{token!r} {p:.2f}" for token, p in step.top)
                print(f"  {step.index:3d} {step.token!r:6} {step.probability:.3f}   {top}")
    return 0


def cmd_evaluate(args) -> int:
    from . import list_models, load
    from .evaluation import evaluate_translator

    names = [m.name for m in list_models(kind="translator") if not m.broken] if args.all else [args.model]
    if not names or names == [None]:
        print("error: name a model with --model or use --all", file=sys.stderr)
        return 2
    if args.update_card:
        from .checkpoints import resolve

        for name in names:
            _print_json({name: _record_metrics(str(resolve(name)[0]))})
        return 0
    rows = []
    for name in names:
        translator = load(name)
        if translator.card["kind"] != "translator":  # a digit or fill-in-the-blank model: its own figures
            _print_json({name: _fresh_metrics(translator)})
            return 0
        metrics = evaluate_translator(translator, limit=args.limit, strategy=args.strategy)
        rows.append({"model": name, "parameters": translator.model.count_params(), **metrics})
    if args.json:
        _print_json(rows if args.all else rows[0])
    else:
        print(f"{'model':28} {'params':>9} {'chrF':>6} {'BLEU':>6} {'exact%':>7} {'loss/char':>9}  split")
        for row in rows:
            print(
                f"{row['model']:28} {row['parameters']:9d} {row['chrf']:6.1f} {row['bleu']:6.1f} "
                f"{row['exact_match']:7.2f} {row['loss_per_char']:9.3f}  {row['split']}"
            )
    return 0


def model_table(infos) -> str:
    """The README's model table, from the cards: one row per model."""
    lines = [
        "| model | what | parameters | training | chrF | BLEU | exact % | test accuracy % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for info in infos:
        card = info.card or {}
        training, metrics = card.get("training", {}), card.get("metrics", {})
        spec = card.get("model_config", {})
        what = card.get("architecture", "")
        if what == "blank":  # the fill-in-the-blank pair: which directions read, not an encoder
            bidirectional = spec.get("bidirectional")
            what = "fill in the blank, " + ("bidirectional" if bidirectional else "forward only")
            spec = {key: value for key, value in spec.items() if key != "bidirectional"}
            if bidirectional:
                spec["units"] = f"{spec.get('units')} each way"
        if (card.get("source_vocab") or {}).get("level") == "word":
            what += f", words (Embedding {spec.get('embedding_dim')}" + (
                ", tied output)" if spec.get("tie_embeddings") else ")"
            )
        if spec.get("attention", "none") != "none":
            what += f", {spec['attention']} attention"
            if spec.get("attention_order") == "luong":
                what += " (Luong's order)"
        if spec.get("bidirectional"):
            what += ", bidirectional encoder"
        if spec.get("reverse_source"):
            what += ", source read backwards"
        if spec.get("norm_first"):
            what += ", pre-LN blocks"
        if "cell" in spec:
            what += f", {spec['cell'].upper()} {spec.get('latent_dim', spec.get('units', ''))}"
        if spec.get("dropout"):
            what += f", dropout {spec['dropout']}"
        what += f" ({card.get('direction', card.get('data', {}).get('source', ''))})"
        time_s = training.get("time_s")
        trained = f"{training.get('epochs_completed', '?')} epochs, {time_s / 60:.0f} min" if time_s else "?"
        scores = [
            f"{metrics[key]:.1f}" if key in metrics else "" for key in ("chrf", "bleu", "exact_match", "test_accuracy")
        ]
        if "blank_accuracy" in metrics:  # every character of the test sentences hidden in turn
            scores[3] = f"{metrics['blank_accuracy']:.1f}"
        lines.append(
            f"| `{info.name}` | {what} | {training.get('parameters', 0):,} | {trained} | {' | '.join(scores)} |"
        )
    return "\n".join(lines)


def cmd_list(args) -> int:
    from . import list_models

    if args.markdown:
        print(model_table([info for info in list_models() if info.origin == "shipped" and not info.broken]))
        return 0
    print(listing_table(list_models()))
    return 0


def listing_table(infos) -> str:
    """Every model as one readable row: name, kind, architecture, where it lives, direction or data, and its
    main figures (or why it cannot be loaded)."""
    rows = [("model", "kind", "architecture", "origin", "task", "figures")]
    for info in infos:
        card = info.card or {}
        metrics = card.get("metrics", {})
        if info.broken:
            figures = f"BROKEN: {info.broken}"
        elif "chrf" in metrics:
            figures = f"chrF {metrics['chrf']:.1f}  BLEU {metrics['bleu']:.1f}  exact {metrics['exact_match']:.1f}%"
        elif "test_accuracy" in metrics:
            figures = f"test accuracy {metrics['test_accuracy']:.2f}%"
        elif "blank_accuracy" in metrics:
            figures = f"blank accuracy {metrics['blank_accuracy']:.2f}%"
        else:
            figures = "not evaluated"
        task = str(card.get("direction") or card.get("data", {}).get("source", ""))
        rows.append((info.name, info.kind, info.architecture, info.origin, task, figures))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5] for row in rows)


# ---- data stats ------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (unlike getrusage's ru_maxrss) starts afresh at exec, so a
    small command started by a big parent is not charged with the parent's peak."""
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cmd_data_stats(args) -> int:
    import numpy as np

    from .data import pairs as pairs_module
    from .data import sources
    from .data.vocab import CharVocab

    started = time.monotonic()
    path = sources.fra_path(args.path)
    counts = {}
    for split in ("train", "validation", "test"):
        counts[split] = len(pairs_module.read_pairs(path, split=split, direction=args.direction))
    everything = pairs_module.read_pairs(path, split="all", direction=args.direction)
    source_vocab = CharVocab.build(everything.sources)
    target_vocab = CharVocab.build(everything.targets, with_start_end=True)
    source_ids = [np.asarray(source_vocab.encode(s), dtype=np.int16) for s in everything.sources]
    target_ids = [np.asarray(target_vocab.encode(t, add_start_end=True), dtype=np.int16) for t in everything.targets]
    source_lengths = np.array([len(s) for s in source_ids])
    target_lengths = np.array([len(t) for t in target_ids])
    percentiles = [50, 90, 99, 100]
    stats = {
        "file": str(path),
        "sha256": pairs_module.file_sha256(path),
        "lines": everything.lines_read,
        "pairs_loaded": len(everything),
        "malformed_lines": everything.bad_line_count,
        "malformed_report": everything.report(),
        "reserved_pairs_skipped": everything.lines_read - everything.bad_line_count - len(everything),
        "split_sizes": counts,
        "source_vocab_size": len(source_vocab.tokens),
        "target_vocab_size_with_start_end": len(target_vocab.tokens),
        "source_length_percentiles": {p: int(np.percentile(source_lengths, p)) for p in percentiles},
        "target_length_percentiles_with_start_end": {p: int(np.percentile(target_lengths, p)) for p in percentiles},
        "encoded_bytes": int(sum(a.nbytes for a in source_ids) + sum(a.nbytes for a in target_ids)),
        "peak_rss_mb": peak_rss_mb(),
        "seconds": round(time.monotonic() - started, 2),
    }
    if args.json:
        _print_json(stats)
    else:
        for key, value in stats.items():
            print(f"{key:42} {value}")
    return 0


# ---- bench -----------------------------------------------------------------------------------------------
def cmd_bench(args) -> int:
    folder = Path(args.benchmarks_dir)
    available = sorted(p.stem.removeprefix("bench_") for p in folder.glob("bench_*.py"))
    if args.name not in available:
        print(
            f"error: no benchmark {args.name!r} in {folder}; available: {', '.join(available) or 'none'}",
            file=sys.stderr,
        )
        return 2
    sys.argv = [str(folder / f"bench_{args.name}.py"), *args.rest]
    runpy.run_path(sys.argv[0], run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s2s-viz", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model (progress, ETA; Ctrl-C keeps the last good checkpoint)")
    train.add_argument("--config", help="a TOML file of training settings (configs/NAME.toml)")
    train.add_argument("--output", default=None, help="folder for the checkpoint (default: the user model folder)")
    train.add_argument("--name")
    train.add_argument("--kind", choices=["translator", "digits", "blank"], help="what to train (default translator)")
    train.add_argument("--architecture", choices=["rnn_seq2seq", "transformer", "birnn", "vit"])
    train.add_argument("--data", help="fra, toy:copy, toy:reverse, toy:dates, or a path to a Tatoeba-format file")
    train.add_argument("--direction", choices=["en-fr", "fr-en"])
    train.add_argument("--level", choices=["char", "word"], help="characters (one-hot) or words (with --embedding-dim)")
    train.add_argument("--embedding-dim", type=int, help="word level: the Embedding layer's size (0: one-hot)")
    train.add_argument("--cell", choices=["lstm", "gru"])
    train.add_argument("--latent-dim", type=int)
    train.add_argument("--num-layers", type=int)
    train.add_argument("--bidirectional", action="store_true")
    train.add_argument("--attention", choices=["none", "additive", "dot", "general", "learned", "positional"])
    train.add_argument(
        "--attention-order",
        choices=["bahdanau", "luong"],
        help="attend before (s_{i-1}) or after (s_i) the decoder step",
    )
    train.add_argument("--teacher-forcing-ratio", type=float, help="1 = teacher forcing, 0 = reinjection")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--seed", type=int)
    train.add_argument("--limit", type=int, help="at most this many training pairs")
    train.add_argument("--first-lines", type=int, help="read only the first N lines of the data file")
    train.add_argument("--time-budget-s", type=float, help="stop after this many seconds (at a batch end)")
    train.add_argument(
        "--strategy",
        choices=["none", "mirrored", "multiworker"],
        help="tf.distribute: all local GPUs, or several machines (TF_CONFIG)",
    )
    train.add_argument(
        "--xla",
        action="store_true",
        help="compile each training step with XLA (faster for models without attention, after a first epoch)",
    )
    train.add_argument(
        "--precision",
        choices=["float32", "bfloat16"],
        help="bfloat16: compute in bfloat16 with float32 weights (faster on CPUs with AVX512_BF16 or AMX)",
    )
    train.add_argument(
        "--evaluate", action="store_true", help="evaluate on the test split afterwards and record it in the card"
    )
    train.set_defaults(func=cmd_train)

    translate = commands.add_parser("translate", help="translate text (arguments or standard input)")
    translate.add_argument("text", nargs="*")
    translate.add_argument("--model", default="lstm-char-en-fr")
    translate.add_argument("--strategy", default="greedy", choices=["greedy", "beam", "sample"])
    translate.add_argument("--beam-width", type=int, default=4)
    translate.add_argument("--temperature", type=float, default=1.0)
    translate.add_argument("--seed", type=int, default=None)
    translate.add_argument("--steps", action="store_true", help="print the per-step trace")
    translate.set_defaults(func=cmd_translate)

    evaluate = commands.add_parser("evaluate", help="chrF, BLEU, exact match and loss per character on the test split")
    evaluate.add_argument("--model")
    evaluate.add_argument("--all", action="store_true", help="every translation model, as one table")
    evaluate.add_argument("--limit", type=int, help="only the first N test sentences")
    evaluate.add_argument("--strategy", default="greedy", choices=["greedy", "beam"])
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--update-card", action="store_true", help="write the figures into the model's card")
    evaluate.set_defaults(func=cmd_evaluate)

    bench = commands.add_parser("bench", help="run a benchmark from benchmarks/ (results written with the machine)")
    bench.add_argument("name")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.add_argument("--benchmarks-dir", default=os.environ.get("S2S_VIZ_BENCHMARKS", "benchmarks"))
    bench.set_defaults(func=cmd_bench)

    data = commands.add_parser("data", help="data set tools")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    stats = data_commands.add_parser("stats", help="load and encode a whole pairs file; print its statistics")
    stats.add_argument("path", nargs="?")
    stats.add_argument("--direction", default="en-fr", choices=["en-fr", "fr-en"])
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_data_stats)

    listing = commands.add_parser("list", help="shipped and user-trained models")
    listing.add_argument("--markdown", action="store_true", help="the shipped models as the README's table")
    listing.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .checkpoints import CheckpointError
    from .data import DataError, DataUnavailable
    from .training import TrainingError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TrainingError:  # the trainer's error event has printed its one line
        return 1
    except (CheckpointError, DataError, DataUnavailable, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

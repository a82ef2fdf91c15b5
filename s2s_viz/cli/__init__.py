"""The ``s2s-viz`` command (also ``python -m s2s_viz``): train, translate, evaluate, import, bench, data stats,
list."""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from .._version import __version__
from ..bench import SAVE_ENV
from .data_stats import cmd_data_stats
from .models import cmd_evaluate, cmd_import, cmd_list, cmd_translate
from .train import _train_settings, cmd_train


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
    rest = [arg for arg in args.rest if arg != "--save"]
    if args.save or len(rest) < len(args.rest):  # the figures replace the tracked ones the README quotes
        os.environ[SAVE_ENV] = "1"
    sys.argv = [str(folder / f"bench_{args.name}.py"), *rest]
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

    bench = commands.add_parser(
        "bench",
        help="run a benchmark from benchmarks/ (results written with the machine to benchmarks/results/latest/; "
        "--save: to benchmarks/results/, the figures the README quotes)",
    )
    bench.add_argument("name")
    bench.add_argument("--save", action="store_true", help="write the results over the tracked ones")
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

    importing = commands.add_parser(
        "import",
        help="open a model of the keras-io lstm_seq2seq recipe (model.save('s2s_model.keras')) as a translator",
    )
    importing.add_argument("model", help="the .keras file")
    importing.add_argument("--data", required=True, help="the data file it was trained on (fra.txt, spa.txt, ...)")
    importing.add_argument("--samples", type=int, default=10000, help="the recipe's num_samples (default 10000)")
    importing.add_argument("--name", required=True, help="the name it is listed under")
    importing.add_argument("--output", default=None, help="folder for the checkpoint (default: the user model folder)")
    importing.set_defaults(func=cmd_import)

    listing = commands.add_parser("list", help="shipped and user-trained models")
    listing.add_argument("--markdown", action="store_true", help="the shipped models as the README's table")
    listing.set_defaults(func=cmd_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.func is not cmd_bench:  # a benchmark imports what it measures itself
        from ..backend import start_quietly

        start_quietly()
    from ..checkpoints import CheckpointError
    from ..data import DataError, DataUnavailable
    from ..training import TrainingError

    try:
        return args.func(args)
    except TrainingError:  # the trainer's error event has printed its one line
        return 1
    except (CheckpointError, DataError, DataUnavailable, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["_train_settings", "build_parser", "main"]

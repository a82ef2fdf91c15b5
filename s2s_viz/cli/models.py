"""``s2s-viz translate``, ``evaluate`` and ``list``: the models, used and measured from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

from .output import print_json as _print_json


def record_metrics(path: str) -> dict:
    """Evaluate a model on its test split (test-short, or MNIST's test images) and write the figures into its card."""
    from .. import checkpoints, load

    metrics = _fresh_metrics(load(path))
    checkpoints.update_card(Path(path).with_suffix(".json"), {"metrics": metrics})
    return metrics


def _fresh_metrics(model) -> dict:
    """A loaded model's card figures, computed afresh: translators, digit classifiers and fill-in-the-blank."""
    from ..evaluation import card_metrics, evaluate_digits

    kind = model.card["kind"]
    if kind == "blank":
        from ..evaluation import evaluate_blanks

        metrics = evaluate_blanks(model.model, model.vocab)
    else:
        metrics = evaluate_digits(model.model) if kind == "digits" else card_metrics(model)
    return metrics


def cmd_translate(args) -> int:
    from .. import load
    from ..translation import InputError

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
    from .. import list_models, load
    from ..evaluation import evaluate_translator

    names = [m.name for m in list_models(kind="translator") if not m.broken] if args.all else [args.model]
    if not names or names == [None]:
        print("error: name a model with --model or use --all", file=sys.stderr)
        return 2
    if args.update_card:
        from ..checkpoints import resolve

        for name in names:
            _print_json({name: record_metrics(str(resolve(name)[0]))})
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
    from .. import list_models

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


def cmd_import(args) -> int:
    """A model of the keras-io ``lstm_seq2seq`` recipe, with the data file and sample count it was trained on."""
    from ..importing import import_recipe

    path = import_recipe(args.model, args.data, args.samples, args.name, args.output)
    print(f"imported {Path(args.model).name} as {args.name}: {path}")
    print(f"try it: s2s-viz translate --model {path if args.output else args.name} 'Go.'")
    return 0

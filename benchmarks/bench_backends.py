"""The same work on each Keras backend, on this machine, in one run: TensorFlow (the default), JAX, and PyTorch
where it is installed. Each backend runs in a process of its own (``KERAS_BACKEND`` is read once).

    s2s-viz bench backends [--backends tensorflow jax torch] [--sentences 100] [--epochs 4]

Decoding, per shipped translator (the plain LSTM, the attention LSTM and the Transformer): greedy ms per sentence
(median over test-short sentences, after one compile), beam search of width 4 (median over 20), batched greedy
sentences per second at batch 512 (median of 3). Training: the Train tab's *try this* (additive attention on
``toy:dates``) and a plain LSTM on 5,000 fra pairs; seconds per epoch, the first (which compiles) apart from the
median of the others, and the whole run's seconds. JAX runs twice: with an empty compilation cache, then with the
programs the first run left there (what a second visitor's training finds). Ratios are each backend's time over
TensorFlow's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

MODELS = ("lstm-char-en-fr", "attention-char-en-fr", "transformer-char-en-fr")


def median_seconds(function, items) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def decoding(sentences: list[str], beam_count: int) -> dict:
    import s2s_viz

    found = {}
    for name in MODELS:
        translator = s2s_viz.load(name)
        translator.translate(sentences[0])
        translator.translate(sentences[0], strategy="beam")
        translator.translate_batch(sentences[:512])
        batch = (sentences * (512 // len(sentences) + 1))[:512]
        found[name] = {
            "greedy_ms": round(1000 * median_seconds(translator.translate, sentences), 2),
            "beam4_ms": round(
                1000
                * median_seconds(lambda text, t=translator: t.translate(text, strategy="beam"), sentences[:beam_count]),
                2,
            ),
            "batched_sentences_per_s": round(512 / median_seconds(translator.translate_batch, [batch] * 3), 1),
        }
    return found


def training(epochs: int) -> dict:
    from s2s_viz.training import train_translator
    from s2s_viz.training.recipes import TRY_THIS, make_config

    form = {**TRY_THIS, "name": "bench-try-this", "epochs": epochs}
    names = ("what", "data", "name", "epochs", "batch_size", "learning_rate", "size", "layers", "teacher_forcing_ratio")
    _, try_this = make_config(*(form[name] for name in names), form["pairs"])
    plain = {**form, "what": "translator: LSTM seq2seq", "data": "fra (Tatoeba English-French)", "name": "bench-lstm"}
    _, lstm = make_config(*(plain[name] for name in names), 5000)
    found = {}
    for label, config in (("try_this_attention_dates", try_this), ("lstm_fra_5000", lstm)):
        marks = []
        started = time.perf_counter()
        train_translator(
            config,
            tempfile.mkdtemp(prefix="bench-backends-"),
            on_event=lambda event, marks=marks: marks.append(time.perf_counter()) if event["type"] == "epoch" else None,
        )
        total = time.perf_counter() - started
        epoch_seconds = [b - a for a, b in zip([started, *marks], marks)]
        found[label] = {
            "first_epoch_s": round(epoch_seconds[0], 2),
            "later_epoch_s_median": round(statistics.median(epoch_seconds[1:]), 2) if len(epoch_seconds) > 1 else None,
            "total_s": round(total, 1),
            "epochs": len(epoch_seconds),
        }
    return found


def measure(args) -> dict:
    from s2s_viz import backend
    from s2s_viz.data import sources
    from s2s_viz.data.pairs import read_test_short

    sentences = read_test_short(sources.fra_path()).sources[: args.sentences]
    return {
        "backend": backend.versions(),
        "device": backend.describe(),
        "decoding": decoding(sentences, args.beam_sentences),
        "training": training(args.epochs),
    }


def ratios(results: dict) -> dict:
    """Each backend's seconds over TensorFlow's (above 1: slower than TensorFlow)."""
    base = results.get("tensorflow")
    if not base:
        return {}
    found = {}
    for name, other in results.items():
        if name == "tensorflow":
            continue
        rows = {}
        for model, figures in other["decoding"].items():
            here = base["decoding"][model]
            rows[f"{model} greedy"] = round(figures["greedy_ms"] / here["greedy_ms"], 2)
            rows[f"{model} beam4"] = round(figures["beam4_ms"] / here["beam4_ms"], 2)
            rows[f"{model} batched"] = round(here["batched_sentences_per_s"] / figures["batched_sentences_per_s"], 2)
        for run, figures in other["training"].items():
            here = base["training"][run]
            if figures["later_epoch_s_median"] and here["later_epoch_s_median"]:
                rows[f"{run} later epochs"] = round(figures["later_epoch_s_median"] / here["later_epoch_s_median"], 2)
            rows[f"{run} whole run"] = round(figures["total_s"] / here["total_s"], 2)
        found[name] = rows
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--sentences", type=int, default=100)
    parser.add_argument("--beam-sentences", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the measuring process of one backend
    args = parser.parse_args()
    if args.one:
        print("BENCH-RESULT " + json.dumps(measure(args)))
        return
    results, skipped = {}, {}
    jax_cache = tempfile.mkdtemp(prefix="bench-jax-cache-")  # empty: the first JAX run compiles everything
    runs = [(name, name) for name in args.backends]
    if "jax" in args.backends:  # then again with the programs the first run left in JAX's compilation cache
        runs.insert(args.backends.index("jax") + 1, ("jax, compilation cache warm", "jax"))
    for label, name in runs:
        if not importlib.util.find_spec(name):
            skipped[label] = f"{name} is not installed"
            continue
        command = [sys.executable, __file__, "--one", name, "--sentences", str(args.sentences)]
        command += ["--beam-sentences", str(args.beam_sentences), "--epochs", str(args.epochs)]
        environment = {**os.environ, "KERAS_BACKEND": name, "S2S_VIZ_JAX_CACHE": jax_cache}
        done = subprocess.run(command, capture_output=True, text=True, env=environment)
        lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
        if done.returncode or not lines:
            skipped[label] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            continue
        results[label] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    from s2s_viz.bench import write_result

    write_result(
        "backends",
        {"results": results, "over_tensorflow": ratios(results), "skipped": skipped, "target": "JAX within 1.5x"},
    )


if __name__ == "__main__":
    main()

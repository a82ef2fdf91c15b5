"""The GPU, measured under one Keras backend (run by ``scripts/gpu_check.sh``, once per backend found).

``--part FILE``: under ``KERAS_BACKEND``, checks that the backend sees a GPU, trains one epoch of every model kind of
the Train tab at its own settings (``recipes.TRY_THIS``), the *try this* itself (its epochs, to the saved model;
then once more, as the next visitor's runs: the backend started and, under JAX, its programs in the on-disk cache),
one epoch of the ``attention-char-en-fr`` configuration, and decodes with every shipped translator (greedy ms per
sentence, median of 30; batched sentences per second at batch 512); each result is written to FILE as it comes, so
a run stopped by its time limit keeps what it measured. ``--merge FILE...``: writes
``benchmarks/results/gpu.json`` from the parts, with the machine's description.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("try_this", "kinds", "decoding", "en_fr")  # "digits": only the digit kinds of "kinds"
sys.path.insert(0, str(ROOT))


def shipped_config(name: str, **overrides):
    from s2s_viz.training import TranslatorTrainConfig

    with open(ROOT / "configs" / f"{name}.toml", "rb") as handle:
        settings = tomllib.load(handle)
    settings.pop("kind", None)
    return TranslatorTrainConfig(**{**settings, **overrides})


def train(kind: str, config) -> dict:
    from s2s_viz.training import train_digits, train_translator

    trainer = train_digits if kind == "digits" else train_translator
    started = time.perf_counter()
    result = trainer(config, tempfile.mkdtemp(prefix="gpu-check-"))
    seconds = time.perf_counter() - started
    training = result.card["training"]
    history = training.get("history") or {}
    return {
        "seconds": round(seconds, 1),  # from the call to the saved model: data, build, compile, fit, evaluation
        "fit_seconds": training.get("time_s"),
        "epochs": training.get("epochs_completed"),
        "train_samples_per_s": training.get("train_samples_per_s"),
        "val_loss": (history.get("val_loss") or [None])[-1],
        "metrics": {k: v for k, v in (result.card.get("metrics") or {}).items() if isinstance(v, int | float)},
    }


def decoding(name: str, sentences: list[str]) -> dict:
    import s2s_viz

    translator = s2s_viz.load(name)
    translator.translate(sentences[0])
    translator.translate_batch(sentences[:512])
    times = []
    for sentence in sentences[:30]:
        started = time.perf_counter()
        translator.translate(sentence)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    translator.translate_batch(sentences[:512])
    batched = 512 / (time.perf_counter() - started)
    return {"greedy_ms": round(1000 * statistics.median(times), 2), "batched_sentences_per_s": round(batched, 1)}


def measure(part: Path, sections: tuple[str, ...] = SECTIONS) -> int:
    from s2s_viz import backend
    from s2s_viz.data import sources
    from s2s_viz.data.pairs import read_test_short
    from s2s_viz.training.recipes import TRY_THIS, WHAT, make_config

    gpus = backend.devices()
    if not gpus:
        print(
            f"Keras on {backend.name()} sees no GPU: check the driver (nvidia-smi) and the backend's CUDA build",
            file=sys.stderr,
        )
        return 2
    result: dict = {"backend": backend.versions(), "device": gpus[0], "train_one_epoch": {}, "decoding": {}}
    if part.exists():  # an earlier run's sections, kept beside this one's
        result.update({k: v for k, v in json.loads(part.read_text()).items() if k not in ("backend", "device")})

    def save() -> None:
        part.write_text(json.dumps(result, indent=2, default=float))

    def form(what: str, **changes):
        settings = {**TRY_THIS, "what": what, "data": "mnist" if what.startswith("digits") else TRY_THIS["data"]}
        settings.update(changes)
        names = (
            "what",
            "data",
            "name",
            "epochs",
            "batch_size",
            "learning_rate",
            "size",
            "layers",
            "teacher_forcing_ratio",
            "pairs",
        )
        return make_config(*(settings[name] for name in names))

    if "try_this" in sections:
        kind, config = form(TRY_THIS["what"], name="gpu-try-this")
        result["try_this"] = {"settings": TRY_THIS, **train(kind, config)}
        save()
        # what the next visitor's gets: the backend started, and under JAX its programs in the on-disk cache
        kind, config = form(TRY_THIS["what"], name="gpu-try-this-again")
        result["try_this_again"] = train(kind, config)
        save()
    for index, what in enumerate(WHAT):
        if "kinds" in sections or ("digits" in sections and what.startswith("digits")):
            kind, config = form(what, name=f"gpu-kind-{index}", epochs=1)
            result["train_one_epoch"][what] = train(kind, config)
            save()
    if "decoding" in sections:
        sentences = read_test_short(sources.fra_path()).sources
        import s2s_viz

        for info in s2s_viz.list_models(kind="translator"):
            if info.origin == "shipped" and not info.broken:
                result["decoding"][info.name] = decoding(info.name, sentences)
                save()
    if "en_fr" not in sections:
        return 0
    # PyTorch runs the step-by-step decoder of training eagerly, a launch per small op: a slice of the epoch there
    pairs = None if backend.name() == "jax" else 20000
    config = shipped_config("attention-char-en-fr", name="gpu-en-fr", epochs=1, time_budget_s=None, limit=pairs)
    result["attention_char_en_fr_one_epoch"] = {"train_pairs_limit": pairs, **train("translator", config)}
    save()
    return 0


def merge(parts: list[Path]) -> int:
    from s2s_viz.bench import SAVE_ENV, write_result

    os.environ.setdefault(SAVE_ENV, "1")  # the device's results are what the GPU run is for: kept where git sees them
    backends = {}
    for part in parts:
        found = json.loads(part.read_text())
        backends[found["backend"]["backend"]] = found
    if not backends:
        print("no backend measured a GPU here", file=sys.stderr)
        return 2
    write_result("gpu", {"backends": backends}, folder=ROOT / "benchmarks" / "results", command="gpu_check")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", type=Path, help="measure under KERAS_BACKEND and write the results here")
    parser.add_argument("--sections", nargs="*", default=SECTIONS, help=f"what to measure: {', '.join(SECTIONS)}")
    parser.add_argument("--merge", type=Path, nargs="*", help="write benchmarks/results/gpu.json from these parts")
    args = parser.parse_args()
    if args.merge is not None:
        return merge(args.merge)
    return measure(args.part or Path(tempfile.mkdtemp()) / "gpu-part.json", tuple(args.sections))


if __name__ == "__main__":
    sys.exit(main())

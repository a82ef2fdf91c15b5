"""One core on every Keras backend: the shipped checkpoints write the same tokens under JAX (and PyTorch, where it is
installed) as under TensorFlow, greedy and beam; the digit models classify alike; every training path runs under
JAX (``mirrored`` through ``keras.distribution`` there), and a checkpoint trained there decodes the same under
TensorFlow.

Each other backend runs in a process of its own (``KERAS_BACKEND`` is read once, when Keras is first imported):
``backend_probe.py`` computes there, this process computes under TensorFlow and compares."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import s2s_viz
from s2s_viz.data import sources
from s2s_viz.data.pairs import read_test_short

HERE = Path(__file__).resolve().parent
OTHERS = [
    pytest.param("jax", marks=pytest.mark.skipif(not importlib.util.find_spec("jax"), reason="jax is not installed")),
    pytest.param(
        "torch",
        marks=pytest.mark.skipif(
            not importlib.util.find_spec("torch"),
            reason="torch is not installed (its wheels from the index carry CUDA libraries of several GB)",
        ),
    ),
]
pytestmark = pytest.mark.slow


def probe(backend: str, job: dict, timeout: int = 480) -> dict:
    environment = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(HERE.parent)}
    done = subprocess.run(
        [sys.executable, str(HERE / "backend_probe.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("PROBE-RESULT "))


def shipped_translators() -> list[str]:
    return [i.name for i in s2s_viz.list_models(kind="translator") if i.origin == "shipped" and not i.broken]


def sentences_to_translate() -> list[str]:
    try:
        return read_test_short(sources.fra_path()).sources[:20]
    except Exception:  # no data here: sentences of the kind the models were trained on
        return ["I am cold.", "We will win.", "Go away!", "He is tall.", "Thank you."] * 4


@pytest.mark.parametrize("backend", OTHERS)
def test_every_shipped_translator_writes_the_same_tokens_under_another_backend(backend):
    names = shipped_translators()
    sentences = sentences_to_translate() + ["27 November 2026", "March 3, 1999"]  # the dates model's kind of input too
    # PyTorch's beam search keeps its bookkeeping in Python, an eager step at a time: fewer sentences there
    beam_sentences = sentences if backend == "jax" else sentences[:5]
    other = probe(backend, {"job": "decode", "models": names, "sentences": sentences, "beam_sentences": beam_sentences})
    assert other.pop("tensorflow loaded") is False
    assert other["device"].endswith(f"Keras/{backend}")  # what the Train tab says it trains on
    for name in names:
        translator = s2s_viz.load(name)
        assert other[name]["greedy"] == [translator.translate(text).text for text in sentences], name
        assert other[name]["batch"] == translator.translate_batch(sentences), name
        beams = [translator.translate(text, strategy="beam", beam_width=4).text for text in beam_sentences]
        assert other[name]["beam"] == beams, name


@pytest.mark.skipif(not sources.mnist_here(), reason="MNIST is not on this machine")
@pytest.mark.parametrize("backend", OTHERS)
def test_the_digit_models_classify_alike_under_another_backend(backend):
    from s2s_viz.data.digits import load_mnist

    count = 1000
    other = probe(backend, {"job": "digits", "models": ["vit-mnist", "birnn-mnist"], "count": count})
    images = load_mnist()["x_test"][:count] / 255.0
    for name in ("vit-mnist", "birnn-mnist"):
        here = s2s_viz.load(name).classify_batch(images).argmax(axis=1).tolist()
        assert sum(a != b for a, b in zip(other[name], here)) == 0, name


@pytest.mark.skipif(not importlib.util.find_spec("jax"), reason="jax is not installed")
def test_every_training_path_runs_under_jax_and_its_checkpoint_decodes_the_same_under_tensorflow(tmp_path):
    small = {"data": "toy:reverse", "toy_count": 320, "validation_pairs": 64, "epochs": 2, "batch_size": 64}
    small.update(max_source_length=10, max_target_length=10, learning_rate=0.01)
    configs = {
        "teacher-forcing": {"model": {"latent_dim": 32}},
        "reinjection": {"model": {"latent_dim": 32, "teacher_forcing_ratio": 0.0}},
        "reversed-gru": {"model": {"latent_dim": 32, "cell": "gru", "reverse_source": True}},
        "bahdanau": {"model": {"latent_dim": 32, "attention": "additive", "bidirectional": True}},
        "luong": {"model": {"latent_dim": 32, "attention": "general", "attention_order": "luong"}},
        "transformer": {"architecture": "transformer", "model": {"d_model": 32, "num_heads": 4, "d_ff": 64}},
        # the last: Keras's own data parallelism (keras.distribution) is set for the whole process
        "mirrored": {"model": {"latent_dim": 32}, "strategy": "mirrored"},
    }
    configs = {label: {"name": label, **small, **settings} for label, settings in configs.items()}
    if sources.mnist_here():  # a digit classifier too: 300 images, its last batch filled up with weighted-out rows
        vit = {"d_model": 16, "num_heads": 2, "num_layers": 1, "d_ff": 32, "patch_size": 7}
        configs["vit-digits"] = {"kind": "digits", "name": "vit-digits", "architecture": "vit", "model": vit}
        configs["vit-digits"].update(limit=300, epochs=2, batch_size=64, learning_rate=0.003)
    sentences = ["hello", "attention", "abc", "keras"]
    trained = probe("jax", {"job": "train", "configs": configs, "sentences": sentences, "folder": str(tmp_path)})
    assert trained.pop("tensorflow loaded") is False  # its import alone was 2.4 s of a first epoch
    for label, found in trained.items():
        assert found["loss"][-1] < found["loss"][0], label  # it learned
        if label == "vit-digits":
            assert s2s_viz.load(found["path"]).classify_batch(np.zeros((2, 28, 28))).shape == (2, 10)
            continue
        translator = s2s_viz.load(found["path"])  # the checkpoint, read under TensorFlow
        assert [translator.translate(text).text for text in sentences] == found["greedy"], label
        assert found["beam_differs"] == [], label  # JAX's compiled beam search finds what the Python one finds
